/**
 * Every knob of the benchmark in one place: sizes, rates, durations and limits. Each loop in
 * the suite is bounded by one of these, in count and in time.
 *
 * @module
 */

/** The only address the suite uses. */
export const HOSTNAME = "127.0.0.1";
/** The room password the host process is started with. */
export const PASSWORD = "bench-password";

/** Handshakes run and thrown away before measuring. */
export const HANDSHAKE_WARMUP = 20;
/** Handshakes measured, one after the other. */
export const HANDSHAKE_RUNS = 200;
/** Deadline for one connect + handshake + welcome, in ms. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;

/** Members in the load room. */
export const MEMBERS = 50;
/** Characters in each chat line sent (stamp plus filler). */
export const TEXT_CHARS = 64;

/** A first, unreported step, so both processes run compiled code before anything counts. */
export const ROOM_WARMUP_RATE = 250;
export const ROOM_WARMUP_S = 3;

/** The fixed-rate run: messages/s in total, warm-up and measured seconds. */
export const FIXED_RATE = 1_000;
export const FIXED_WARMUP_S = 1;
export const FIXED_MEASURE_S = 5;

/** The search for the highest sustained rate. */
export const SEARCH_START_RATE = 1_000;
export const SEARCH_MIN_RATE = 125;
export const SEARCH_MAX_RATE = 256_000;
export const SEARCH_WARMUP_S = 1;
export const SEARCH_MEASURE_S = 3;
/** Tries of a rate whose p99 missed narrowly (under twice the limit), to absorb a hiccup. */
export const SEARCH_TRIES = 2;
/** Stop refining once the bad rate is within this factor of the good one. */
export const SEARCH_RESOLUTION = 1.1;
/** Most steps in the search, retries included. */
export const SEARCH_MAX_STEPS = 16;

/** A rate is sustained while delivery p99 stays at or under this, in ms, with no losses. */
export const P99_LIMIT_MS = 50;
/** A step stops early once a message is this old and still not delivered to everyone, in ms. */
export const BACKLOG_LIMIT_MS = 5_000;
/** After sending stops, how long to wait for the last deliveries, in ms. */
export const DRAIN_TIMEOUT_MS = 10_000;
/** No new search step starts after this much time since the suite began, in ms. */
export const TIME_BUDGET_MS = 100_000;

/** File transfers: bytes of random data in the test file (256 MiB). */
export const TRANSFER_BYTES = 256 * 1024 * 1024;
/** Times each transfer (and each raw copy) is measured; the median is reported. */
export const TRANSFER_REPEATS = 3;
/** Deadline for one transfer, from accept to done, in ms. */
export const TRANSFER_TIMEOUT_MS = 120_000;
/** Deadline for rt to hash the file and make its offer, in ms. */
export const OFFER_TIMEOUT_MS = 60_000;
/** The buffer of the raw copy's read/write loops (rt's chunks are 64 KiB). */
export const RAW_BUFFER_BYTES = 256 * 1024;
/** Where the test file and rt's folders go (a fresh folder in it, removed after). */
export const TEMP_PARENT = "/tmp";

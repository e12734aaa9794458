/**
 * Every knob of the benchmark in one place: sizes, rates, durations and limits. Each loop in
 * the suite is bounded by one of these, in count and in time.
 *
 * @module
 */

/** The only address the suite uses. */
export const HOSTNAME = "127.0.0.1";

/** How every rt host of the benchmark is started: on loopback, a free port, nothing asked of
 * the router, the network or DNS. */
export const LOOPBACK_HOST_FLAGS = [
  "--bind",
  HOSTNAME,
  "--port",
  "0",
  "--no-upnp",
  "--no-announce",
  "--no-reverse-dns",
];
/** The room password the rt hosts are started with. */
export const PASSWORD = "bench-password";

/**
 * The per-member message rate the chat hosts are started with (`rt --rate`; rt's default is
 * 10/s). The load offers 20/s a member at 50 × 1,000 and more in the search, so rt's default
 * would hold the members back instead of measuring the host: the report says so beside the
 * figures.
 */
export const HOST_RATE = 1_000;
/** rt's own default of `--rate`, for the report. */
export const RT_DEFAULT_RATE = 10;
/** rt's own default of `--max-members`, for the report. */
export const RT_DEFAULT_MAX_MEMBERS = 100;

/** Handshakes run and thrown away before measuring. */
export const HANDSHAKE_WARMUP = 20;
/** Handshakes measured, one after the other. */
export const HANDSHAKE_RUNS = 200;
/** Deadline for one connect + handshake + welcome, in ms. */
export const HANDSHAKE_TIMEOUT_MS = 5_000;
/** Stop measuring joins after this long, in ms. */
export const HANDSHAKE_BUDGET_MS = 30_000;

/** Members in the load room. */
export const MEMBERS = 50;
/** Members in the big room (`BIG_MEMBERS` × `FIXED_RATE`, compared with ngIRCd). */
export const BIG_MEMBERS = 100;
/** Load processes the members are spread over (round robin). */
export const LOAD_PROCESSES = 4;
/** A step where a load process used more than this share of a core is invalid. */
export const SATURATED_SHARE = 0.9;
/** Characters in each chat line sent (stamp plus filler). */
export const TEXT_CHARS = 64;

/** The fixed-rate run: messages/s in total, warm-up and measured seconds. */
export const FIXED_RATE = 1_000;
export const FIXED_WARMUP_S = 1;
export const FIXED_MEASURE_S = 5;

/**
 * A first, unreported step, so every process runs compiled code before anything counts: at the
 * fixed rate, as ngIRCd is warmed up before its steps (`ROOM_WARMUP_S + FIXED_WARMUP_S` at the
 * full rate), so that rt's first step starts as warm as ngIRCd's. At 250/s, rt's first step at
 * 100 members was always its slowest (p99 92 and 197 ms where the next two held 42 to 50).
 */
export const ROOM_WARMUP_RATE = FIXED_RATE;
export const ROOM_WARMUP_S = 3;

/**
 * Fixed steps of each room compared with ngIRCd, for rt and ngIRCd alike: the side by side takes
 * the median of each figure. One step moves 10–20 % between runs on a shared VM (host CPU per
 * delivery 6.0–8.7 µs, ngIRCd's 3.8–4.7), enough to turn a ratio either way.
 */
export const COMPARE_STEPS = 3;

/** The search for the highest sustained rate. */
export const SEARCH_START_RATE = 1_000;
export const SEARCH_MIN_RATE = 125;
export const SEARCH_MAX_RATE = 64_000;
export const SEARCH_WARMUP_S = 1;
export const SEARCH_MEASURE_S = 3;
/** Tries of each rate; the median decides (so it stops once a majority agrees). */
export const SEARCH_TRIES = 3;
/** Stop refining once the bad rate is within this factor of the good one. */
export const SEARCH_RESOLUTION = 1.1;
/** Most steps in the search, tries and confirmations included. */
export const SEARCH_MAX_STEPS = 24;
/** No new search step starts after this long since the search began, in ms. */
export const SEARCH_BUDGET_MS = 120_000;

/** A rate is sustained while delivery p99 stays at or under this, in ms, with no losses. */
export const P99_LIMIT_MS = 50;
/** A step stops early once a message is this old and still not delivered to everyone, in ms. */
export const BACKLOG_LIMIT_MS = 5_000;
/** After sending stops, how long to wait for the last deliveries, in ms. */
export const DRAIN_TIMEOUT_MS = 10_000;

/** Idle members joined to one host, to read its memory (`--max-members` lets them in). */
export const IDLE_MEMBERS = 1_000;
/**
 * Joins at once from each load process while the idle members arrive: with `LOAD_PROCESSES`,
 * 4 in all. They all come from 127.0.0.1, and rt refuses a joiner whose address has 6 password
 * guesses in flight ("too many password guesses from your address at once"; no flag sets it).
 */
export const IDLE_JOIN_CONCURRENCY = 1;
/** How long the host is left alone with its idle members before its memory is read, in ms. */
export const IDLE_SETTLE_MS = 2_000;

/**
 * File transfers: bytes of random data in the test file (1 GiB): large enough that a raw copy
 * takes about a second even at 1 GB/s, and rt several.
 */
export const TRANSFER_BYTES = 1024 * 1024 * 1024;
/** Times each transfer (and each raw copy) is measured; the median is reported. */
export const TRANSFER_REPEATS = 5;
/** Deadline for one transfer, from accept to done, in ms. */
export const TRANSFER_TIMEOUT_MS = 180_000;
/** Deadline for rt to hash the file and make its offer, in ms. */
export const OFFER_TIMEOUT_MS = 60_000;
/** The buffer of the raw copy's read/write loops (rt's chunks are 128 KiB). */
export const RAW_BUFFER_BYTES = 256 * 1024;
/** Where the test file and rt's folders go (a fresh folder in it, removed after). */
export const TEMP_PARENT = "/tmp";

/**
 * A flood of garbage connections, for the memory test of the host (issue 13, item 7): fresh
 * connections from one or many loopback source addresses, each carrying 1–12 pieces of
 * garbage (random bytes, frames of random MessagePack shaped like the handshake, oversized or
 * odd length prefixes), then ending in one of three ways (reset at once, half-close, or wait
 * for the host to close). Nothing here knows the password.
 *
 * The flood is seeded: the same options send the same bytes. Run in the test process with
 * {@link flood}, or in a child `deno` process (so the test's own clock is not slowed by it)
 * with {@link spawnFlood}; run alone as
 * `deno run --allow-net tests/e2e/flood_tools.ts --port P [--connections N] [--concurrency C]
 * [--sources K] [--seed S]`, which prints the result as JSON.
 *
 * Several source addresses need no proxy: `node:net`'s `localAddress` binds each connection
 * to 127.0.0.N (all of 127.0.0.0/8 is the loopback interface on Linux).
 *
 * @module
 */
import net from "node:net";
import { encode } from "@msgpack/msgpack";
import { type Memory, memoryOf, sleep } from "./attack_tools.ts";
import { childEnv, type E2e, ROOT } from "./harness.ts";

/** A small seeded random source (mulberry32): the same seed gives the same flood. */
export class Random {
  #state: number;

  constructor(seed: number) {
    this.#state = seed >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    let t = (this.#state = (this.#state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** An integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** `length` random bytes. */
  bytes(length: number): Uint8Array {
    const out = new Uint8Array(length);
    for (let i = 0; i < length; i++) out[i] = Math.floor(this.next() * 256);
    return out;
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

function lengthPrefix(length: number): Uint8Array {
  const out = new Uint8Array(4);
  new DataView(out.buffer).setUint32(0, length >>> 0);
  return out;
}

function framed(payload: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  out.set(lengthPrefix(payload.length));
  out.set(payload, 4);
  return out;
}

/** A random MessagePack value of some depth: what a handshake field might be, or not. */
function randomValue(random: Random, depth = 0): unknown {
  switch (random.int(0, depth > 1 ? 5 : 7)) {
    case 0:
      return random.int(-1e6, 1e6);
    case 1:
      return random.next() < 0.5;
    case 2:
      return null;
    case 3:
      return random.bytes(random.pick([0, 15, 16, 17, 31, 32, 33, random.int(0, 300)]));
    case 4:
      return String.fromCharCode(...random.bytes(random.int(0, 40)));
    case 5:
      return random.next() * 1e9;
    case 6:
      return Array.from({ length: random.int(0, 5) }, () => randomValue(random, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: random.int(0, 5) }, () => [
          random.pick(["t", "v", "nonce", "y", "confirm", "x", ""]),
          randomValue(random, depth + 1),
        ]),
      );
  }
}

/**
 * A handshake-shaped message with something wrong in it: a share of another protocol version
 * or with fields of the wrong size or type, a confirm or mismatch out of turn, an unknown `t`.
 * None is a password guess (a well-formed share would be one, and would soon block the address:
 * this flood is of garbage, not of guesses).
 */
function handshakeShaped(random: Random): Uint8Array {
  const field = (good: number) =>
    random.next() < 0.5 ? random.bytes(random.pick([0, good - 1, good + 1])) : randomValue(random);
  const message = random.pick([
    () => ({
      t: "share",
      v: random.pick([0, 2, 255, -1]),
      nonce: random.bytes(16),
      y: random.bytes(32),
    }),
    () => ({ t: "share", v: 1, nonce: field(16), y: random.bytes(32) }),
    () => ({ t: "share", v: 1, nonce: random.bytes(16), y: field(32) }),
    () => ({ t: "confirm", confirm: random.bytes(random.pick([32, 31, 64])) }),
    () => ({ t: "mismatch" }),
    () => ({ t: random.pick(["hello", "reply", "identity", "join", "", "SHARE"]), v: 1 }),
    () => randomValue(random),
  ])();
  return encode(message);
}

/** The pieces one garbage connection writes, in order: 1–12 of them. */
export function garbagePieces(random: Random): Uint8Array[] {
  const pieces: Uint8Array[] = [];
  const count = random.int(1, 12);
  for (let i = 0; i < count; i++) {
    switch (random.int(0, 5)) {
      case 0: // random bytes, no framing at all
        pieces.push(random.bytes(random.int(1, 2048)));
        break;
      case 1: // handshake-shaped MessagePack, framed
      case 2:
        pieces.push(framed(handshakeShaped(random)));
        break;
      case 3: // a frame of random bytes under the handshake limit
        pieces.push(framed(random.bytes(random.int(0, 1000))));
        break;
      case 4: // an oversized length prefix (the handshake allows 1 KiB; rt at most 256 KiB)
        pieces.push(
          lengthPrefix(random.pick([1025, 65_536, 262_145, 0x7fffffff, 0xffffffff])),
          random.bytes(random.int(0, 1024)),
        );
        break;
      default: // odd: an empty frame, a cut-off prefix, or a frame announced longer than sent
        pieces.push(
          random.pick([
            () => lengthPrefix(0),
            () => lengthPrefix(random.int(1, 1024)).subarray(0, random.int(1, 3)),
            () => {
              const payload = random.bytes(random.int(0, 500));
              const out = new Uint8Array(4 + payload.length);
              out.set(lengthPrefix(payload.length + random.int(1, 500)));
              out.set(payload, 4);
              return out;
            },
          ])(),
        );
    }
  }
  return pieces;
}

/** How a garbage connection ends once it has written its pieces. */
export type Ending = "reset" | "half-close" | "linger";

/** Options of a flood. */
export interface FloodOptions {
  /** The host's port on `hostname`. */
  port: number;
  /** Default: 127.0.0.1. */
  hostname?: string;
  /** Connections in all: the fixed amount of work. */
  connections: number;
  /** Connections open at once. Default: 100. */
  concurrency?: number;
  /**
   * Loopback source addresses to connect from, in turn (127.0.0.2, 127.0.0.3, ...). Default: 1
   * (127.0.0.1 alone).
   */
  sources?: number;
  /** Seed of the garbage. Default: 1. */
  seed?: number;
  /** Longest a connection waits for the host to close it before giving up, in ms. Default: 5 s. */
  lingerMs?: number;
  /**
   * Stop early once this many connections could not be opened or were not closed by the host
   * in time (a host that stopped accepting would otherwise keep the flood waiting for each).
   * Default: never.
   */
  giveUpAfter?: number;
}

/** What a flood did. */
export interface FloodResult {
  connections: number;
  /** Connections that could not even be opened (refused by the system, reset on connect). */
  failed: number;
  /** Connections the host had not closed within `lingerMs` (the flood closed them). */
  lingered: number;
  bytesSent: number;
  bytesReceived: number;
  /** Duration of the flood, in ms. */
  ms: number;
  /** Stopped early (see `giveUpAfter`). */
  gaveUp: boolean;
}

/** The `n`th loopback source address of `count` (127.0.0.1 when there is one). */
export function sourceAddress(n: number, count: number): string {
  if (count <= 1) return "127.0.0.1";
  const index = (n % count) + 2; // 127.0.0.2 onwards
  return `127.0.${index >> 8}.${index & 255}`;
}

/** One garbage connection; resolves once it is closed, whatever happened. */
function garbageConnection(
  options: Required<FloodOptions>,
  source: string,
  pieces: Uint8Array[],
  ending: Ending,
  result: FloodResult,
): Promise<void> {
  return new Promise((resolve) => {
    let connected = false;
    let finished = false;
    const socket = net.connect({
      host: options.hostname,
      port: options.port,
      localAddress: source,
    });
    const done = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      if (!connected) result.failed++;
      socket.destroy();
      resolve();
    };
    const timer = setTimeout(() => {
      if (connected) result.lingered++;
      done();
    }, options.lingerMs);
    socket.on("error", done);
    socket.on("close", done);
    socket.on("end", done);
    socket.on("data", (chunk: Uint8Array) => {
      result.bytesReceived += chunk.length;
    });
    socket.on("connect", () => {
      connected = true;
      for (const piece of pieces) {
        socket.write(piece);
        result.bytesSent += piece.length;
      }
      if (ending === "reset") {
        // Closed at once: the system may reset the connection with data still unread.
        socket.resetAndDestroy?.() ?? socket.destroy();
        done();
      } else if (ending === "half-close") socket.end();
      // "linger": wait for the host to close.
    });
  });
}

/** Floods the host with `connections` garbage connections, `concurrency` at a time. */
export async function flood(options: FloodOptions): Promise<FloodResult> {
  const full: Required<FloodOptions> = {
    port: options.port,
    connections: options.connections,
    hostname: options.hostname ?? "127.0.0.1",
    concurrency: options.concurrency ?? 100,
    sources: options.sources ?? 1,
    seed: options.seed ?? 1,
    lingerMs: options.lingerMs ?? 5000,
    giveUpAfter: options.giveUpAfter ?? Infinity,
  };
  const random = new Random(full.seed);
  const result: FloodResult = {
    connections: 0,
    failed: 0,
    lingered: 0,
    bytesSent: 0,
    bytesReceived: 0,
    ms: 0,
    gaveUp: false,
  };
  const start = performance.now();
  let next = 0;
  const endings: Ending[] = ["reset", "half-close", "linger"];
  const worker = async () => {
    while (next < full.connections) {
      if (result.failed + result.lingered >= full.giveUpAfter) {
        result.gaveUp = true;
        break;
      }
      const n = next++;
      result.connections++;
      await garbageConnection(
        full,
        sourceAddress(n, full.sources),
        garbagePieces(random),
        random.pick(endings),
        result,
      );
    }
  };
  await Promise.all(Array.from({ length: Math.min(full.concurrency, full.connections) }, worker));
  result.ms = performance.now() - start;
  return result;
}

/** A flood running in a child `deno` process. */
export interface FloodChild {
  /** Resolves with the flood's result once it is over; rejects when the child failed. */
  result: Promise<FloodResult>;
  /** Ends the child at once (when the test fails before the flood is over). */
  kill(): Promise<void>;
}

/**
 * Runs {@link flood} in a child `deno` process, so that the test process (which measures the
 * members' delivery times) is not slowed down by it.
 */
export function spawnFlood(options: FloodOptions): FloodChild {
  const args = ["run", "--cached-only", "--allow-net", "tests/e2e/flood_tools.ts"];
  const keys = [
    "port",
    "hostname",
    "connections",
    "concurrency",
    "sources",
    "seed",
    "lingerMs",
    "giveUpAfter",
  ] as const;
  for (const key of keys) {
    if (options[key] !== undefined) args.push(`--${key}`, String(options[key]));
  }
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: ROOT,
    env: childEnv(),
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const result = output.then((out) => {
    const text = new TextDecoder().decode(out.stdout).trim();
    if (!out.success) {
      throw new Error(
        `the flood failed (exit ${out.code}): ${text}\n${new TextDecoder().decode(out.stderr)}`,
      );
    }
    return JSON.parse(text.split("\n").at(-1)!) as FloodResult;
  });
  // Observed here so a failure does not go unhandled before the test awaits it.
  result.catch(() => {});
  return {
    result,
    kill: async () => {
      try {
        child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
      await output.catch(() => {});
    },
  };
}

if (import.meta.main) {
  const args = Deno.args;
  const value = (name: string) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? args[i + 1] : undefined;
  };
  const number = (name: string) => {
    const text = value(name);
    return text === undefined ? undefined : Number(text);
  };
  const port = number("port");
  if (port === undefined) {
    console.error("usage: flood_tools.ts --port P [--connections N] [--concurrency C] ...");
    Deno.exit(2);
  }
  const result = await flood({
    port,
    hostname: value("hostname"),
    connections: number("connections") ?? 1000,
    concurrency: number("concurrency"),
    sources: number("sources"),
    seed: number("seed"),
    lingerMs: number("lingerMs"),
    giveUpAfter: number("giveUpAfter"),
  });
  console.log(JSON.stringify(result));
}

/** Opens a connection, sends a few bytes, and resets it (RST) at once. */
export function resetConnection(port: number): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.on("error", () => resolve());
    socket.on("close", () => resolve());
    socket.on("connect", () => {
      socket.write(new Uint8Array([0, 0, 0, 9, 1, 2, 3]));
      socket.resetAndDestroy();
    });
  });
}

// ---- measuring a room under a flood -------------------------------------------------------

/** What {@link floodRoom} measured. */
export interface FloodMeasurement {
  /** The host's port and the room's password (the room is still open). */
  port: number;
  password: string;
  flood: FloodResult;
  /** The host's memory before the flood, at its peak (each figure's own), and once settled. */
  before: Memory;
  peak: Memory;
  after: Memory;
  /** How long after the flood the memory took to come back within `settledBytes` (or gave up). */
  settleMs: number;
  /** Every delivery time from one member to the other during the flood, in ms. */
  deliveries: number[];
  /** Messages sent that never arrived. */
  lost: number;
  /** Notices the host printed during the flood. */
  notices: number;
}

/** Options of {@link floodRoom}. */
export interface FloodRoomOptions extends Omit<FloodOptions, "port"> {
  /** Arguments of the host (after its name and password). */
  hostArgs?: string[];
  /**
   * After the flood, wait up to this long for the memory to come back. Default: 30 s (V8 gives
   * back its grown heap some 15–25 s after a burst, when it sees the program idle).
   */
  settleMs?: number;
  /** Back means `RssAnon` within this many bytes of the start. Default: 20 MB. */
  settledBytes?: number;
  /** One message between the members every this many ms. Default: 100. */
  chatEveryMs?: number;
}

/**
 * A real host (`rt --json`) and two real members talking during a flood of garbage
 * connections run by a child process: measures the host's memory and every delivery time
 * between the members, from the moment the sender's line is typed until the recipient prints
 * the message (both seen on the test's clock).
 */
export async function floodRoom(e2e: E2e, options: FloodRoomOptions): Promise<FloodMeasurement> {
  const password = "correct horse battery staple";
  const { process: host, port } = await e2e.host({
    name: "hana",
    password,
    args: options.hostArgs ?? [],
  });
  const alice = await e2e.join(port, "alice", password);
  const bob = await e2e.join(port, "bob", password);
  await sleep(500);
  const memory = async () => {
    const m = await memoryOf(host.pid);
    if (m === null) throw new Error("cannot read the host's memory (Linux only)");
    return m;
  };
  const before = await memory();
  const peak = { ...before };
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const m = await memory();
      peak.rss = Math.max(peak.rss, m.rss);
      peak.anon = Math.max(peak.anon, m.anon);
      await sleep(100);
    }
  })();

  // The members talk at a steady pace, whatever the delivery times: a stall shows as several
  // late messages, not as fewer messages.
  const deliveries: number[] = [];
  const arrivals: Promise<void>[] = [];
  let lost = 0;
  let talking = true;
  const every = options.chatEveryMs ?? 100;
  const talk = (async () => {
    for (let i = 0; talking; i++) {
      const [from, to] = i % 2 === 0 ? [alice, bob] : [bob, alice];
      const text = `flood chat ${i} from ${from.label}`;
      const since = to.events.length;
      const sent = performance.now();
      arrivals.push(
        to.next("message", (e) => e.from === from.label && e.text === text, {
          since,
          timeoutMs: 20_000,
        }).then(() => {
          deliveries.push(performance.now() - sent);
        }, () => {
          lost++;
        }),
      );
      await from.type(text);
      await sleep(every);
    }
  })();

  const noticesBefore = host.all("notice").length;
  const child = spawnFlood({ ...options, port });
  let flood: FloodResult;
  try {
    flood = await child.result;
  } finally {
    await child.kill();
  }
  // A little more talk after the last connection, then stop.
  await sleep(500);
  talking = false;
  await talk;
  await Promise.all(arrivals);
  const notices = host.all("notice").length - noticesBefore;
  sampling = false;
  await sampler;

  const settledBytes = options.settledBytes ?? 20_000_000;
  const settleStart = performance.now();
  let after = await memory();
  while (
    after.anon - before.anon > settledBytes &&
    performance.now() - settleStart < (options.settleMs ?? 30_000)
  ) {
    await sleep(250);
    after = await memory();
  }
  const settleMs = performance.now() - settleStart;
  return { port, password, flood, before, peak, after, settleMs, deliveries, lost, notices };
}

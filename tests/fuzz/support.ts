/**
 * Shared pieces of the fuzz tests: run counts, byte mutations, chunking, and an in-memory
 * duplex byte stream that stands in for a socket.
 *
 * Run counts: every property has a CI-sized default; `RT_FUZZ_RUNS=n` runs each property `n`
 * times instead (see the `fuzz` task in deno.json).
 */
import fc from "fast-check";
import type { ByteStream } from "../../lib/transport/framed.ts";
import { RtError, type RtErrorCode } from "../../lib/errors.ts";

/** Environment variable that sets the number of runs per property. */
export const RUNS_ENV = "RT_FUZZ_RUNS";

/** Runs per property: `RT_FUZZ_RUNS` when set (and readable), otherwise `defaultRuns`. */
export function fuzzRuns(defaultRuns: number): number {
  let raw: string | undefined;
  try {
    raw = Deno.env.get(RUNS_ENV);
  } catch {
    // No permission to read it: the CI-sized default.
    raw = undefined;
  }
  if (raw === undefined || raw.trim() === "") return defaultRuns;
  const runs = Number(raw);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new RangeError(`${RUNS_ENV} must be a positive integer, not "${raw}"`);
  }
  return runs;
}

/** `fc.assert` parameters for a property with `defaultRuns` runs by default. */
export function fuzzParameters(defaultRuns: number): { numRuns: number } {
  return { numRuns: fuzzRuns(defaultRuns) };
}

/** Whether `error` is an `RtError` with one of `codes`. */
export function isRtError(error: unknown, ...codes: RtErrorCode[]): error is RtError {
  return error instanceof RtError && (codes.length === 0 || codes.includes(error.code));
}

/** Fails with the unexpected error itself, so fast-check reports it with the counterexample. */
export function expectRtError(error: unknown, ...codes: RtErrorCode[]): RtError {
  if (isRtError(error, ...codes)) return error;
  const got = error instanceof RtError ? `RtError(${error.code}): ${error.message}` : error;
  throw new Error(`expected RtError(${codes.join(" | ") || "any"}), got ${String(got)}`, {
    cause: error,
  });
}

// ---- bytes -----------------------------------------------------------------------------

/** Concatenates byte strings. */
export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** One change to a byte string; positions are taken modulo the length they apply to. */
export type Mutation =
  | { kind: "flip"; at: number; bit: number }
  | { kind: "set"; at: number; value: number }
  | { kind: "insert"; at: number; bytes: Uint8Array }
  | { kind: "delete"; at: number; count: number }
  | { kind: "truncate"; at: number }
  | { kind: "append"; bytes: Uint8Array };

/** Arbitrary byte mutations: bit flips, overwrites, insertions, deletions, truncation. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("flip"), at: fc.nat(), bit: fc.nat(7) }) },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("set"), at: fc.nat(), value: fc.nat(255) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant("insert"),
      at: fc.nat(),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("delete"),
      at: fc.nat(),
      count: fc.integer({ min: 1, max: 8 }),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("truncate"), at: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("append"),
      bytes: fc.uint8Array({ minLength: 1, maxLength: 8 }),
    }),
  },
) as fc.Arbitrary<Mutation>;

/** One to four mutations. */
export const mutationsArb: fc.Arbitrary<Mutation[]> = fc.array(mutationArb, {
  minLength: 1,
  maxLength: 4,
});

/** Applies `mutations` in order to a copy of `bytes`. */
export function mutate(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let out: Uint8Array = bytes.slice();
  for (const m of mutations) {
    switch (m.kind) {
      case "flip":
        if (out.length > 0) out[m.at % out.length]! ^= 1 << m.bit;
        break;
      case "set":
        if (out.length > 0) out[m.at % out.length] = m.value;
        break;
      case "insert": {
        const at = m.at % (out.length + 1);
        out = concatBytes([out.subarray(0, at), m.bytes, out.subarray(at)]);
        break;
      }
      case "delete": {
        const at = m.at % (out.length + 1);
        out = concatBytes([out.subarray(0, at), out.subarray(at + m.count)]);
        break;
      }
      case "truncate":
        out = out.slice(0, m.at % (out.length + 1));
        break;
      case "append":
        out = concatBytes([out, m.bytes]);
        break;
    }
  }
  return out;
}

/** Whether two byte strings are equal. */
export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Cut points for `split`: any naturals, taken modulo the length. */
export const cutsArb: fc.Arbitrary<number[]> = fc.array(fc.nat(), { maxLength: 12 });

/** Splits `bytes` at `cuts` (modulo its length, sorted); empty chunks are kept on purpose. */
export function split(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
  const points = cuts.map((c) => c % (bytes.length + 1)).sort((a, b) => a - b);
  const chunks: Uint8Array[] = [];
  let from = 0;
  for (const p of points) {
    chunks.push(bytes.slice(from, p));
    from = p;
  }
  chunks.push(bytes.slice(from));
  return chunks;
}

// ---- an in-memory duplex stream ----------------------------------------------------------

/** One direction of a duplex pair: queued chunks and at most one waiting reader. */
class Pipe {
  chunks: Uint8Array[] = [];
  closed = false;
  #waiter: (() => void) | null = null;

  wake(): void {
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.();
  }

  wait(): Promise<void> {
    return new Promise((resolve) => this.#waiter = resolve);
  }
}

/** One end of an in-memory duplex byte stream; behaves like a socket for `FramedConnection`. */
export class MemoryStream implements ByteStream {
  readonly #inbox: Pipe;
  readonly #outbox: Pipe;
  #closed = false;
  /** Every chunk written by this end, in order (for recording exchanges). */
  readonly written: Uint8Array[] = [];

  constructor(inbox: Pipe, outbox: Pipe) {
    this.#inbox = inbox;
    this.#outbox = outbox;
  }

  /** Whether this end was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    while (this.#inbox.chunks.length === 0) {
      if (this.#inbox.closed || this.#closed) return null;
      await this.#inbox.wait();
    }
    if (this.#closed) return null;
    const chunk = this.#inbox.chunks[0]!;
    const n = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, n));
    if (n === chunk.length) this.#inbox.chunks.shift();
    else this.#inbox.chunks[0] = chunk.subarray(n);
    return n;
  }

  write(data: Uint8Array): Promise<number> {
    if (this.#closed) return Promise.reject(new Deno.errors.BadResource("Stream is closed"));
    if (this.#outbox.closed) return Promise.reject(new Deno.errors.BrokenPipe("Peer closed"));
    const copy = data.slice();
    this.written.push(copy);
    // Empty writes carry nothing; a reader would take them for nothing but a spurious wake.
    if (copy.length > 0) this.#outbox.chunks.push(copy);
    this.#outbox.wake();
    return Promise.resolve(data.length);
  }

  /** Closes this end: our reads end, and the peer sees the end of the stream. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.closed = true;
    this.#outbox.wake();
    this.#inbox.closed = true;
    this.#inbox.wake();
  }

  /** Everything this end wrote, as one byte string. */
  writtenBytes(): Uint8Array {
    return concatBytes(this.written);
  }
}

/** Two connected ends of an in-memory duplex stream. */
export function memoryPair(): [MemoryStream, MemoryStream] {
  const aToB = new Pipe(), bToA = new Pipe();
  return [new MemoryStream(bToA, aToB), new MemoryStream(aToB, bToA)];
}

// ---- unhandled rejections ---------------------------------------------------------------

/**
 * Records unhandled promise rejections while `body` runs (instead of letting them end the
 * process), and fails when there was any. Call `check()` inside a property, after a macrotask
 * tick, to pin a rejection on the run that caused it.
 */
export async function withRejectionWatch(
  body: (check: () => Promise<void>) => Promise<void>,
): Promise<void> {
  const seen: unknown[] = [];
  const listener = (event: PromiseRejectionEvent) => {
    event.preventDefault();
    seen.push(event.reason);
  };
  globalThis.addEventListener("unhandledrejection", listener);
  const check = async () => {
    // Unhandled rejections are reported after the microtask queue drains.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (seen.length > 0) {
      const reasons = seen.splice(0).map(String).join("; ");
      throw new Error(`unhandled rejection: ${reasons}`);
    }
  };
  try {
    await body(check);
    await check();
  } finally {
    globalThis.removeEventListener("unhandledrejection", listener);
  }
}

/**
 * Settles `promise` against a deadline: `{ ok, value }`, `{ ok: false, error }`, or throws when
 * it neither resolves nor rejects within `ms` (a hang).
 */
export async function settleWithin<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const hang = Symbol("hang");
  try {
    const outcome = await Promise.race([
      promise.then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      ),
      new Promise<typeof hang>((resolve) => timer = setTimeout(() => resolve(hang), ms)),
    ]);
    if (outcome === hang) throw new Error(`${what} did not settle within ${ms} ms`);
    return outcome;
  } finally {
    clearTimeout(timer);
  }
}

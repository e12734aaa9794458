/**
 * When gathered output goes out: at the end of the event loop's present turn for something
 * quiet, and at most once per `BUSY_MS` for something busy, as Nagle's algorithm does for TCP.
 * A busy room's host then seals and writes one frame per member per few milliseconds rather
 * than one per line, and prints its lines in a few writes rather than one each; a quiet one's
 * message goes at once (the wait is for work already in hand, never for a timer). What may
 * wait, such as news of who joined, waits longer, for company.
 *
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * Something that sent within this many milliseconds, and the time before that within
 * `STREAM_MS` of it, is busy: what is gathered for it waits until this long after it last
 * sent. One answer to one question (a join's welcome) is not held: only a stream of sends is.
 * 10 rather than 5 (fixed steps on a 2-core VM, three each): at 100 members × 1,000 lines/s,
 * where the machine is the limit, the host's CPU per delivery went from 5.2–5.7 to 3.9–4.4 µs
 * and the p99 from 59–65 to 31–42 ms (p50 23–26 to 14–18); at 50 members, 6.5–7.7 to 6.0 µs,
 * the p50 7.4–8.0 to 11 ms and the p99 18–20 to 21–23 ms. 20 cost more latency still.
 */
export const BUSY_MS = 10;
/**
 * Two sends this close make a stream. Well above `BUSY_MS`: a loaded event loop runs the hold's
 * timer late, and a stream must not pass for quiet because of it (its next messages would go
 * one by one, costing more, making the loop later still).
 */
const STREAM_MS = 50;

/**
 * What may wait (news nobody is waiting on, such as who joined a room) waits at most this long
 * to be sent with what follows it. A thousand people joining one by one then cost each member
 * about ten writes a second, not one a join.
 */
const SOON_ENOUGH_MS = 100;

/** Output gathered somewhere, and the way to send it. */
export interface Flushable {
  /** Sends what is gathered; calls `flushed(this)` (also when there was nothing). */
  flush(): void;
  /** When it last sent (`performance.now()`), set by `flushed`. */
  flushedAt: number;
  /** When it sent the time before, set by `flushed`. */
  flushedBefore: number;
}

/** Whether `item` is busy at `now` (see `BUSY_MS`). */
export function busy(item: Flushable, now: number): boolean {
  return now - item.flushedAt < BUSY_MS && item.flushedAt - item.flushedBefore < STREAM_MS;
}

/** Gathered, to be flushed once the present turn's work is done. */
const gathering = new Set<Flushable>();
let turnEndScheduled = false;
/** Busy and gathered, to be flushed when its busy interval is over. */
const holding = new Set<Flushable>();
let holdTimer: ReturnType<typeof setTimeout> | undefined;
/** Gathered with nothing urgent, to be flushed within `SOON_ENOUGH_MS`. */
const waiting = new Set<Flushable>();
let waitTimer: ReturnType<typeof setTimeout> | undefined;
/** What waited is flushed this many at a time (see `flushWaiting`). */
const WAIT_SLICE = 64;

/** `item` has gathered its first output since it last sent: it is flushed soon. */
export function flushSoon(item: Flushable): void {
  gathering.add(item);
  if (turnEndScheduled) return;
  turnEndScheduled = true;
  setImmediate(endOfTurn);
}

/**
 * `item` has gathered output that may wait (see `SOON_ENOUGH_MS`), and nothing that may not:
 * it is flushed within that time, unless it is flushed sooner for something else.
 */
export function flushWithin(item: Flushable): void {
  waiting.add(item);
  waitTimer ??= setTimeout(endOfWait, SOON_ENOUGH_MS);
}

/** `item` sent what it had gathered (or dropped it): nothing is pending for it any more. */
export function flushed(item: Flushable): void {
  forget(item);
  item.flushedBefore = item.flushedAt;
  item.flushedAt = performance.now();
}

/** `item` is gone (closed): it is not flushed. */
export function forget(item: Flushable): void {
  gathering.delete(item);
  holding.delete(item);
  if (waiting.delete(item) && waiting.size === 0) {
    clearTimeout(waitTimer);
    waitTimer = undefined;
  }
}

function endOfTurn(): void {
  turnEndScheduled = false;
  const now = performance.now();
  for (const item of [...gathering]) {
    if (!busy(item, now)) item.flush();
    else {
      gathering.delete(item);
      holding.add(item);
    }
  }
  if (holding.size > 0 && holdTimer === undefined) holdTimer = setTimeout(endOfHold, BUSY_MS);
}

function endOfHold(): void {
  holdTimer = undefined;
  for (const item of [...holding]) item.flush();
}

function endOfWait(): void {
  waitTimer = undefined;
  flushWaiting();
}

/**
 * Flushes what waited, `WAIT_SLICE` at a time, letting the event loop run between: a host with
 * a thousand members does not stop answering for the length of a thousand writes.
 */
function flushWaiting(): void {
  let count = 0;
  for (const item of waiting) {
    if (count++ === WAIT_SLICE) {
      setImmediate(flushWaiting);
      return;
    }
    waiting.delete(item);
    item.flush();
  }
}

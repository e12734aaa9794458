/**
 * When gathered output goes out: at the end of the event loop's present turn for something
 * quiet, and at most once per `BUSY_MS` for something busy, as Nagle's algorithm does for TCP.
 * A busy room's host then seals and writes one frame per member per few milliseconds rather
 * than one per line, and prints its lines in a few writes rather than one each; a quiet one's
 * message goes at once (the wait is for work already in hand, never for a timer).
 *
 * @module
 */
import { setImmediate } from "node:timers";

/**
 * Something that sent within this many milliseconds, and the time before that within
 * `STREAM_MS` of it, is busy: what is gathered for it waits until this long after it last
 * sent. One answer to one question (a join's welcome) is not held: only a stream of sends is.
 */
export const BUSY_MS = 5;
/**
 * Two sends this close make a stream. Well above `BUSY_MS`: a loaded event loop runs the hold's
 * timer late, and a stream must not pass for quiet because of it (its next messages would go
 * one by one, costing more, making the loop later still).
 */
const STREAM_MS = 50;

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

/** `item` has gathered its first output since it last sent: it is flushed soon. */
export function flushSoon(item: Flushable): void {
  gathering.add(item);
  if (turnEndScheduled) return;
  turnEndScheduled = true;
  setImmediate(endOfTurn);
}

/** `item` sent what it had gathered (or dropped it): nothing is pending for it any more. */
export function flushed(item: Flushable): void {
  gathering.delete(item);
  holding.delete(item);
  item.flushedBefore = item.flushedAt;
  item.flushedAt = performance.now();
}

/** `item` is gone (closed): it is not flushed. */
export function forget(item: Flushable): void {
  gathering.delete(item);
  holding.delete(item);
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

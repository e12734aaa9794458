/**
 * How far transfers got: progress with a smoothed speed at each tick of the shell's timer,
 * and `/transfers`.
 *
 * @module
 */
import type { ChatEvent, TransferView } from "../events.ts";
import { isMoving, type Transfer, type TransfersState } from "./transfer_state.ts";
import type { Readings, Turn } from "./transfer_turn.ts";

/** A tick of the progress timer: every moving transfer reports; none left, the timer stops. */
export function tick(turn: Turn): void {
  let moving = 0;
  for (const transfer of [...turn.state.transfers.values()]) {
    if (!isMoving(transfer)) continue;
    moving++;
    const done = turn.done(transfer);
    const next = turn.update(transfer, {
      speed: speed(transfer, done, turn.now),
      lastDone: done,
      lastAt: turn.now,
    });
    turn.progress(next, done);
  }
  if (moving === 0) turn.state = { ...turn.state, ticking: false };
}

/** Bytes per second, smoothed over the reports so far. */
function speed(transfer: Transfer, done: number, now: number): number {
  const seconds = (now - transfer.lastAt) / 1000;
  if (seconds <= 0) return transfer.speed;
  const instant = (done - transfer.lastDone) / seconds;
  return transfer.speed === 0 ? instant : 0.7 * transfer.speed + 0.3 * instant;
}

/** `/transfers`: every transfer going on, and those that ended lately. */
export function transferList(state: TransfersState, readings: Readings): ChatEvent {
  const transfers: TransferView[] = [...state.transfers.values()].map((t) => ({
    id: t.id,
    direction: t.direction,
    peer: t.peer,
    name: t.name,
    files: t.files,
    total: t.total,
    done: t.state === "done" ? t.total : readings.done(t.id),
    state: t.state === "active" ? (t.direction === "send" ? "sending" : "receiving") : t.state,
  }));
  return { type: "transfers", transfers };
}

/**
 * The pure core of file transfers: `step(state, input, readings)` takes what one member knows
 * of its transfers and one thing that happened (a user command, a control message from another
 * member, the connection dropping or coming back, a report from the files or the link, a tick
 * of the progress timer) and returns the next state and what to do: messages to send, events
 * to show, files to start or stop. It does no I/O and keeps no clock: the shell (`transfers.ts`)
 * reads the world into `readings`, and carries out the effects.
 *
 * @module
 */
import { linkBack, linkDropped } from "./transfer_comeback.ts";
import {
  accept,
  cancel,
  close,
  left,
  offered,
  type OfferSent,
  reject,
} from "./transfer_commands.ts";
import { control, type ControlInput } from "./transfer_controls.ts";
import { tick } from "./transfer_progress.ts";
import { type Result, result } from "./transfer_results.ts";
import type { TransfersState } from "./transfer_state.ts";
import { type Outcome, type Readings, Turn } from "./transfer_turn.ts";

/** One thing that happened. */
export type Input =
  // ---- the user
  /**
   * An offer went out to `peer` (the shell prepared the files and sent it); `resumes`: it
   * carries on that transfer (see `offer-again`).
   */
  | ({ kind: "offered" } & OfferSent)
  | { kind: "accept"; id?: number }
  | { kind: "reject"; id?: number }
  | { kind: "cancel"; id: number }
  // ---- the room
  /** A control message from another member. */
  | ({ kind: "control" } & ControlInput)
  /** A member left. */
  | { kind: "left"; name: string }
  /** This member leaves. */
  | { kind: "close" }
  /** This member's connection to the host dropped; rt is coming back. */
  | { kind: "link-dropped" }
  /** Back in the room, in the same seat. */
  | { kind: "link-back" }
  // ---- the shell
  | Result
  /** Progress is due. */
  | { kind: "tick" };

/** The next state, and what to do. */
export function step(state: TransfersState, input: Input, readings: Readings): Outcome {
  const turn = new Turn(state, readings);
  switch (input.kind) {
    case "offered":
      offered(turn, input);
      break;
    case "accept":
      accept(turn, input.id);
      break;
    case "reject":
      reject(turn, input.id);
      break;
    case "cancel":
      cancel(turn, input.id);
      break;
    case "control":
      control(turn, input);
      break;
    case "left":
      left(turn, input.name);
      break;
    case "close":
      close(turn);
      break;
    case "link-dropped":
      linkDropped(turn);
      break;
    case "link-back":
      linkBack(turn);
      break;
    case "tick":
      tick(turn);
      break;
    default:
      result(turn, input);
  }
  return turn.outcome();
}

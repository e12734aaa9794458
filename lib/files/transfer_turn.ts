/**
 * One turn of the pure core: the state it starts from, what the shell read of the world for it
 * (the clock, the bytes each transfer moved), and what it decides: the next state and the
 * effects, in order. The ways a transfer ends are here, as every input may end one.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import {
  type Ending,
  evicted,
  isOpen,
  type Transfer,
  type TransfersState,
  updated,
} from "./transfer_state.ts";
import { MAX_REASON_CHARS, type TransferMessage } from "./wire.ts";
import { willResume } from "./words.ts";

/** What the shell reads of the world for one turn. */
export interface Readings {
  /** The clock, in ms. */
  now: number;
  /** Bytes a transfer has moved so far (what its files on disk and its link say). */
  done(id: number): number;
}

/** What the shell is to do, in order. */
export type Effect =
  /** Show an event to the user. */
  | { type: "show"; event: ChatEvent }
  /** Seal a control message to a member and send it. */
  | { type: "control"; to: string; message: TransferMessage }
  /** A new offer came: look for parts held from before, then report `held`. */
  | {
    type: "open-offer";
    id: number;
    peer: string;
    sender: Uint8Array;
    offer: Extract<TransferMessage, { kind: "offer" }>;
  }
  /**
   * Accepted: prepare the files, then report `receiving` (or `cannot-save`). `after`: the
   * transfer of the same files this one carries on (where they go, and those saved already).
   */
  | { type: "receive"; id: number; after?: number }
  /** An empty frame, telling the host this member wants the transfer's chunks. */
  | { type: "open-stream"; to: string; wire: Uint8Array }
  /**
   * Start sending the content, each file from `from`, at most `window` bytes ahead of the
   * acknowledgements; then report `content-started`.
   */
  | { type: "send-content"; id: number; from: number[]; window: number }
  /** Stop moving content; `keep`: leave what was received to resume from. `wait`: await it. */
  | { type: "stop"; id: number; keep: boolean; wait?: boolean }
  /** The transfer is forgotten: let go of its files and counters. */
  | { type: "forget"; id: number }
  /**
   * Offer the files of transfer `id` (sent to `peer` as `wire`, called `name`) to `peer` again,
   * resuming it: then report `offered` with `resumes`.
   */
  | { type: "offer-again"; id: number; peer: string; wire: Uint8Array; name: string };

/** The outcome of a turn. */
export interface Outcome {
  state: TransfersState;
  effects: Effect[];
}

/** A turn being decided. */
export class Turn {
  state: TransfersState;
  readonly effects: Effect[] = [];

  constructor(state: TransfersState, readonly readings: Readings) {
    this.state = state;
  }

  get now(): number {
    return this.readings.now;
  }

  /** The transfer as it is now in this turn. */
  current(transfer: Transfer): Transfer {
    return this.state.transfers.get(transfer.id) ?? transfer;
  }

  update(transfer: Transfer, change: Parameters<typeof updated>[2]): Transfer {
    this.state = updated(this.state, transfer, change);
    return this.state.transfers.get(transfer.id)!;
  }

  show(event: ChatEvent): void {
    this.effects.push({ type: "show", event });
  }

  error(code: string, message: string): void {
    this.show({ type: "error", code, message });
  }

  control(to: string, message: TransferMessage): void {
    // A reason made from a local error message can be long; the wire takes 200 characters, and
    // the other side would drop the whole message over that.
    if ("reason" in message && message.reason && message.reason.length > MAX_REASON_CHARS) {
      message = { ...message, reason: `${message.reason.slice(0, MAX_REASON_CHARS - 1)}…` };
    }
    this.effects.push({ type: "control", to, message });
  }

  /** Bytes a transfer has now. */
  done(transfer: Transfer): number {
    return transfer.state === "done" ? transfer.total : this.readings.done(transfer.id);
  }

  /** Reports a transfer's progress. */
  progress(transfer: Transfer, done = this.done(transfer)): void {
    const { id, direction, peer, name, total } = transfer;
    const bytesPerSecond = Math.round(transfer.speed);
    this.show({ type: "file-progress", id, direction, peer, name, done, total, bytesPerSecond });
  }

  /**
   * Ends a transfer that did not finish (nothing, if it had ended). `resuming`: a connection
   * dropped, and it carries on by itself (`text` says so): parts are kept, either way.
   */
  end(
    transfer: Transfer,
    reason: Ending,
    by: "you" | "peer" | null,
    text: string,
    resuming = false,
  ): void {
    const before = this.current(transfer);
    if (!isOpen(before)) return;
    const ended = this.update(before, { state: reason });
    // Parts are kept to resume from unless someone called the transfer off, or it was corrupt:
    // also those of an earlier transfer when this offer of the same files is interrupted
    // unanswered. Parts no one resumes are deleted after a week.
    const keep = resuming || reason === "interrupted" || reason === "failed";
    const resumable = resuming ||
      (ended.direction === "receive" && before.state !== "offered" && keep);
    this.effects.push({ type: "stop", id: ended.id, keep });
    this.#evict();
    // The last word on its progress, so bars come down.
    this.progress(ended);
    const { id, direction, peer, name } = ended;
    this.show({
      type: "file-stopped",
      ...{ id, direction, peer, name, reason, by },
      text: resumable && !resuming ? willResume(text) : text,
      resumable,
    });
  }

  /** A transfer finished: every file arrived and matched its hash. */
  finished(transfer: Transfer, folder?: string): void {
    const done = this.update(this.current(transfer), { state: "done" });
    this.#evict();
    this.progress(done);
    const { id, direction, peer, name, files, total } = done;
    this.show({
      type: "file-done",
      ...{ id, direction, peer, name, files, total },
      seconds: Math.round((this.now - done.started) / 100) / 10,
      ...(folder !== undefined ? { folder } : {}),
    });
  }

  #evict(): void {
    const { state, forgotten } = evicted(this.state);
    this.state = state;
    for (const id of forgotten) this.effects.push({ type: "forget", id });
  }

  outcome(): Outcome {
    return { state: this.state, effects: this.effects };
  }
}

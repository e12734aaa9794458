/**
 * Driving the pure core of transfers (`transfer_step.ts`) by hand: a clock and byte counters
 * the test sets, and the effects of each step.
 */
import type { ChatEvent, KeyStatus } from "../../lib/events.ts";
import { initialState, type TransfersState } from "../../lib/files/transfer_state.ts";
import { type Input, step } from "../../lib/files/transfer_step.ts";
import type { Effect } from "../../lib/files/transfer_turn.ts";
import type { OfferedFileInfo, TransferMessage } from "../../lib/files/wire.ts";

export type Offer = Extract<TransferMessage, { kind: "offer" }>;

/** A transfer id on the wire, all bytes `n`. */
export const wire = (n: number) => new Uint8Array(16).fill(n);

/** A member's key, all bytes `n`. */
export const key = (n: number) => new Uint8Array(32).fill(n);

/** One file of an offer. */
export function file(path: string, size: number): OfferedFileInfo {
  return { path, size, type: "application/octet-stream", hash: key(size % 256) };
}

/** An offer with id `wire(n)`. */
export function offer(n: number, files = [file("cat.jpg", 1000)]): Offer {
  return { kind: "offer", id: wire(n), key: key(9), files };
}

/** The core and the world it is told about. */
export class Core {
  state: TransfersState;
  /** The clock, in ms. */
  now = 10_000;
  /** Bytes each transfer has moved, as the files and the link would say. */
  readonly done = new Map<number, number>();

  constructor(autoAcceptFrom: string[] = []) {
    this.state = initialState(autoAcceptFrom);
  }

  /** One step; the effects. */
  step(input: Input): Effect[] {
    const readings = { now: this.now, done: (id: number) => this.done.get(id) ?? 0 };
    const outcome = step(this.state, input, readings);
    this.state = outcome.state;
    return outcome.effects;
  }

  /** A control message from `from`. */
  control(from: string, message: TransferMessage | null, status: KeyStatus = "known"): Effect[] {
    return this.step({ kind: "control", from, key: key(from.length), status, message });
  }

  /** An offer from `from` arrives, and the shell finds `held` bytes of it; its id. */
  offered(from: string, message: Offer, held = 0, status: KeyStatus = "known"): number {
    const id = this.state.nextId;
    this.control(from, message, status);
    this.step({ kind: "held", id, held });
    return id;
  }

  /** Where transfer `id` is. */
  phase(id: number): string | undefined {
    return this.state.transfers.get(id)?.state;
  }
}

/** The events among `effects`. */
export function shown(effects: Effect[]): ChatEvent[] {
  return effects.flatMap((e) => e.type === "show" ? [e.event] : []);
}

/** The kinds of effects, with the type of each event shown. */
export function kinds(effects: Effect[]): string[] {
  return effects.map((e) => {
    if (e.type === "show") return `show ${e.event.type}`;
    if (e.type === "control") return `control ${e.message.kind} to ${e.to}`;
    if (e.type === "stop") return `stop${e.keep ? " keep" : ""}${e.wait ? " wait" : ""}`;
    return e.type;
  });
}

/** The event of `type` among `effects`. */
export function event<T extends ChatEvent["type"]>(
  effects: Effect[],
  type: T,
): Extract<ChatEvent, { type: T }> {
  const found = shown(effects).find((e) => e.type === type);
  if (!found) throw new Error(`no ${type} among ${JSON.stringify(kinds(effects))}`);
  return found as Extract<ChatEvent, { type: T }>;
}

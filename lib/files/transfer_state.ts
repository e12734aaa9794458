/**
 * What one member knows of its file transfers, as plain data: the registry the pure core
 * (`transfer_step.ts`) reads and returns anew, never changing the one it was given.
 *
 * @module
 */
import type { ChatEvent, KeyStatus } from "../events.ts";
import { nameKey } from "../room/mod.ts";
import { toHex } from "../util/mod.ts";
import type { OfferedFileInfo } from "./wire.ts";

/** How a transfer that did not finish ended. */
export type Ending = Extract<ChatEvent, { type: "file-stopped" }>["reason"];

/** Where a transfer is: offered, moving, waiting for the recipient's verdict, or ended. */
export type Phase = "offered" | "active" | "verifying" | "done" | Ending;

/** One transfer, either way. */
export interface Transfer {
  /** Its number for the user (`/accept ID`), given in order from 1. */
  readonly id: number;
  readonly direction: "send" | "receive";
  /** Its id on the wire, chosen by the sender. */
  readonly wire: Uint8Array;
  /** The other member. */
  readonly peer: string;
  /** What the offer is called. */
  readonly name: string;
  readonly files: number;
  readonly total: number;
  readonly state: Phase;
  /** When it started moving (or was offered), on the shell's clock, in ms. */
  readonly started: number;
  /** For speed: bytes done and the time at the last progress report, and the speed then. */
  readonly lastDone: number;
  readonly lastAt: number;
  readonly speed: number;
  /** Received offers: the files offered, and what was known of the sender's key then. */
  readonly offered?: readonly OfferedFileInfo[];
  readonly senderStatus?: KeyStatus;
  /** Received offers: the sender's key (a resumption must come from the same key). */
  readonly senderKey?: Uint8Array;
  /**
   * What becomes of it when this member's connection to the host comes back (see
   * `transfer_comeback.ts`): `resume`: it was moving when the connection dropped, and carries on
   * once back; `resumed`: back, and asked to carry on (an offer resuming it is accepted at once,
   * once); `cancel`: cancelled while away, and the other member is told once back.
   */
  readonly comeback?: "resume" | "resumed" | "cancel";
  /** The transfer (its id) this one carries on, after a connection dropped. */
  readonly resumes?: number;
}

/** Every transfer of one member. */
export interface TransfersState {
  /** By id, oldest first. */
  readonly transfers: ReadonlyMap<number, Transfer>;
  /** Ids by the other member's name and the id on the wire (see `wireKey`). */
  readonly byWire: ReadonlyMap<string, number>;
  /** The id the next transfer gets. */
  readonly nextId: number;
  /** Whether progress is being reported (the shell runs its timer while this holds). */
  readonly ticking: boolean;
  /** Keys (`nameKey`) of the names whose offers are accepted at once, when verified. */
  readonly autoAccept: ReadonlySet<string>;
  /** Whether this member's connection to the host is down (rt is coming back). */
  readonly away: boolean;
}

/** Offers from one member waiting for an answer, at most. */
export const MAX_WAITING_OFFERS_PER_SENDER = 20;
/** Transfers that ended, kept for `/transfers`, at most. */
export const MAX_ENDED = 200;

/** No transfers yet. */
export function initialState(autoAcceptFrom: string[] = []): TransfersState {
  return {
    transfers: new Map(),
    byWire: new Map(),
    nextId: 1,
    ticking: false,
    autoAccept: new Set(autoAcceptFrom.map(nameKey)),
    away: false,
  };
}

/** Whether a transfer has not ended: offered, or moving. */
export function isOpen(transfer: Transfer): boolean {
  return transfer.state === "offered" || isMoving(transfer);
}

/** Whether a transfer's content is moving (or the sender waits for the verdict). */
export function isMoving(transfer: Transfer): boolean {
  return transfer.state === "active" || transfer.state === "verifying";
}

function wireKey(peer: string, wire: Uint8Array): string {
  return `${peer}\u0000${toHex(wire)}`;
}

/** The transfer with `peer` that has this id on the wire. */
export function findByWire(
  state: TransfersState,
  peer: string,
  wire: Uint8Array,
): Transfer | undefined {
  const id = state.byWire.get(wireKey(peer, wire));
  return id === undefined ? undefined : state.transfers.get(id);
}

/** A new transfer, offered, with the next id. */
export function added(
  state: TransfersState,
  transfer: Omit<Transfer, "id" | "state" | "started" | "lastDone" | "lastAt" | "speed">,
  now: number,
): TransfersState {
  const id = state.nextId;
  const fresh: Transfer = {
    ...transfer,
    id,
    state: "offered",
    started: now,
    lastDone: 0,
    lastAt: now,
    speed: 0,
  };
  return {
    ...state,
    nextId: id + 1,
    transfers: new Map(state.transfers).set(id, fresh),
    byWire: new Map(state.byWire).set(wireKey(fresh.peer, fresh.wire), id),
  };
}

/** `transfer` with `change` made. */
export function updated(
  state: TransfersState,
  transfer: Transfer,
  change: Partial<Omit<Transfer, "id" | "direction" | "wire" | "peer">>,
): TransfersState {
  const next = new Map(state.transfers).set(transfer.id, { ...transfer, ...change });
  return { ...state, transfers: next };
}

/**
 * Forgets the oldest ended transfers beyond `MAX_ENDED`; says which. Not those that wait for
 * the connection to come back (to carry on, or to say they were cancelled).
 */
export function evicted(state: TransfersState): { state: TransfersState; forgotten: number[] } {
  const ended = [...state.transfers.values()].filter((t) =>
    !isOpen(t) && t.comeback !== "resume" && t.comeback !== "cancel"
  );
  const old = ended.slice(0, Math.max(0, ended.length - MAX_ENDED));
  if (old.length === 0) return { state, forgotten: [] };
  const transfers = new Map(state.transfers);
  const byWire = new Map(state.byWire);
  for (const transfer of old) {
    transfers.delete(transfer.id);
    byWire.delete(wireKey(transfer.peer, transfer.wire));
  }
  return { state: { ...state, transfers, byWire }, forgotten: old.map((t) => t.id) };
}

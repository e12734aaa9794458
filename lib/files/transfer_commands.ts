/**
 * The pure core's answer to what the user does: an offer sent, `/accept`, `/reject`,
 * `/cancel`; and to people leaving, this member included.
 *
 * @module
 */
import type { ChatEvent, KeyStatus } from "../events.ts";
import { cancelWhileAway, forgetComebacks } from "./transfer_comeback.ts";
import { added, isMoving, isOpen, type Transfer } from "./transfer_state.ts";
import type { Turn } from "./transfer_turn.ts";
import {
  cancelledReason,
  keyChanged,
  noOfferWaiting,
  noSuchOffer,
  noSuchTransfer,
  notWhileAway,
  peerLeft,
  resumedNote,
  severalOffers,
  youCancelled,
  youRejected,
} from "./words.ts";

/** Why nothing may be offered to `peer` (their key changed: the files would be sealed to a key that may not be theirs), or `null`. */
export function offerRefusal(peer: string, status: KeyStatus | undefined): ChatEvent | null {
  if (status !== "key-changed") return null;
  return { type: "warning", code: "key-changed", name: peer, text: keyChanged(peer) };
}

/** An offer the shell sent. `resumes`: the transfer it carries on, stopped by a drop. */
export interface OfferSent {
  peer: string;
  wire: Uint8Array;
  name: string;
  files: number;
  total: number;
  resumes?: number;
}

/** The shell sent an offer to `peer`: it waits for their answer. */
export function offered(turn: Turn, offer: OfferSent): void {
  const id = turn.state.nextId;
  const { peer, wire, name, files, total, resumes } = offer;
  const again = resumes === undefined ? {} : { resumes };
  turn.state = added(
    turn.state,
    { direction: "send", peer, wire, name, files, total, ...again },
    turn.now,
  );
  const note = resumes === undefined ? {} : { resumes, note: resumedNote(resumes) };
  turn.show({ type: "file-offered", id, to: peer, name, files, total, ...note });
}

/** `/accept [ID]`. */
export function accept(turn: Turn, id: number | undefined): void {
  // The answer could not reach the sender.
  if (turn.state.away) return turn.error("away", notWhileAway("accept"));
  const transfer = waiting(turn, id, "accept");
  if (transfer) startReceiving(turn, transfer);
}

/**
 * An offer is accepted: the shell prepares its files (then reports `receiving`), carrying on
 * from the transfer it resumes, if any.
 */
export function startReceiving(turn: Turn, transfer: Transfer): void {
  turn.update(transfer, { state: "active", started: turn.now, lastAt: turn.now });
  const after = transfer.resumes === undefined ? {} : { after: transfer.resumes };
  turn.effects.push({ type: "receive", id: transfer.id, ...after });
}

/** `/reject [ID]`. */
export function reject(turn: Turn, id: number | undefined): void {
  if (turn.state.away) return turn.error("away", notWhileAway("reject"));
  const transfer = waiting(turn, id, "reject");
  if (!transfer) return;
  turn.control(transfer.peer, { kind: "reject", id: transfer.wire });
  turn.end(transfer, "rejected", "you", youRejected(transfer.name, transfer.peer));
}

/** `/cancel ID`: stops a transfer either way; what was received is deleted. */
export function cancel(turn: Turn, id: number): void {
  const transfer = turn.state.transfers.get(id);
  if (transfer && turn.state.away && (isOpen(transfer) || transfer.comeback === "resume")) {
    return cancelWhileAway(turn, transfer);
  }
  if (!transfer || !isOpen(transfer)) {
    return turn.error("no-such-transfer", noSuchTransfer(id));
  }
  turn.control(transfer.peer, { kind: "cancel", id: transfer.wire, reason: cancelledReason });
  turn.end(transfer, "cancelled", "you", youCancelled(transfer.name));
}

/** A member left: their transfers stop, and can resume when offered again. */
export function left(turn: Turn, name: string): void {
  for (const transfer of [...turn.state.transfers.values()]) {
    if (transfer.peer === name && isOpen(transfer)) {
      turn.end(transfer, "interrupted", null, peerLeft(name, transfer.name));
    }
  }
  forgetComebacks(turn, name);
}

/** This member leaves: everything stops, quietly; parts received are kept to resume. */
export function close(turn: Turn): void {
  turn.state = { ...turn.state, ticking: false };
  for (const transfer of [...turn.state.transfers.values()]) {
    if (!isMoving(transfer)) continue;
    turn.update(transfer, { state: "interrupted" });
    turn.effects.push({ type: "stop", id: transfer.id, keep: true, wait: true });
  }
}

/** The offer waiting for this member's answer (the only one, when no id is given). */
function waiting(turn: Turn, id: number | undefined, verb: string): Transfer | null {
  const waiting = [...turn.state.transfers.values()].filter((t) =>
    t.direction === "receive" && t.state === "offered"
  );
  if (id === undefined) {
    if (waiting.length === 1) return waiting[0]!;
    turn.error("no-such-transfer", waiting.length === 0 ? noOfferWaiting : severalOffers(verb));
    return null;
  }
  const transfer = waiting.find((t) => t.id === id);
  if (!transfer) turn.error("no-such-transfer", noSuchOffer(id));
  return transfer ?? null;
}

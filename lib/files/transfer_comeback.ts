/**
 * The pure core's answer to a connection to the host that drops and comes back (the host keeps
 * the member's seat meanwhile): transfers under way stop, their parts kept, and carry on by
 * themselves once back, from where they stopped.
 *
 * Nothing can be said while away, so it all happens on coming back. The member that was
 * sending offers the same files again under a new id, naming the one it resumes (`resumes`);
 * the member that was receiving asks its sender to (a resumable `cancel` with `again`). The
 * other member's connection never dropped: it still has the old transfer under way, and ends
 * it when it hears either. A recipient accepts an offer resuming a transfer at once only when it
 * had accepted that one, from the same key, and the files are the same: anything else is an
 * ordinary offer, asked about as usual.
 *
 * @module
 */
import { equalBytes } from "../util/mod.ts";
import type { ControlInput } from "./transfer_controls.ts";
import { findByWire, isMoving, isOpen, type Transfer } from "./transfer_state.ts";
import type { Turn } from "./transfer_turn.ts";
import type { OfferedFileInfo, TransferMessage } from "./wire.ts";
import {
  cancelledReason,
  droppedHere,
  droppedReason,
  droppedThere,
  leftWhileAway,
  offeredAgain,
  youCancelled,
} from "./words.ts";

type Offer = Extract<TransferMessage, { kind: "offer" }>;

/**
 * This member's connection dropped: what was moving stops, to carry on once back. So do its
 * offers not answered yet: an answer sent meanwhile was lost on the way (the host tells the
 * other member, not this one's rt), and the offer made again is accepted at once if it was.
 */
export function linkDropped(turn: Turn): void {
  turn.state = { ...turn.state, away: true };
  for (const transfer of [...turn.state.transfers.values()]) {
    const unanswered = transfer.direction === "send" && transfer.state === "offered";
    if (!isMoving(transfer) && !unanswered) continue;
    const { name, direction, peer } = transfer;
    turn.end(transfer, "interrupted", null, droppedHere(name, direction, peer), true);
    turn.update(turn.current(transfer), { comeback: "resume" });
  }
}

/** Back: each transfer that stopped carries on; the others are told of those cancelled. */
export function linkBack(turn: Turn): void {
  turn.state = { ...turn.state, away: false };
  for (const transfer of [...turn.state.transfers.values()]) {
    const { comeback, peer, wire } = transfer;
    if (comeback === "cancel") {
      turn.update(transfer, { comeback: undefined });
      turn.control(peer, { kind: "cancel", id: wire, reason: cancelledReason });
    } else if (comeback === "resume") {
      turn.update(transfer, { comeback: "resumed" });
      if (transfer.direction === "send") offerAgain(turn, transfer);
      else {
        turn.control(peer, {
          kind: "cancel",
          id: wire,
          reason: droppedReason,
          resumable: true,
          again: true,
        });
      }
    }
  }
}

/**
 * `/cancel` while away: the transfer ends here at once (what was received is deleted), and the
 * other member is told once back. One that stopped to carry on does not.
 */
export function cancelWhileAway(turn: Turn, transfer: Transfer): void {
  const text = youCancelled(transfer.name);
  if (isOpen(transfer)) turn.end(transfer, "cancelled", "you", text);
  else {
    const { id, direction, peer, name } = turn.update(transfer, { state: "cancelled" });
    turn.effects.push({ type: "stop", id, keep: false });
    turn.show({
      type: "file-stopped",
      ...{ id, direction, peer, name, reason: "cancelled", by: "you", text },
      resumable: false,
    });
  }
  turn.update(turn.current(transfer), { comeback: "cancel" });
}

/** `peer` left while this member was away: nothing of theirs carries on, nobody is told. */
export function forgetComebacks(turn: Turn, peer: string): void {
  for (const transfer of [...turn.state.transfers.values()]) {
    if (transfer.peer !== peer || transfer.comeback === undefined) continue;
    if (transfer.comeback === "resume") {
      turn.show({ type: "notice", text: leftWhileAway(peer, transfer.name) });
    }
    turn.update(transfer, { comeback: undefined });
  }
}

/** The member receiving `transfer` lost its connection and is back: the files go again. */
export function askedAgain(turn: Turn, transfer: Transfer): void {
  if (transfer.direction !== "send") return;
  const text = droppedThere(transfer.peer, transfer.name);
  if (isOpen(transfer)) {
    turn.end(transfer, "interrupted", "peer", text, true);
    return offerAgain(turn, transfer);
  }
  // Both connections dropped: what this member offered again on coming back reached nobody
  // (the recipient was still away, the host said so). It goes again, until one is accepted.
  if (transfer.comeback !== "resumed") return;
  for (const later of [...turn.state.transfers.values()]) {
    if (later.resumes === transfer.id && later.state === "offered") {
      turn.end(later, "interrupted", "peer", text, true);
    }
  }
  offerAgain(turn, transfer);
}

/** An offer made again was accepted: the transfer it carries on is not offered again. */
export function carriedOnAccepted(turn: Turn, transfer: Transfer): void {
  const earlier = transfer.resumes === undefined
    ? undefined
    : turn.state.transfers.get(transfer.resumes);
  if (earlier?.comeback !== undefined) turn.update(earlier, { comeback: undefined });
}

/**
 * An offer that names a transfer it resumes: that one, if still open here, ends (its parts kept
 * for this one). It is returned when this offer is to be accepted at once: this member had
 * accepted it (it was moving, or is done, or stopped here too to carry on), from the same key,
 * and the files are the same. Otherwise `undefined`: an ordinary offer.
 */
export function resumedBy(turn: Turn, input: ControlInput, offer: Offer): Transfer | undefined {
  const earlier = offer.resumes ? findByWire(turn.state, input.from, offer.resumes) : undefined;
  if (!earlier || earlier.direction !== "receive") return undefined;
  const accepted = isMoving(earlier) || earlier.state === "done" ||
    earlier.comeback === "resumed";
  const same = earlier.senderKey !== undefined && equalBytes(earlier.senderKey, input.key) &&
    sameFiles(earlier.offered ?? [], offer.files);
  const carriesOn = accepted && same;
  const { peer, name } = earlier;
  const text = carriesOn ? droppedThere(peer, name) : offeredAgain(peer, name);
  turn.end(earlier, "interrupted", "peer", text, carriesOn);
  if (!carriesOn) return undefined;
  // Carried on once: the same transfer named again is an ordinary offer.
  return turn.update(turn.current(earlier), { comeback: undefined });
}

function offerAgain(turn: Turn, transfer: Transfer): void {
  const { id, peer, wire, name } = transfer;
  turn.effects.push({ type: "offer-again", id, peer, wire, name });
}

function sameFiles(a: readonly OfferedFileInfo[], b: readonly OfferedFileInfo[]): boolean {
  return a.length === b.length && a.every((file, i) => {
    const other = b[i]!;
    return file.path === other.path && file.size === other.size && file.type === other.type &&
      sameBytes(file.hash, other.hash) && sameBytes(file.tag, other.tag);
  });
}

/** Both absent, or both there and equal. */
function sameBytes(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : equalBytes(a, b);
}

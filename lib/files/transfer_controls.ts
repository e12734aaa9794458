/**
 * The pure core's answer to the other member's control messages: offer, accept, reject,
 * cancel, done. They may be hostile or out of order: a message counts only for a transfer
 * with the member who sent it, and only in the state where it makes sense.
 *
 * @module
 */
import type { KeyStatus } from "../events.ts";
import {
  added,
  findByWire,
  isMoving,
  MAX_WAITING_OFFERS_PER_SENDER,
  type Transfer,
} from "./transfer_state.ts";
import { askedAgain, carriedOnAccepted, resumedBy } from "./transfer_comeback.ts";
import type { Turn } from "./transfer_turn.ts";
import { allowedWindow, type TransferMessage } from "./wire.ts";
import {
  arrivedCorrupt,
  notUnderstood,
  offerName,
  peerCancelled,
  peerRejected,
  peerRtStopped,
  tooManyOffers,
} from "./words.ts";

/** A control message from a member, opened (its signature checked) by the shell. */
export interface ControlInput {
  from: string;
  /** The sender's key, and what this member knows of it. */
  key: Uint8Array;
  status: KeyStatus;
  /** The message, or `null` when it was not one rt understands. */
  message: TransferMessage | null;
}

type Offer = Extract<TransferMessage, { kind: "offer" }>;

/** Takes a control message from the other member. */
export function control(turn: Turn, input: ControlInput): void {
  const { from, message } = input;
  if (!message) {
    const text = notUnderstood(from);
    return turn.show({ type: "warning", code: "bad-file-message", name: from, text });
  }
  if (message.kind === "offer") return offer(turn, input, message);
  const transfer = findByWire(turn.state, from, message.id);
  if (!transfer) return;
  switch (message.kind) {
    case "accept":
      if (transfer.direction === "send" && transfer.state === "offered") {
        startSending(turn, transfer, message.from, allowedWindow(message.window));
      }
      return;
    case "reject":
      if (transfer.direction === "send" && transfer.state === "offered") {
        turn.end(transfer, "rejected", "peer", peerRejected(transfer.name, transfer.peer));
      }
      return;
    case "cancel":
      // The recipient's connection dropped and is back: it asks for the files again.
      if (message.again && transfer.direction === "send") return askedAgain(turn, transfer);
      if (message.resumable) {
        const text = peerRtStopped(transfer.name, transfer.peer, message.reason);
        return turn.end(transfer, "failed", "peer", text);
      }
      return turn.end(transfer, "cancelled", "peer", peerCancelled(transfer.name, transfer.peer));
    case "done":
      // Also while still "active": the last chunk's send may not have returned yet.
      if (transfer.direction !== "send" || !isMoving(transfer)) return;
      if (message.ok) {
        turn.effects.push({ type: "stop", id: transfer.id, keep: false });
        return turn.finished(transfer);
      }
      return turn.end(
        transfer,
        "corrupt",
        "peer",
        arrivedCorrupt(transfer.name, transfer.peer, message.reason),
      );
  }
}

/**
 * A new offer: registered, and the shell looks for parts held from before (`held`). One that
 * resumes a transfer this member had accepted is accepted then (see `transfer_comeback.ts`).
 */
function offer(turn: Turn, input: ControlInput, offer: Offer): void {
  const { from } = input;
  if (findByWire(turn.state, from, offer.id)) return;
  const waiting =
    [...turn.state.transfers.values()].filter((t) =>
      t.direction === "receive" && t.state === "offered" && t.peer === from
    ).length;
  if (waiting >= MAX_WAITING_OFFERS_PER_SENDER) {
    turn.control(from, { kind: "reject", id: offer.id });
    const text = tooManyOffers(from, waiting);
    return turn.show({ type: "notice", code: "offer-turned-down", text });
  }
  const earlier = resumedBy(turn, input, offer);
  const id = turn.state.nextId;
  turn.state = added(turn.state, {
    direction: "receive",
    wire: offer.id,
    peer: from,
    name: offerName(offer.files.map((f) => f.path)),
    files: offer.files.length,
    total: offer.files.reduce((sum, f) => sum + f.size, 0),
    offered: offer.files,
    senderStatus: input.status,
    senderKey: input.key,
    ...(earlier ? { resumes: earlier.id } : {}),
  }, turn.now);
  turn.effects.push({ type: "open-offer", id, peer: from, sender: input.key, offer });
}

/**
 * The recipient accepted: the content goes, each file from where they asked, at most `window`
 * bytes ahead of their acknowledgements.
 */
function startSending(turn: Turn, transfer: Transfer, from: number[], window: number): void {
  turn.update(transfer, { state: "active", started: turn.now, lastAt: turn.now });
  carriedOnAccepted(turn, transfer);
  turn.state = { ...turn.state, ticking: true };
  turn.effects.push({ type: "send-content", id: transfer.id, from, window });
}

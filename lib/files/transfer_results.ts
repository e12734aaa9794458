/**
 * The pure core's answer to what the shell reports of the files and the link: parts found for
 * an offer, the files ready to receive, a file saved, everything received or sent, a failure.
 *
 * @module
 */
import type { FileView } from "../events.ts";
import { nameKey } from "../room/mod.ts";
import { toHex } from "../util/mod.ts";
import { startReceiving } from "./transfer_commands.ts";
import type { Turn } from "./transfer_turn.ts";
import type { OfferedFileInfo } from "./wire.ts";
import {
  badAck,
  badAckReason,
  cannotSave,
  cannotSaveReason,
  couldNotSend,
  notVerified,
  receiveFailed,
  resumedNote,
} from "./words.ts";

/** What the shell reports, about transfer `id`. */
export type Result =
  & { id: number }
  & (
    /** Parts of the offer's files held from before, in bytes. */
    | { kind: "held"; held: number }
    /**
     * The files are ready; the content should start at `from` in each, at most `window` bytes
     * ahead of the acknowledgements.
     */
    | { kind: "receiving"; from: number[]; window: number }
    | { kind: "cannot-save"; why: string }
    /** One file arrived whole, matched its hash (`hash`), and is at `path`. */
    | { kind: "saved"; file: OfferedFileInfo; path: string; hash: Uint8Array }
    /** Every file is saved, in `folder`. */
    | { kind: "received"; folder: string }
    | { kind: "receive-failed"; code: "corrupt" | "failed"; reason: string }
    /** Sending began (the bytes the recipient held count as done). */
    | { kind: "content-started" }
    /** Everything was sent: the verdict is the recipient's. */
    | { kind: "content-sent" }
    | { kind: "send-failed"; why: string }
    /** An acknowledgement from the recipient was not genuine. */
    | { kind: "bad-ack" }
  );

function view(file: OfferedFileInfo): FileView {
  const hash = file.hash ? { hash: toHex(file.hash) } : {};
  return { path: file.path, size: file.size, mediaType: file.type, ...hash };
}

/** Takes what the shell reports. */
export function result(turn: Turn, input: Result): void {
  const transfer = turn.state.transfers.get(input.id);
  if (!transfer) return;
  const { id, peer, wire, name } = transfer;
  // What failed or finished after the transfer ended (someone called it off) is no news.
  const ending = ["cannot-save", "received", "receive-failed", "send-failed", "bad-ack"];
  if (ending.includes(input.kind) && transfer.state !== "active") return;
  switch (input.kind) {
    case "held": {
      // One that carries on a transfer accepted before the connection dropped is accepted at
      // once (see `transfer_comeback.ts`); nothing is, while this member's connection is down.
      const { resumes } = transfer;
      const listed = turn.state.autoAccept.has(nameKey(peer));
      const verified = listed && transfer.senderStatus === "verified";
      const auto = (resumes !== undefined || verified) && !turn.state.away;
      const note = resumes !== undefined
        ? { resumes, note: resumedNote(resumes) }
        : listed && !verified
        ? { note: notVerified(peer) }
        : {};
      turn.show({
        type: "file-offer",
        ...{ id, from: peer, name, files: (transfer.offered ?? []).map(view) },
        ...{ total: transfer.total, held: input.held, autoAccepted: auto },
        ...note,
      });
      if (auto && transfer.state === "offered") startReceiving(turn, transfer);
      return;
    }
    case "receiving": {
      const now = turn.update(transfer, { lastDone: turn.readings.done(id) });
      if (now.state !== "active") return;
      turn.effects.push({ type: "open-stream", to: peer, wire });
      turn.control(peer, { kind: "accept", id: wire, from: input.from, window: input.window });
      turn.state = { ...turn.state, ticking: true };
      return;
    }
    case "cannot-save":
      turn.control(peer, { kind: "cancel", id: wire, reason: cannotSaveReason, resumable: true });
      return turn.end(transfer, "failed", null, cannotSave(name, input.why));
    case "saved": {
      const { file, path } = input;
      const hash = toHex(input.hash);
      return turn.show({
        type: "file-saved",
        ...{ id, from: peer, name: file.path, path, size: file.size, mediaType: file.type, hash },
      });
    }
    case "received":
      turn.control(peer, { kind: "done", id: wire, ok: true });
      return turn.finished(transfer, input.folder);
    case "receive-failed": {
      const { code, reason } = input;
      turn.control(
        peer,
        code === "corrupt"
          ? { kind: "done", id: wire, ok: false, reason }
          : { kind: "cancel", id: wire, reason, resumable: true },
      );
      return turn.end(transfer, code, null, receiveFailed(name, peer, reason));
    }
    case "content-started":
      turn.update(transfer, { lastDone: turn.readings.done(id) });
      return;
    case "content-sent":
      if (transfer.state === "active") turn.update(transfer, { state: "verifying" });
      return;
    case "send-failed":
      turn.control(peer, { kind: "cancel", id: wire, reason: input.why, resumable: true });
      return turn.end(transfer, "failed", null, couldNotSend(name, input.why));
    case "bad-ack":
      turn.control(peer, { kind: "cancel", id: wire, reason: badAckReason, resumable: true });
      return turn.end(transfer, "failed", null, badAck(name));
  }
}

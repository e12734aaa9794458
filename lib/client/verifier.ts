/**
 * Which messages from the room are genuine and new. A room message must carry its author's
 * signature, from their present session, dated near this computer's clock; a direct or file
 * message must open with this member's key and carry its author's signature over this member's
 * session. Each author session's numbers must keep rising. Whatever fails is dropped, with a
 * warning that says so.
 *
 * @module
 */
import type { RoomMessage } from "../codec/mod.ts";
import { type ChatEvent, isoTime, type KeyStatus } from "../events.ts";
import type { Identity } from "../identity/mod.ts";
import { staleness } from "./freshness.ts";
import type { Seat, Seats } from "./seats.ts";
import { DirectOpener, ReplayGuard, verifySaid } from "./signing.ts";

type Said = Extract<RoomMessage, { t: "said" }>;
type Direct = Extract<RoomMessage, { t: "dm" }>;
type File = Extract<RoomMessage, { t: "file" }>;

/** A file-transfer message that is genuine: who sent it, what rt knows of them, its body. */
export interface OpenedFile {
  from: string;
  key: Uint8Array;
  status: KeyStatus;
  body: Uint8Array;
}

/** Checks what the room relays to one member. */
export class Verifier {
  readonly #seats: Seats;
  readonly #room: Uint8Array;
  readonly #opener: DirectOpener;
  readonly #guard = new ReplayGuard();
  readonly #now: () => number;

  /** `nonce`: this member's session number; `now`: the clock room messages are checked by. */
  constructor(
    seats: Seats,
    identity: Identity,
    room: Uint8Array,
    options: { nonce?: Uint8Array; now: () => number },
  ) {
    this.#seats = seats;
    this.#room = room;
    this.#opener = new DirectOpener(identity, room, options.nonce);
    this.#now = options.now;
  }

  /** A room message, or the warning that it was dropped. */
  said(message: Said): ChatEvent {
    const checked = this.#genuine(
      message.from,
      (author) => verifySaid(this.#room, author.key, message) ? message : null,
      `A message claiming to be from ${message.from} did not verify and was dropped ` +
        "(it was altered on the way, or not written by them).",
      "message",
      (author) => staleness(author, message, this.#now()),
    );
    if ("type" in checked) return checked;
    const { author } = checked;
    return {
      type: "message",
      from: author.name,
      text: message.text,
      time: isoTime(message.sent),
      own: author.status === "you",
      action: message.me === true,
      direct: false,
    };
  }

  /** A direct message, or the warning that it was dropped. */
  direct(message: Direct): ChatEvent {
    const checked = this.#genuine(
      message.from,
      (author) => this.#opener.open(message.box, author.key, author.nonce),
      `A direct message claiming to be from ${message.from} could not be opened or ` +
        "verified and was dropped.",
      "direct message",
    );
    if ("type" in checked) return checked;
    const { author, opened } = checked;
    return {
      type: "message",
      from: author.name,
      text: opened.text,
      time: isoTime(message.at),
      own: false,
      action: opened.me,
      direct: true,
    };
  }

  /** A file-transfer message opened, or the warning that it was dropped. */
  file(message: File): OpenedFile | ChatEvent {
    const checked = this.#genuine(
      message.from,
      (author) => this.#opener.openFile(message.box, author.key, author.nonce),
      `A file transfer message claiming to be from ${message.from} could not be ` +
        "opened or verified and was dropped.",
      "file transfer message",
    );
    if ("type" in checked) return checked;
    const { author, opened } = checked;
    return { from: author.name, key: author.key, status: author.status, body: opened.body };
  }

  /**
   * The author of a message from `from` and what `open` made of it, when that is genuine and
   * new (its number above the last from that session of the author); otherwise the warning to
   * show: `forged` when it did not open or verify, what `old` says when it finds the message
   * old, `replayed-message` naming the `kind` of message when its number is not new.
   */
  #genuine<T extends { seq: number }>(
    from: string,
    open: (author: Seat) => T | null,
    forged: string,
    kind: "message" | "direct message" | "file transfer message",
    old: (author: Seat) => ChatEvent | null = () => null,
  ): { author: Seat; opened: T } | ChatEvent {
    const warning = (code: string, text: string): ChatEvent => ({
      type: "warning",
      code,
      name: from,
      text,
    });
    const author = this.#seats.find(from);
    const opened = author ? open(author) : null;
    if (!author || !opened) return warning(FORGED[kind], forged);
    const stale = old(author);
    if (stale) return stale;
    if (!this.#guard.accept(author.key, author.nonce, opened.seq)) {
      return warning(
        "replayed-message",
        `A repeated or out-of-order ${kind} from ${from} was dropped.`,
      );
    }
    return { author, opened };
  }
}

/** The code of the warning for each kind of message that did not open or verify. */
const FORGED = {
  "message": "forged-message",
  "direct message": "bad-direct-message",
  "file transfer message": "bad-file-message",
} as const;

/**
 * One member's view of the room: who is here with which key and what rt knows of it, which
 * messages are genuine, and how to sign and seal what this member sends.
 *
 * @module
 */
import type { ClientMessage, MemberInfo, RoomMessage } from "../codec/messages.ts";
import {
  CLOCK_TOLERANCE_MS,
  clockOffset,
  DirectOpener,
  MessageSigner,
  ReplayGuard,
  sameSession,
  verifySaid,
} from "../client/signing.ts";
import { fingerprint, type Identity, safetyCode, sameKey } from "../identity/keys.ts";
import { nameKey } from "../room/names.ts";
import type { PeerBook } from "../store/peer_book.ts";
import { type ChatEvent, isoTime, type KeyStatus, type MemberView } from "../tui/events.ts";

interface Seat {
  name: string;
  key: Uint8Array;
  /**
   * The member's random number for this session: what it signs is signed over it, and
   * direct and file messages to it too.
   */
  nonce?: Uint8Array;
  host: boolean;
  since: number;
  status: KeyStatus;
}

function warning(code: string, name: string, text: string): ChatEvent {
  return { type: "warning", code, name, text };
}

/** A length of time in words: "12 minutes", "3 hours", "40 days" (minutes rounded up). */
function duration(ms: number): string {
  const minutes = Math.ceil(Math.abs(ms) / 60_000);
  const [amount, unit] = minutes < 120
    ? [minutes, "minute"]
    : minutes < 48 * 60
    ? [Math.round(minutes / 60), "hour"]
    : [Math.round(minutes / (24 * 60)), "day"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

/** What a view needs. */
export interface RoomViewOptions {
  identity: Identity;
  peers: PeerBook;
  /** Whether this member is the host. */
  host: boolean;
  /**
   * The random number this member sent with its `join`: this member's session. Messages to it
   * must sign it, and it signs its own with it.
   */
  nonce?: Uint8Array;
  /** The clock room messages are signed with and checked against. Default: `Date.now`. */
  now?: () => number;
  /** The key the host proved on the connection (joiners): the host's seat always has it. */
  hostKey?: Uint8Array;
}

/** The room as one member sees it. */
export class RoomView {
  readonly #identity: Identity;
  readonly #peers: PeerBook;
  readonly #room: Uint8Array;
  readonly #signer: MessageSigner;
  readonly #opener: DirectOpener;
  readonly #guard = new ReplayGuard();
  readonly #now: () => number;
  readonly #seats = new Map<string, Seat>();
  readonly self: string;
  readonly #isHost: boolean;
  readonly #hostKey: Uint8Array | undefined;

  constructor(welcome: Extract<RoomMessage, { t: "welcome" }>, options: RoomViewOptions) {
    this.#identity = options.identity;
    this.#peers = options.peers;
    this.#room = welcome.room;
    this.#now = options.now ?? Date.now;
    this.#signer = new MessageSigner(options.identity, welcome.room, {
      ...(options.nonce ? { session: options.nonce } : {}),
      now: this.#now,
    });
    this.#opener = new DirectOpener(options.identity, welcome.room, options.nonce);
    this.self = welcome.name;
    this.#isHost = options.host;
    this.#hostKey = options.hostKey;
    this.#welcomeWarnings = welcome.members.flatMap((m) => this.#seat(this.#proven(m)));
    this.#welcome = {
      type: "welcome",
      name: welcome.name,
      host: options.host,
      fingerprint: fingerprint(options.identity.publicKey),
      members: welcome.members.map((m) => this.#view(this.#seats.get(nameKey(m.name))!)),
    };
  }

  readonly #welcome: ChatEvent;
  readonly #welcomeWarnings: ChatEvent[];

  /** The events that announce arrival: the welcome, then any warnings about members' keys. */
  welcomeEvents(): ChatEvent[] {
    return [this.#welcome, ...this.#welcomeWarnings];
  }

  /** Seats a member: classifies their key, remembers it, and returns warnings. */
  #seat(
    member: { name: string; key: Uint8Array; nonce?: Uint8Array; host: boolean; since: number },
  ): ChatEvent[] {
    const ownKey = sameKey(member.key, this.#identity.publicKey);
    const own = ownKey && nameKey(member.name) === nameKey(this.self);
    // Another seat with this member's own key: the same person in another terminal (or someone
    // with a copy of the key file). Not a peer to remember under another name.
    const classified = own
      ? { status: "you" as const }
      : ownKey
      ? { status: "your-key" as const }
      : this.#peers.classify(member.name, member.key);
    if (!ownKey) this.#peers.record(member.name, member.key);
    this.#seats.set(nameKey(member.name), { ...member, status: classified.status });
    const role = member.host ? "The host" : "This";
    switch (classified.status) {
      case "key-changed":
        return [
          warning(
            "key-changed",
            member.name,
            `${member.name} has a different key than when you last met. ${role} may not be ` +
              `the person you know: before trusting what they say, compare /verify ${member.name} ` +
              "with them by phone or in person.",
          ),
        ];
      case "name-changed":
        return [
          warning(
            "name-changed",
            member.name,
            `${member.name} has the key you last saw as ${classified.previousNames.join(", ")}.`,
          ),
        ];
      default:
        return [];
    }
  }

  #view(seat: Seat): MemberView {
    return {
      name: seat.name,
      host: seat.host,
      since: isoTime(seat.since),
      fingerprint: fingerprint(seat.key),
      status: seat.status,
    };
  }

  /** The seat of `name`, if present. */
  #find(name: string): Seat | undefined {
    return this.#seats.get(nameKey(name.trim()));
  }

  /** Member names (for completion). */
  names(): string[] {
    return [...this.#seats.values()].map((s) => s.name);
  }

  /** The events for one message from the room. */
  receive(message: RoomMessage): ChatEvent[] {
    switch (message.t) {
      case "welcome":
        return [];
      case "name-refused":
        return [{ type: "name-refused", reason: message.reason }];
      case "joined": {
        const warnings = this.#seat({
          name: message.name,
          key: message.key,
          ...(message.nonce ? { nonce: message.nonce } : {}),
          host: false,
          since: message.at,
        });
        const seat = this.#find(message.name)!;
        return [{
          type: "joined",
          name: message.name,
          time: isoTime(message.at),
          fingerprint: fingerprint(seat.key),
          status: seat.status,
        }, ...warnings];
      }
      case "left":
        this.#seats.delete(nameKey(message.name));
        return [{
          type: "left",
          name: message.name,
          reason: message.reason,
          time: isoTime(message.at),
        }];
      case "said":
        return this.#said(message);
      case "dm":
        return this.#direct(message);
      case "who":
        return [{ type: "who", members: message.members.map((m) => this.#memberView(m)) }];
      case "notice":
        return [{ type: "notice", text: message.text }];
      case "closed":
        return [{ type: "closed", reason: message.reason }];
      case "file":
      case "data":
        // File transfers: opened by `openFile` and handled by the transfers.
        return [];
    }
  }

  /** A member as listed, with the host's key replaced by the one it proved (when known). */
  #proven<T extends { host: boolean; key: Uint8Array }>(m: T): T {
    return m.host && this.#hostKey ? { ...m, key: this.#hostKey } : m;
  }

  #memberView(listed: MemberInfo): MemberView {
    const m = this.#proven(listed);
    const seat = this.#find(m.name);
    if (seat && sameKey(seat.key, m.key)) return this.#view(seat);
    return this.#view({ ...m, status: this.#peers.classify(m.name, m.key).status });
  }

  /**
   * The author of a message from `from` and what `open` made of it, when that is genuine and
   * new (its number above the last from that session of the author); otherwise the warning to
   * show: `failure` when it did not open or verify, what `old` says when it finds the message
   * old, `replayed-message` naming the `kind` of message when its number is not new.
   */
  #genuine<T extends { seq: number }>(
    from: string,
    open: (author: Seat) => T | null,
    failure: { code: string; text: string },
    kind: string,
    old: (author: Seat, opened: T) => ChatEvent | null = () => null,
  ): { author: Seat; opened: T } | ChatEvent {
    const author = this.#find(from);
    const opened = author ? open(author) : null;
    if (!author || !opened) return warning(failure.code, from, failure.text);
    const stale = old(author, opened);
    if (stale) return stale;
    if (!this.#guard.accept(author.key, author.nonce, opened.seq)) {
      return warning(
        "replayed-message",
        from,
        `A repeated or out-of-order ${kind} from ${from} was dropped.`,
      );
    }
    return { author, opened };
  }

  #said(message: Extract<RoomMessage, { t: "said" }>): ChatEvent[] {
    const checked = this.#genuine(
      message.from,
      (author) => verifySaid(this.#room, author.key, message) ? message : null,
      {
        code: "forged-message",
        text: `A message claiming to be from ${message.from} did not verify and was dropped ` +
          "(it was altered on the way, or not written by them).",
      },
      "message",
      (author, said) => this.#stale(author, said),
    );
    if ("type" in checked) return [checked];
    const { author } = checked;
    return [{
      type: "message",
      from: author.name,
      text: message.text,
      time: isoTime(message.sent),
      own: author.status === "you",
      action: message.me === true,
      direct: false,
    }];
  }

  /**
   * Why a genuine room message is old, if it is: signed in another session of its author than
   * the one seated (the host played it again from an earlier one), or dated too far from this
   * computer's clock (an old one played again, or a clock set wrong).
   */
  #stale(author: Seat, said: Extract<RoomMessage, { t: "said" }>): ChatEvent | null {
    if (!sameSession(said.session, author.nonce)) {
      return warning(
        "replayed-message",
        author.name,
        `An old message from ${author.name}, written in an earlier visit of theirs to the ` +
          "room, was delivered again and dropped.",
      );
    }
    const offset = clockOffset(said.sent, this.#now());
    if (offset === 0) return null;
    const when = offset < 0 ? "before" : "after";
    return warning(
      "replayed-message",
      author.name,
      `A message from ${author.name} was dropped: it is dated ${duration(offset)} ${when} ` +
        `this computer's clock, and rt takes only messages dated within ` +
        `${duration(CLOCK_TOLERANCE_MS)} of it, so that old ones cannot be shown again. If ` +
        `${author.name}'s clock or yours is wrong, setting it right fixes this.`,
    );
  }

  #direct(message: Extract<RoomMessage, { t: "dm" }>): ChatEvent[] {
    const checked = this.#genuine(
      message.from,
      (author) => this.#opener.open(message.box, author.key, author.nonce),
      {
        code: "bad-direct-message",
        text: `A direct message claiming to be from ${message.from} could not be opened or ` +
          "verified and was dropped.",
      },
      "direct message",
    );
    if ("type" in checked) return [checked];
    const { author, opened } = checked;
    return [{
      type: "message",
      from: author.name,
      text: opened.text,
      time: isoTime(message.at),
      own: false,
      action: opened.me,
      direct: true,
    }];
  }

  /**
   * Opens a file-transfer message: who sent it (name, key, key status) and its body; or the
   * warning to show when it is not genuine, or replayed.
   */
  openFile(
    message: Extract<RoomMessage, { t: "file" }>,
  ): { from: string; key: Uint8Array; status: KeyStatus; body: Uint8Array } | ChatEvent {
    const checked = this.#genuine(
      message.from,
      (author) => this.#opener.openFile(message.box, author.key, author.nonce),
      {
        code: "bad-file-message",
        text: `A file transfer message claiming to be from ${message.from} could not be ` +
          "opened or verified and was dropped.",
      },
      "file transfer message",
    );
    if ("type" in checked) return checked;
    const { author, opened } = checked;
    return { from: author.name, key: author.key, status: author.status, body: opened.body };
  }

  /** A file-transfer message (`body`) sealed to `name`; or an error. */
  sealFile(name: string, body: Uint8Array): { message: ClientMessage; to: string } | {
    error: string;
  } {
    const seat = this.#find(name);
    if (!seat) return { error: `Nobody called "${name}" is in the room` };
    if (seat.status === "you") return { error: "That is you" };
    return {
      message: { t: "file", to: seat.name, box: this.#signer.sealFile(seat, body) },
      to: seat.name,
    };
  }

  /** The other members' names (everyone but this member). */
  others(): string[] {
    return [...this.#seats.values()].filter((s) => s.status !== "you").map((s) => s.name);
  }

  /** A member's key status, if present. */
  statusOf(name: string): KeyStatus | undefined {
    return this.#find(name)?.status;
  }

  /** A signed room message. */
  say(text: string, me = false): ClientMessage {
    return this.#signer.say(text, me);
  }

  /** A direct message to `name`, and the event that shows it to its sender; or an error. */
  direct(name: string, text: string, me = false): { message: ClientMessage; event: ChatEvent } | {
    error: string;
  } {
    const seat = this.#find(name);
    if (!seat) return { error: `Nobody called "${name}" is in the room` };
    if (seat.status === "you") return { error: "That is you" };
    return {
      message: { t: "dm", to: seat.name, box: this.#signer.seal(seat, text, me) },
      event: {
        type: "message",
        from: this.self,
        text,
        time: new Date().toISOString(),
        own: true,
        action: me,
        direct: true,
        to: seat.name,
      },
    };
  }

  /** The canonical name of a member, if present. */
  nameOf(name: string): string | undefined {
    return this.#find(name)?.name;
  }

  /** `/whois`: the member's fingerprint, status, arrival (and address, for the host). */
  whois(name: string, address?: string): ChatEvent {
    const seat = this.#find(name);
    if (!seat) {
      return {
        type: "error",
        code: "no-such-member",
        message: `Nobody called "${name}" is in the room`,
      };
    }
    const view = this.#view(seat);
    return {
      type: "whois",
      name: view.name,
      host: view.host,
      since: view.since,
      fingerprint: view.fingerprint,
      status: view.status,
      ...(this.#isHost && address ? { address } : {}),
    };
  }

  /** The seat of another member called `name`, or the error event to show instead. */
  #other(name: string): Seat | ChatEvent {
    const seat = this.#find(name);
    if (!seat) {
      return {
        type: "error",
        code: "no-such-member",
        message: `Nobody called "${name}" is in the room`,
      };
    }
    if (seat.status === "you") return { type: "error", code: "is-you", message: "That is you" };
    return seat;
  }

  /** `/verify`: the safety code both people compare out of band. */
  safetyCode(name: string): ChatEvent {
    const seat = this.#other(name);
    if ("type" in seat) return seat;
    return {
      type: "safety-code",
      name: seat.name,
      code: safetyCode(this.#identity.publicKey, seat.key),
    };
  }

  /** `/trust`: marks the member's key as verified. */
  trust(name: string): ChatEvent {
    const seat = this.#other(name);
    if ("type" in seat) return seat;
    this.#peers.trust(seat.key);
    seat.status = "verified";
    return {
      type: "notice",
      code: "trusted",
      text: `${seat.name}'s key is now marked verified; you will be told if it ever changes.`,
    };
  }
}

/**
 * Who is in the room as one member knows them: each member's key and session number, and what
 * rt knows of the key. A key is taken on first use and remembered in the peer book; a known
 * name with another key, or a known key under another name, is said at once.
 *
 * @module
 */
import type { MemberInfo } from "../codec/mod.ts";
import { type ChatEvent, isoTime, type KeyStatus, type MemberView } from "../events.ts";
import { fingerprint, type Identity, sameKey } from "../identity/mod.ts";
import { nameKey, nobodyCalled } from "../room/mod.ts";
import type { PeerBook } from "../store/mod.ts";

/** A member in the room, as this member knows them. */
export interface Seat {
  name: string;
  key: Uint8Array;
  /**
   * The member's random number for this session: what it signs is signed over it, and
   * direct and file messages to it too.
   */
  nonce?: Uint8Array;
  /** What the member's rt can do, as the room says (see `Capabilities`). */
  can?: number;
  host: boolean;
  since: number;
  status: KeyStatus;
}

/** A member as the room lists them, before rt has judged their key. */
export type Arrival = Omit<Seat, "status">;

/** The error event for a name nobody in the room has. */
export function noSuchMember(name: string): ChatEvent {
  return { type: "error", code: "no-such-member", message: nobodyCalled(name) };
}

/** The members in the room, seated by the name they are known by. */
export class Seats {
  readonly #identity: Identity;
  readonly #peers: PeerBook;
  readonly #self: string;
  readonly #seats = new Map<string, Seat>();

  /** `self`: this member's own name in the room. */
  constructor(identity: Identity, peers: PeerBook, self: string) {
    this.#identity = identity;
    this.#peers = peers;
    this.#self = self;
  }

  /** Seats a member: judges their key, remembers it, and returns the warnings to show. */
  seat(member: Arrival): ChatEvent[] {
    const ownKey = sameKey(member.key, this.#identity.publicKey);
    const own = ownKey && nameKey(member.name) === nameKey(this.#self);
    // Another seat with this member's own key: the same person in another terminal (or someone
    // with a copy of the key file). Not a peer to remember under another name.
    const judged = own
      ? { status: "you" as const }
      : ownKey
      ? { status: "your-key" as const }
      : this.#peers.classify(member.name, member.key);
    if (!ownKey) this.#peers.record(member.name, member.key);
    this.#seats.set(nameKey(member.name), { ...member, status: judged.status });
    const warn = (code: string, text: string): ChatEvent[] => [
      { type: "warning", code, name: member.name, text },
    ];
    const role = member.host ? "The host" : "This";
    switch (judged.status) {
      case "key-changed":
        return warn(
          "key-changed",
          `${member.name} has a different key than when you last met. ${role} may not be ` +
            `the person you know: before trusting what they say, compare /verify ${member.name} ` +
            "with them by phone or in person.",
        );
      case "name-changed":
        return warn(
          "name-changed",
          `${member.name} has the key you last saw as ${judged.previousNames.join(", ")}.`,
        );
      default:
        return [];
    }
  }

  /** Forgets a member who left. */
  leave(name: string): void {
    this.#seats.delete(nameKey(name));
  }

  /** The seat of `name` (as typed: case, Unicode form and spaces around set aside). */
  find(name: string): Seat | undefined {
    return this.#seats.get(nameKey(name.trim()));
  }

  /** The seat of another member called `name`, or the error event to show instead. */
  other(name: string): Seat | ChatEvent {
    const seat = this.find(name);
    if (!seat) return noSuchMember(name);
    if (seat.status === "you") return { type: "error", code: "is-you", message: "That is you" };
    return seat;
  }

  /** Every member's name. */
  names(): string[] {
    return [...this.#seats.values()].map((s) => s.name);
  }

  /** The other members' names (everyone but this member). */
  others(): string[] {
    return [...this.#seats.values()].filter((s) => s.status !== "you").map((s) => s.name);
  }

  /** Marks a member's key as verified, here and in the peer book. */
  trust(seat: Seat): void {
    this.#peers.trust(seat.key);
    seat.status = "verified";
  }

  /** A member as events show them. */
  view(seat: Seat): MemberView {
    return {
      name: seat.name,
      host: seat.host,
      since: isoTime(seat.since),
      fingerprint: fingerprint(seat.key),
      status: seat.status,
    };
  }

  /** A member as the room lists them (`/who`): as seated, or judged afresh if not so seated. */
  listed(member: MemberInfo): MemberView {
    const seat = this.find(member.name);
    if (seat && sameKey(seat.key, member.key)) return this.view(seat);
    return this.view({ ...member, status: this.#peers.classify(member.name, member.key).status });
  }
}

/**
 * One member's view of the room: who is here with which key and what rt knows of it
 * (`Seats`), which messages are genuine (`Verifier`), and how what this member sends is signed
 * and sealed (`Sealer`). It takes messages from the room and gives the events to show; it does
 * no I/O, so it is tested with messages made in memory.
 *
 * @module
 */
import type { ClientMessage, RoomMessage } from "../codec/mod.ts";
import { type ChatEvent, isoTime, type KeyStatus } from "../events.ts";
import { fingerprint, type Identity, safetyCode, sameKey } from "../identity/mod.ts";
import type { PeerBook } from "../store/mod.ts";
import { Sealer } from "./sealer.ts";
import { noSuchMember, Seats } from "./seats.ts";
import { type OpenedFile, Verifier } from "./verifier.ts";

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
  /** This member's name in the room. */
  readonly self: string;
  readonly #identity: Identity;
  readonly #isHost: boolean;
  readonly #hostKey: Uint8Array | undefined;
  readonly #seats: Seats;
  readonly #verifier: Verifier;
  readonly #sealer: Sealer;
  readonly #welcome: ChatEvent[];
  /** The room's random id, from the first welcome. */
  readonly #room: Uint8Array;

  constructor(welcome: Extract<RoomMessage, { t: "welcome" }>, options: RoomViewOptions) {
    const { identity, nonce } = options;
    const now = options.now ?? Date.now;
    this.self = welcome.name;
    this.#identity = identity;
    this.#isHost = options.host;
    this.#hostKey = options.hostKey;
    this.#room = welcome.room;
    this.#seats = new Seats(identity, options.peers, welcome.name);
    this.#verifier = new Verifier(this.#seats, identity, welcome.room, { nonce, now });
    this.#sealer = new Sealer(this.#seats, identity, welcome.room, { self: this.self, nonce, now });
    const warnings = welcome.members.flatMap((m) => this.#seats.seat(this.#proven(m)));
    this.#welcome = [{
      type: "welcome",
      name: welcome.name,
      host: options.host,
      fingerprint: fingerprint(identity.publicKey),
      members: welcome.members.map((m) => this.#seats.view(this.#seats.find(m.name)!)),
    }, ...warnings];
  }

  /**
   * The welcome of a member coming back after its connection dropped: who left and who joined
   * meanwhile, as events, the seats brought up to date. `null` when the welcome is not for this
   * very seat of this very room (a host that started a new room, or gave another name).
   */
  rejoined(welcome: Extract<RoomMessage, { t: "welcome" }>): ChatEvent[] | null {
    if (!sameKey(welcome.room, this.#room) || welcome.name !== this.self) return null;
    const at = isoTime(Date.now());
    const events: ChatEvent[] = [];
    const listed = new Map(welcome.members.map((m) => [m.name, this.#proven(m)]));
    for (const name of this.#seats.names()) {
      const now = listed.get(name);
      const seat = this.#seats.find(name)!;
      if (now && sameKey(now.key, seat.key) && sameNonce(now.nonce, seat.nonce)) continue;
      this.#seats.leave(name);
      events.push({ type: "left", name, reason: "lost", time: at });
    }
    for (const member of listed.values()) {
      if (this.#seats.find(member.name)) continue;
      const warnings = this.#seats.seat(member);
      const { fingerprint, status } = this.#seats.view(this.#seats.find(member.name)!);
      events.push(
        { type: "joined", name: member.name, time: at, fingerprint, status },
        ...warnings,
      );
    }
    return events;
  }

  /** The events that announce arrival: the welcome, then any warnings about members' keys. */
  welcomeEvents(): ChatEvent[] {
    return [...this.#welcome];
  }

  /** The events for one message from the room. */
  receive(message: RoomMessage): ChatEvent[] {
    switch (message.t) {
      case "welcome":
        return [];
      case "name-refused":
        return [{ type: "name-refused", reason: message.reason }];
      case "joined": {
        const warnings = this.#seats.seat({
          name: message.name,
          key: message.key,
          ...(message.nonce ? { nonce: message.nonce } : {}),
          ...(message.can !== undefined ? { can: message.can } : {}),
          host: false,
          since: message.at,
        });
        const { fingerprint, status } = this.#seats.view(this.#seats.find(message.name)!);
        const time = isoTime(message.at);
        return [{ type: "joined", name: message.name, time, fingerprint, status }, ...warnings];
      }
      case "left":
        this.#seats.leave(message.name);
        return [{
          type: "left",
          name: message.name,
          reason: message.reason,
          time: isoTime(message.at),
        }];
      case "said":
        return [this.#verifier.said(message)];
      case "dm":
        return [this.#verifier.direct(message)];
      case "who":
        return [{
          type: "who",
          members: message.members.map((m) => this.#seats.listed(this.#proven(m))),
        }];
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

  /**
   * Opens a file-transfer message: who sent it (name, key, key status) and its body; or the
   * warning to show when it is not genuine, or replayed.
   */
  openFile(message: Extract<RoomMessage, { t: "file" }>): OpenedFile | ChatEvent {
    return this.#verifier.file(message);
  }

  /** A file-transfer message (`body`) sealed to `name`; or an error. */
  sealFile(name: string, body: Uint8Array): { message: ClientMessage; to: string } | {
    error: string;
  } {
    return this.#sealer.sealFile(name, body);
  }

  /** A signed room message. */
  say(text: string, me = false): ClientMessage {
    return this.#sealer.say(text, me);
  }

  /** A direct message to `name`, and the event that shows it to its sender; or an error. */
  direct(name: string, text: string, me = false): { message: ClientMessage; event: ChatEvent } | {
    error: string;
  } {
    return this.#sealer.direct(name, text, me);
  }

  /** Member names (for completion). */
  names(): string[] {
    return this.#seats.names();
  }

  /** The other members' names (everyone but this member). */
  others(): string[] {
    return this.#seats.others();
  }

  /** The canonical name of a member, if present. */
  nameOf(name: string): string | undefined {
    return this.#seats.find(name)?.name;
  }

  /** A member's key status, if present. */
  statusOf(name: string): KeyStatus | undefined {
    return this.#seats.find(name)?.status;
  }

  /** Whether a member's rt said it can do `what` (a bit of `Capabilities`). */
  can(name: string, what: number): boolean {
    return ((this.#seats.find(name)?.can ?? 0) & what) !== 0;
  }

  /** `/whois`: the member's fingerprint, status, arrival (and address, for the host). */
  whois(name: string, address?: string): ChatEvent {
    const seat = this.#seats.find(name);
    if (!seat) return noSuchMember(name);
    return {
      type: "whois",
      ...this.#seats.view(seat),
      ...(this.#isHost && address ? { address } : {}),
    };
  }

  /** `/verify`: the safety code both people compare out of band. */
  safetyCode(name: string): ChatEvent {
    const seat = this.#seats.other(name);
    if ("type" in seat) return seat;
    return {
      type: "safety-code",
      name: seat.name,
      code: safetyCode(this.#identity.publicKey, seat.key),
    };
  }

  /** `/trust`: marks the member's key as verified. */
  trust(name: string): ChatEvent {
    const seat = this.#seats.other(name);
    if ("type" in seat) return seat;
    this.#seats.trust(seat);
    return {
      type: "notice",
      code: "trusted",
      text: `${seat.name}'s key is now marked verified; you will be told if it ever changes.`,
    };
  }
}

/** Whether two sessions' random numbers are the same (both absent: older members). */
function sameNonce(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  return a === undefined || b === undefined ? a === b : sameKey(a, b);
}

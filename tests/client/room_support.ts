/**
 * Members of a room in memory, each seated as rt seats them (`join`, the welcome, a
 * `RoomView` and a `ChatClient`), and a seat whose deliveries the test may alter, repeat or
 * add to: the host relaying, lying.
 *
 * @module
 */
import { ChatClient, type RoomEnd, RoomView, type Session } from "../../lib/client/mod.ts";
import type { ClientMessage, RoomMessage } from "../../lib/codec/messages.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { generateIdentity, type Identity } from "../../lib/identity/keys.ts";
import type { Membership, Room } from "../../lib/room/mod.ts";
import { PeerBook } from "../../lib/store/mod.ts";
import { AsyncQueue } from "../../lib/util/mod.ts";

/** A seat in the room whose deliveries pass through `alter`, as a lying host would pass them. */
export class RelayedSeat implements Session {
  readonly #inbox = new AsyncQueue<RoomMessage>();
  readonly #membership: Membership;
  /** What the member gets for each message the room delivers (default: that message). */
  alter: (message: RoomMessage) => RoomMessage[] = (message) => [message];
  /** Every message the room delivered, before `alter`. */
  readonly delivered: RoomMessage[] = [];

  constructor(room: Room, key: Uint8Array, host: boolean) {
    this.#membership = room.connect({
      deliver: (message) => {
        this.delivered.push(message);
        for (const altered of this.alter(message)) this.#inbox.push(altered);
      },
      disconnect: () => this.#inbox.end(),
    }, { host, key });
  }

  /** Delivers a message the room never sent. */
  inject(message: RoomMessage): void {
    this.#inbox.push(message);
  }

  send(message: ClientMessage): void {
    this.#membership.receive(message);
  }

  ready(): null {
    return null;
  }

  next(): Promise<RoomMessage | null> {
    return this.#inbox.next();
  }

  close(): Promise<void> {
    this.#membership.leave("quit");
    this.#inbox.end();
    return Promise.resolve();
  }
}

/** The events a member was shown, read in order. */
export class Shown {
  readonly #queue = new AsyncQueue<ChatEvent>();
  /** Every event read so far. */
  readonly read: ChatEvent[] = [];

  push(event: ChatEvent): void {
    this.#queue.push(event);
  }

  /** The next event of `type` (and `that`), reading past others. */
  async next<T extends ChatEvent["type"]>(
    type: T,
    that: (event: Extract<ChatEvent, { type: T }>) => boolean = () => true,
  ): Promise<Extract<ChatEvent, { type: T }>> {
    while (true) {
      const event = await this.#queue.next();
      if (event === null) throw new Error(`No ${type} event came; read: ${this.describe()}`);
      this.read.push(event);
      if (event.type === type && that(event as Extract<ChatEvent, { type: T }>)) {
        return event as Extract<ChatEvent, { type: T }>;
      }
    }
  }

  /** The texts of the messages read so far. */
  texts(): string[] {
    return this.read.flatMap((e) => e.type === "message" ? [e.text] : []);
  }

  describe(): string {
    return JSON.stringify(this.read);
  }
}

/** A member in the room. */
export interface Member {
  identity: Identity;
  peers: PeerBook;
  seat: RelayedSeat;
  view: RoomView;
  client: ChatClient;
  shown: Shown;
  /** The client following the room: `null` once closed, unless the room ended first. */
  following: Promise<RoomEnd | null>;
}

/** Seats `name` in `room`: joins, waits for the welcome, and follows the room. */
export async function join(
  room: Room,
  name: string,
  options: {
    host?: boolean;
    identity?: Identity;
    peers?: PeerBook;
    hostKey?: Uint8Array;
    /** What this member's rt says it can do (see `Capabilities`); default: nothing said. */
    can?: number;
  } = {},
): Promise<Member> {
  const identity = options.identity ?? generateIdentity();
  const peers = options.peers ?? PeerBook.inMemory();
  const host = options.host ?? false;
  const seat = new RelayedSeat(room, identity.publicKey, host);
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  seat.send({ t: "join", name, nonce, ...(options.can === undefined ? {} : { can: options.can }) });
  const welcome = await seat.next();
  if (welcome?.t !== "welcome") throw new Error(`${name} was not welcomed: ${welcome?.t}`);
  const view = new RoomView(welcome, {
    identity,
    peers,
    host,
    nonce,
    ...(options.hostKey ? { hostKey: options.hostKey } : {}),
  });
  const shown = new Shown();
  const client = new ChatClient(seat, view, {
    show: (event) => shown.push(event),
    downloads: "/nonexistent/rt-client-tests",
  });
  const following = client.run();
  await shown.next("welcome");
  return { identity, peers, seat, view, client, shown, following };
}

/**
 * Everyone stops following the room (which must have gone on until then) and leaves it, then
 * it closes.
 */
export async function leaveAll(room: Room, ...members: Member[]): Promise<void> {
  for (const member of members) {
    await member.client.close();
    await member.seat.close();
    if ((await member.following) !== null) throw new Error("The room ended before the test did");
  }
  room.close();
}

/**
 * A room in memory for the shell of transfers (`Transfers`): members whose links deliver to
 * each other's transfers, later and in order, as the chat does; and a member's connection to
 * the host that drops (what is on the way to it is lost, it can send nothing) and comes back.
 */
import { join } from "node:path";
import type { ClientMessage, RoomMessage } from "../../lib/codec/messages.ts";
import { PartialStore } from "../../lib/files/partials.ts";
import { Transfers } from "../../lib/files/transfers.ts";
import type { ChatEvent, KeyStatus } from "../../lib/events.ts";
import { filesUnder, randomBytes, tempDir } from "./support.ts";

export type Event<T extends ChatEvent["type"]> = Extract<ChatEvent, { type: T }>;
type FileMessage = Extract<RoomMessage, { t: "file" }>;

export async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

export const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A room in memory: members' links deliver to each other's transfers as RoomMessages, later
 * (never within `send`) and in order, the way `runChat` hands them over. Sealing is a pass-through:
 * the box is the body, and the room says who it is from.
 */
export class Room {
  readonly members = new Map<string, Member>();
  /** Each name's key: joining again under a name is the same person coming back. */
  readonly #keys = new Map<string, Uint8Array>();
  constructor(readonly dir: string) {}

  find(name: string): Member | undefined {
    return [...this.members.values()].find((m) => m.name.toLowerCase() === name.toLowerCase());
  }

  join(
    name: string,
    options: MemberOptions & { key?: Uint8Array } = {},
  ): Member {
    const key = options.key ?? this.#keys.get(name) ?? randomBytes(32);
    this.#keys.set(name, key);
    const member = new Member(this, name, key, options);
    this.members.set(name, member);
    return member;
  }

  /** `name` leaves: its session ends, and everyone else is told. */
  async leave(name: string): Promise<void> {
    const member = this.members.get(name)!;
    this.members.delete(name);
    member.gone = true;
    for (const other of this.members.values()) other.transfers.left(name);
    await member.transfers.close();
  }
}

/** How a member joins. */
export interface MemberOptions {
  autoAcceptFrom?: string[];
  progressMs?: number;
  /** What the member's rt says it can do (see `Capabilities`); default: nothing. */
  can?: number;
}

export class Member {
  readonly events: ChatEvent[] = [];
  readonly transfers: Transfers;
  readonly downloads: string;
  /** How this member sees the others' keys. */
  readonly status = new Map<string, KeyStatus>();
  readonly inbox: RoomMessage[] = [];
  /** While set, what arrives waits in the inbox. */
  paused = false;
  gone = false;
  /** While set, this member's connection to the host is down (see `drop`). */
  away = false;
  /** Sees each message from the room before it is handled; may pause. */
  onMessage: (message: RoomMessage) => void = () => {};
  /** Every control message this member sent, decoded by the fake seal. */
  readonly controls: { to: string; body: Uint8Array }[] = [];
  #waiters: (() => void)[] = [];
  #draining = false;

  constructor(
    readonly room: Room,
    readonly name: string,
    readonly key: Uint8Array,
    readonly options: MemberOptions,
  ) {
    this.downloads = join(room.dir, name, "downloads");
    this.transfers = new Transfers({
      downloads: this.downloads,
      autoAcceptFrom: options.autoAcceptFrom,
      progressMs: options.progressMs ?? 5,
      show: (event) => {
        this.events.push(event);
        for (const wake of this.#waiters.splice(0)) wake();
      },
      peers: {
        sealFile: (to, body) => {
          const seat = this.room.find(to);
          if (!seat) return { error: `Nobody called "${to}" is in the room` };
          if (seat === this) return { error: "That is you" };
          this.controls.push({ to: seat.name, body });
          return { message: { t: "file", to: seat.name, box: body }, to: seat.name };
        },
        openFile: (message: FileMessage) => {
          const author = this.room.find(message.from);
          if (!author) {
            return { type: "warning", code: "bad-file-message", name: message.from, text: "?" };
          }
          return {
            from: author.name,
            key: author.key,
            status: this.status.get(author.name) ?? "known",
            body: message.box,
          };
        },
        others: () => [...this.room.members.keys()].filter((n) => n !== this.name),
        nameOf: (name) => this.room.find(name)?.name,
        statusOf: (name) => this.status.get(name),
        can: (name, what) => ((this.room.find(name)?.options.can ?? 0) & what) !== 0,
      },
      link: {
        send: (message: ClientMessage) => {
          if (this.gone) throw new Error("You have left the room");
          if (this.away) throw new Error("The connection dropped");
          if (message.t !== "file" && message.t !== "data") throw new Error(message.t);
          const to = this.room.find(message.to);
          if (!to) return; // the host drops what is for nobody
          to.deliver(
            message.t === "file"
              ? { t: "file", from: this.name, box: message.box, at: Date.now() }
              : { t: "data", from: this.name, id: message.id, n: message.n, body: message.body },
          );
        },
        ready: () => null,
      },
    });
  }

  deliver(message: RoomMessage): void {
    // The host keeps the seat of a member whose connection dropped, and sends it nothing.
    if (this.away) return;
    this.inbox.push(message);
    this.#drainLater();
  }

  /**
   * This member's connection to the host drops, as the chat sees it: what was on the way to it
   * is lost, and its transfers are told.
   */
  drop(): void {
    this.away = true;
    this.inbox.length = 0;
    this.transfers.linkDropped();
  }

  /** Back in the same seat. */
  back(): void {
    this.away = false;
    this.transfers.linkBack();
  }

  resume(): void {
    this.paused = false;
    this.#drainLater();
  }

  /**
   * Hands what arrived to the transfers as `runChat` does: later than it was sent, in order,
   * control messages in the background, and one message per turn of an awaiting loop (so what
   * a message set going without waiting, such as a sender's promise settling, settles first).
   */
  #drainLater(): void {
    if (this.#draining) return;
    this.#draining = true;
    setTimeout(async () => {
      while (!this.paused && !this.gone && this.inbox.length > 0) {
        const message = this.inbox.shift()!;
        this.onMessage(message);
        if (message.t === "file") {
          this.transfers.receiveFile(message).catch((error) => {
            this.events.push({ type: "error", code: "file-transfer", message: String(error) });
          });
        } else if (message.t === "data") {
          this.transfers.receiveData(message);
        }
        await Promise.resolve();
      }
      this.#draining = false;
    }, 0);
  }

  /** The first event of `type` that passes `test`; waits for it. */
  async next<T extends ChatEvent["type"]>(
    type: T,
    test: (event: Event<T>) => boolean = () => true,
    ms = 10_000,
  ): Promise<Event<T>> {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = this.events.find((e): e is Event<T> => e.type === type && test(e as Event<T>));
      if (found) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `${this.name}: no ${type} event; had ${
            JSON.stringify(this.events.filter((e) => e.type !== "file-progress"))
          }`,
        );
      }
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 20);
      });
    }
  }

  of<T extends ChatEvent["type"]>(type: T): Event<T>[] {
    return this.events.filter((e): e is Event<T> => e.type === type);
  }

  partials(): Promise<string[]> {
    return filesUnder(new PartialStore(this.downloads).directory);
  }

  /** What this member has in downloads, partials aside. */
  async saved(): Promise<string[]> {
    return (await filesUnder(this.downloads)).filter((p) => !p.startsWith(".rt-partial"));
  }
}

export async function withRoom(fn: (room: Room) => Promise<void>): Promise<void> {
  const dir = await tempDir("rt-transfers-");
  const room = new Room(dir);
  try {
    await fn(room);
  } finally {
    for (const member of room.members.values()) await member.transfers.close();
    await tick(10);
    await Deno.remove(dir, { recursive: true });
  }
}

/** A file to send, in the room's folder. */
export async function source(room: Room, name: string, content: Uint8Array): Promise<string> {
  const dir = join(room.dir, "sources");
  await Deno.mkdir(dir, { recursive: true });
  const path = join(dir, name);
  await Deno.writeFile(path, content);
  return path;
}

/**
 * The room: who is in it, names, and relaying what members say. It knows nothing of sockets;
 * each member is reached through a `MemberLink`.
 *
 * @module
 */
import type { ClientMessage, LeaveReason, MemberInfo, RoomMessage } from "../codec/mod.ts";
import { checkName, nameKey, nobodyCalled } from "./names.ts";
import { describeError, equalBytes, toHex } from "../util/mod.ts";

/** How the room reaches one member. */
export interface MemberLink {
  /** Delivers one message; throws when the member cannot take more (it is then dropped). */
  deliver(message: RoomMessage): void;
  /** Ends the member's connection (after what was delivered is flushed, where possible). */
  disconnect(): void;
  /**
   * Resolves when the member can take more bulk data (file chunks): its outgoing queue is
   * short again. `null`, or absent: ready now.
   */
  ready?(): Promise<void> | null;
}

/** Room activity the host's operator may want to log. */
export type RoomActivity =
  | { kind: "joined"; name: string; address?: string }
  /** A member's connection dropped: its seat is kept for it (see `graceMs`). */
  | { kind: "away"; name: string; address?: string }
  /** A member came back on a new connection after `awayMs`. */
  | { kind: "back"; name: string; awayMs: number; address?: string }
  | { kind: "left"; name: string; reason: LeaveReason; address?: string }
  | { kind: "dropped"; name: string | null; why: string; address?: string };

/** Options of a room. */
export interface RoomOptions {
  /** Clock in milliseconds since the epoch. Default: `Date.now`. */
  now?: () => number;
  /** Called on joins, leaves and drops. */
  onActivity?: (activity: RoomActivity) => void;
  /**
   * Joins wait until the host has taken its seat. Joiners check that the welcome seats the
   * host they proved on the connection, so a welcome sent before the host sat down (while it
   * was still asking the router or Tor) would be refused as forged.
   */
  hostFirst?: boolean;
  /**
   * How long the seat (name, key, session) of a member whose connection dropped is kept for it
   * to come back (`rejoin`), in ms; others see it leave only when this runs out. Default: 0,
   * it leaves at once.
   */
  graceMs?: number;
}

/** Where a member's messages go while it is away: nowhere (no history is kept). */
const AWAY: MemberLink = { deliver() {}, disconnect() {} };

interface Member {
  /** Its connection now (`AWAY` while away). */
  link: MemberLink;
  readonly key: Uint8Array;
  readonly host: boolean;
  address: string | undefined;
  /** When its connection dropped, while its seat is kept for it; `null` when connected. */
  away: number | null;
  awayTimer?: ReturnType<typeof setTimeout>;
  /** When the others were last told this member came back. */
  backSaid?: number;
  /** The number of the last room message relayed from this member (see `say`). */
  lastSaid?: number;
  /** Whether it has come back after a drop (see `rejoin`). */
  cameBack?: boolean;
  name: string | null;
  nameKey: string | null;
  since: number;
  gone: boolean;
  /** The member's random number for this session, from its `join`. */
  nonce?: Uint8Array;
  /** What the member's rt can do, from its `join` (see `Capabilities`). */
  can?: number;
  /**
   * Bulk streams this member accepts: `<sender's name key> <transfer id>`, opened by the
   * member's own first frame of that transfer (its opening acknowledgement). Chunks nobody
   * asked for are not relayed.
   */
  streams: Set<string>;
}

/** What the sender of a direct message to a member who is away is told. */
function awayNotice(name: string): string {
  return `${name} is away (their connection dropped; rt is waiting for them to come back): ` +
    "they did not get it";
}

/** Bulk streams one member may have open, at most (the oldest are forgotten). */
const MAX_STREAMS = 256;

function streamKey(nameKey: string, id: Uint8Array): string {
  return `${nameKey} ${toHex(id)}`;
}

/** One member's handle on the room. */
export interface Membership {
  /** Handles one message from this member. */
  receive(message: ClientMessage): void;
  /**
   * The member's connection ended. `keepSeat`: it dropped (no goodbye, a reset, silence), so
   * a `lost` member's seat is kept for it for `graceMs` (see `RoomOptions.graceMs`).
   */
  leave(reason: LeaveReason, options?: { keepSeat?: boolean }): void;
  /**
   * Resolves when the member called `name` can take more bulk data, or is gone (`null`: now):
   * the relay of file chunks waits on it, so a slow recipient slows its sender instead of
   * being dropped.
   */
  readyFor(name: string): Promise<void> | null;
  /** The member's name once joined. */
  readonly name: string | null;
  /** Whether the member is still in the room (connected, or away with its seat kept). */
  readonly seated: boolean;
}

/** A chat room. */
export class Room {
  readonly #members = new Set<Member>();
  readonly #now: () => number;
  readonly #onActivity: (activity: RoomActivity) => void;
  readonly #graceMs: number;
  /** The member behind each membership handed out (see `rejoin`). */
  readonly #memberships = new WeakMap<Membership, Member>();
  /** This room's random id: signed into every message, so none can be replayed elsewhere. */
  readonly id: Uint8Array = crypto.getRandomValues(new Uint8Array(16));
  #closed = false;
  /** Joins that wait for the host's seat (with `hostFirst`): `null` once the host is seated. */
  #waiting: { member: Member; proposed: string; nonce?: Uint8Array; can?: number }[] | null;

  constructor(options: RoomOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#onActivity = options.onActivity ?? (() => {});
    this.#waiting = options.hostFirst ? [] : null;
    this.#graceMs = options.graceMs ?? 0;
  }

  /** Members who have joined, oldest first. */
  members(): MemberInfo[] {
    return [...this.#members]
      .filter((m) => m.name !== null && !m.gone)
      .map((m) => ({
        name: m.name!,
        host: m.host,
        since: m.since,
        key: m.key,
        ...(m.nonce ? { nonce: m.nonce } : {}),
        ...(m.can !== undefined ? { can: m.can } : {}),
      }));
  }

  /** How long a dropped member's seat is kept for it (see `RoomOptions.graceMs`). */
  get graceMs(): number {
    return this.#graceMs;
  }

  /** Whether the room was closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A new authenticated connection; it becomes a member once it sends `join`. */
  connect(
    link: MemberLink,
    info: { key: Uint8Array; host?: boolean; address?: string },
  ): Membership {
    const member: Member = {
      link,
      key: info.key,
      host: info.host ?? false,
      address: info.address,
      away: null,
      name: null,
      nameKey: null,
      since: this.#now(),
      gone: this.#closed,
      streams: new Set(),
    };
    if (this.#closed) {
      this.#send(member, { t: "closed", reason: "the host closed the room" });
      link.disconnect();
    } else this.#members.add(member);
    return this.#membership(member, link);
  }

  /**
   * A member whose connection dropped comes back on `link` (the host has checked that it
   * proved the same key): it gets a welcome saying how long it was away, the others one notice,
   * and what it had (name, session, transfers) is as it was. Its old connection, if the host
   * has not seen it drop yet, is let go. `null` when that member has left meanwhile.
   */
  rejoin(
    previous: Membership,
    link: MemberLink,
    info: { address?: string } = {},
  ): Membership | null {
    const member = this.#memberships.get(previous);
    if (!member || member.gone || member.name === null || this.#closed) return null;
    const now = this.#now();
    const awayMs = member.away === null ? 0 : Math.max(0, now - member.away);
    clearTimeout(member.awayTimer);
    if (member.away === null) member.link.disconnect();
    member.away = null;
    member.cameBack = true;
    member.link = link;
    member.address = info.address;
    const membership = this.#membership(member, link);
    this.#send(member, {
      t: "welcome",
      name: member.name,
      room: this.id,
      members: this.members(),
      away: awayMs,
    });
    // Said at most once a minute for one member: a link that flaps does not flood the room.
    if (member.backSaid === undefined || now - member.backSaid >= 60_000) {
      member.backSaid = now;
      const seconds = Math.round(awayMs / 1000);
      this.#broadcast(
        { t: "notice", text: `${member.name} reconnected after ${seconds} s` },
        member,
      );
    }
    this.#onActivity({ kind: "back", name: member.name, awayMs, address: member.address });
    return membership;
  }

  /** A handle on `member` for the connection `link`: once another replaces it, it does nothing. */
  #membership(member: Member, link: MemberLink): Membership {
    const current = () => member.link === link;
    const membership: Membership = {
      receive: (message) => {
        if (current()) this.#receive(member, message);
      },
      leave: (reason, options) => {
        if (current()) this.#leave(member, reason, options?.keepSeat ?? false);
      },
      readyFor: (name) => this.#find(name)?.link.ready?.() ?? null,
      get name() {
        return member.name;
      },
      get seated() {
        return !member.gone;
      },
    };
    this.#memberships.set(membership, member);
    return membership;
  }

  /** Members in the room (named or still choosing a name). */
  get size(): number {
    return this.#members.size;
  }

  /**
   * Removes the member called `name`: they are told why, everyone sees them leave as removed.
   * Returns who it was, or `null` when nobody has that name (the host cannot remove itself).
   */
  remove(name: string, reason: string): { name: string; key: Uint8Array; address?: string } | null {
    const member = this.#find(name);
    if (!member || member.host) return null;
    this.#send(member, { t: "closed", reason });
    this.#leave(member, "removed");
    return { name: member.name!, key: member.key, address: member.address };
  }

  /**
   * Cuts off the member called `name`, whose connection has stalled (it took nothing for too
   * long: a link that went down, as often as a slow one). Where seats are kept (`graceMs`) its
   * connection is closed and its seat kept for it to come back; else it is removed, told
   * `reason`. `false` when nobody has that name (or it is the host).
   */
  cutOff(name: string, reason: string): boolean {
    const member = this.#find(name);
    if (!member || member.host) return false;
    if (this.#graceMs > 0 && member.away === null) this.#leave(member, "lost", true);
    else this.remove(name, reason);
    return true;
  }

  /** The address of the member called `name` (for the host's eyes), if known. */
  addressOf(name: string): string | undefined {
    return this.#find(name)?.address;
  }

  #find(name: string): Member | undefined {
    const wanted = nameKey(name.trim());
    for (const m of this.#members) if (m.nameKey === wanted && !m.gone) return m;
    return undefined;
  }

  /** Tells every member the room is closed and disconnects them. */
  close(reason = "the host closed the room"): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const member of this.#members) {
      member.gone = true;
      clearTimeout(member.awayTimer);
      this.#send(member, { t: "closed", reason });
      member.link.disconnect();
    }
    this.#members.clear();
  }

  #receive(member: Member, message: ClientMessage): void {
    if (member.gone) return;
    switch (message.t) {
      case "join":
        return this.#join(member, message.name, message.nonce, message.can);
      case "say": {
        if (member.name === null) return this.#notice(member, "Choose a name first");
        if (message.text.trim().length === 0) return;
        // One sent again after coming back (its author could not tell whether it got through
        // before the connection died) is relayed once: numbers rise within a session.
        if (member.cameBack && member.lastSaid !== undefined && message.seq <= member.lastSaid) {
          return;
        }
        member.lastSaid = message.seq;
        // Relayed untouched: the author's signature covers the text, flag, counter, time and
        // session number.
        return this.#broadcast({
          t: "said",
          from: member.name,
          text: message.text,
          at: this.#now(),
          ...(message.me ? { me: true } : {}),
          seq: message.seq,
          sent: message.sent,
          ...(message.session ? { session: message.session } : {}),
          sig: message.sig,
        });
      }
      case "dm": {
        if (member.name === null) return this.#notice(member, "Choose a name first");
        const to = this.#find(message.to);
        if (!to) return this.#notice(member, nobodyCalled(message.to));
        if (to.away !== null) return this.#notice(member, awayNotice(to.name!));
        return this.#send(to, { t: "dm", from: member.name, box: message.box, at: this.#now() });
      }
      case "file": {
        if (member.name === null) return this.#notice(member, "Choose a name first");
        const to = this.#find(message.to);
        if (!to) return this.#notice(member, nobodyCalled(message.to));
        if (to.away !== null) return this.#notice(member, awayNotice(to.name!));
        return this.#send(to, { t: "file", from: member.name, box: message.box, at: this.#now() });
      }
      case "data": {
        // Chunks for someone who has left are dropped quietly: the sender learns of the leave.
        const to = this.#find(message.to);
        if (member.name === null || !to || to === member) return;
        // A member's own frame of a transfer opens it the other way: the recipient sends an
        // empty one when it accepts (kept here, not relayed), the sender's first chunk opens
        // the way back for acknowledgements. Frames for a transfer its recipient never opened
        // are dropped: nobody can push data at a member who did not ask for it.
        const opening = streamKey(to.nameKey!, message.id);
        if (!member.streams.has(opening)) {
          member.streams.add(opening);
          if (member.streams.size > MAX_STREAMS) {
            member.streams.delete(member.streams.values().next().value!);
          }
        }
        if (message.body.length === 0) return;
        if (!to.streams.has(streamKey(member.nameKey!, message.id))) return;
        return this.#send(to, {
          t: "data",
          from: member.name,
          id: message.id,
          n: message.n,
          body: message.body,
        });
      }
      case "who":
        return this.#send(member, { t: "who", members: this.members() });
      case "bye":
        return this.#leave(member, "quit");
    }
  }

  #join(member: Member, proposed: string, nonce?: Uint8Array, can?: number): void {
    if (member.name !== null) return this.#notice(member, `You are already ${member.name}`);
    if (this.#waiting !== null && !member.host) {
      // One waiting join per member: a second replaces the first.
      this.#waiting = this.#waiting.filter((w) => w.member !== member);
      this.#waiting.push({ member, proposed, nonce, can });
      return;
    }
    const checked = checkName(proposed);
    if ("refused" in checked) {
      return this.#send(member, { t: "name-refused", reason: checked.refused });
    }
    for (const other of this.#members) {
      if (other.nameKey === checked.key && !other.gone) {
        // The seat kept for one whose connection dropped is theirs: the same key joining
        // afresh (rt started again) takes it over, the old session leaving.
        if (other.away !== null && equalBytes(other.key, member.key)) {
          this.#depart(other, "lost");
          break;
        }
        return this.#send(member, {
          t: "name-refused",
          reason: `The name "${other.name}" is taken; pick another`,
        });
      }
    }
    member.name = checked.display;
    member.nameKey = checked.key;
    member.since = this.#now();
    if (nonce) member.nonce = nonce;
    if (can !== undefined) member.can = can;
    this.#send(member, { t: "welcome", name: member.name, room: this.id, members: this.members() });
    this.#broadcast({
      t: "joined",
      name: member.name,
      at: member.since,
      key: member.key,
      ...(member.nonce ? { nonce: member.nonce } : {}),
      ...(member.can !== undefined ? { can: member.can } : {}),
    }, member);
    this.#onActivity({ kind: "joined", name: member.name, address: member.address });
    if (member.host && this.#waiting !== null) {
      const waiting = this.#waiting;
      this.#waiting = null;
      for (const w of waiting) {
        if (!w.member.gone) this.#join(w.member, w.proposed, w.nonce, w.can);
      }
    }
  }

  /**
   * The member's connection ended. One whose connection dropped (`lost`, `keepSeat`) keeps its
   * seat for `graceMs` to come back; the host's own seat, one without a name yet, one that broke
   * the protocol, or one the room cut off itself (see `#send`) leaves at once.
   */
  #leave(member: Member, reason: LeaveReason, keepSeat = false): void {
    if (member.gone) return;
    const hold = keepSeat && reason === "lost" && this.#graceMs > 0 && member.name !== null &&
      !member.host && member.away === null;
    if (!hold) return this.#depart(member, reason);
    member.link.disconnect();
    member.link = AWAY;
    member.away = this.#now();
    member.awayTimer = setTimeout(() => this.#depart(member, "lost"), this.#graceMs);
    this.#onActivity({ kind: "away", name: member.name!, address: member.address });
  }

  #depart(member: Member, reason: LeaveReason): void {
    if (member.gone) return;
    member.gone = true;
    clearTimeout(member.awayTimer);
    if (this.#waiting) this.#waiting = this.#waiting.filter((w) => w.member !== member);
    this.#members.delete(member);
    member.link.disconnect();
    if (member.name === null) return;
    this.#broadcast({ t: "left", name: member.name, reason, at: this.#now() });
    this.#onActivity({ kind: "left", name: member.name, reason, address: member.address });
  }

  #notice(member: Member, text: string): void {
    this.#send(member, { t: "notice", text });
  }

  /** Sends to one member; a member that cannot take it is dropped. */
  #send(member: Member, message: RoomMessage): void {
    try {
      member.link.deliver(message);
    } catch (error) {
      if (!member.gone) {
        const why = describeError(error);
        this.#onActivity({ kind: "dropped", name: member.name, why, address: member.address });
        queueMicrotask(() => this.#depart(member, "lost"));
      }
    }
  }

  #broadcast(message: RoomMessage, except?: Member): void {
    for (const member of this.#members) {
      if (member !== except && member.name !== null && !member.gone) this.#send(member, message);
    }
  }
}

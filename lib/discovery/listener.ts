/**
 * The finder's side of LAN discovery: listen for hosts' announcements for a while, over IPv4
 * and (where this computer has it) IPv6, and keep one entry per room heard, the address taken
 * from where the datagram came from.
 *
 * @module
 */
import {
  describeError,
  equalBytes,
  type InterfaceAddress,
  ipv6Groups,
  networkInterfaces,
  toHex,
} from "../util/mod.ts";
import dgram from "node:dgram";
import { fingerprint } from "../identity/mod.ts";
import {
  type Announcement,
  decodeAnnouncement,
  DISCOVERY_GROUP,
  DISCOVERY_GROUP_IPV6,
  DISCOVERY_PORT,
  MAX_ANNOUNCEMENT_BYTES,
} from "./announcement.ts";

/** A room heard on the local network. */
export interface HeardRoom {
  /** The room's name (checked: no control or invisible characters, bounded length). */
  name: string;
  /** The host's name. */
  host: string;
  /**
   * Where the announcement came from: the address to join. IPv4, or IPv6 (a link-local one
   * with the zone it was heard on, as `fe80::1%eth0`).
   */
  address: string;
  /** The room's TCP port. */
  port: number;
  /** The host key the announcement claims (unproven until joining). */
  publicKey: Uint8Array;
  /** That key's fingerprint. */
  fingerprint: string;
  /** When it was first and last heard (ms since the epoch). */
  firstHeard: number;
  lastHeard: number;
}

/** Most rooms kept: announcements of further rooms are ignored. */
export const MAX_ROOMS_HEARD = 256;

function isIpv6(address: string): boolean {
  return address.includes(":");
}

function isLinkLocal(address: string): boolean {
  const groups = ipv6Groups(address);
  return groups !== null && (groups[0]! & 0xffc0) === 0xfe80;
}

/** Which of two IPv6 addresses of one room to list: a routable one, else the first heard. */
function betterIpv6(a: HeardRoom, b: HeardRoom): boolean {
  const aLocal = isLinkLocal(a.address), bLocal = isLinkLocal(b.address);
  if (aLocal !== bLocal) return bLocal;
  return a.firstHeard < b.firstHeard ||
    (a.firstHeard === b.firstHeard && a.address.localeCompare(b.address) < 0);
}

/**
 * The rooms heard so far: one per address and port (repeats merged, the latest name and key
 * kept), a room that announced "closed" taken off. A host on a network with both IPv4 and IPv6
 * is heard over both: a room heard over IPv6 with the same key and port as one heard over IPv4
 * is listed once, at its IPv4 address, and one heard at several IPv6 addresses once, at a
 * routable one if any. Pure.
 */
export class RoomBook {
  readonly #rooms = new Map<string, HeardRoom>();
  readonly #max: number;

  constructor(max: number = MAX_ROOMS_HEARD) {
    this.#max = max;
  }

  /** Takes in one announcement from `address`, heard at `now`. */
  hear(announcement: Announcement, address: string, now: number): void {
    const key = `${address} ${announcement.port}`;
    const known = this.#rooms.get(key);
    if (announcement.state === "closed") {
      this.#rooms.delete(key);
      return;
    }
    if (!known && this.#rooms.size >= this.#max) return;
    this.#rooms.set(key, {
      name: announcement.room,
      host: announcement.host,
      address,
      port: announcement.port,
      publicKey: announcement.publicKey,
      fingerprint: known && equalBytes(known.publicKey, announcement.publicKey)
        ? known.fingerprint
        : fingerprint(announcement.publicKey),
      firstHeard: known?.firstHeard ?? now,
      lastHeard: now,
    });
  }

  /** The rooms, newest first: most recently heard, then most recently first heard. */
  list(): HeardRoom[] {
    const all = [...this.#rooms.values()];
    const same = (room: HeardRoom) => `${toHex(room.publicKey)} ${room.port}`;
    const ipv4 = all.filter((room) => !isIpv6(room.address));
    const heardOverIpv4 = new Set(ipv4.map(same));
    const ipv6 = new Map<string, HeardRoom>();
    for (const room of all) {
      if (!isIpv6(room.address) || heardOverIpv4.has(same(room))) continue;
      const listed = ipv6.get(same(room));
      if (!listed || betterIpv6(room, listed)) ipv6.set(same(room), room);
    }
    return [...ipv4, ...ipv6.values()].sort((a, b) =>
      b.lastHeard - a.lastHeard || b.firstHeard - a.firstHeard ||
      a.address.localeCompare(b.address) || a.port - b.port
    );
  }
}

/**
 * The address to list for an IPv6 announcement from `from`, heard on interface `zone` (`null`:
 * not known): the address itself, with the zone when it is link-local (it cannot be joined
 * without one). `null` when it is not an address a room can be joined at: not IPv6 unicast,
 * IPv4-mapped, or link-local from an unknown or unusable zone. Pure.
 */
export function heardIpv6Address(from: string, zone: string | null): string | null {
  // A zone the system gave with the address is the one it came in by, as `zone` is.
  const [address, given] = from.split("%", 2) as [string, string | undefined];
  zone ??= given ?? null;
  const groups = ipv6Groups(address);
  if (groups === null) return null;
  if (groups.slice(0, 5).every((g) => g === 0) && (groups[5] === 0 || groups[5] === 0xffff)) {
    return null; // ::, ::1, IPv4-compatible and IPv4-mapped
  }
  if ((groups[0]! & 0xff00) === 0xff00) return null; // multicast
  if ((groups[0]! & 0xffc0) !== 0xfe80) return address;
  // A zone is typed after the address (`rt fe80::1%eth0 PORT`): only a plain name will do.
  return zone !== null && /^[\w.-]{1,64}$/.test(zone) ? `${address}%${zone}` : null;
}

/** Options of a listener. */
export interface ListenerOptions {
  /** The UDP port to listen on. Default: {@link DISCOVERY_PORT}; 0 picks a free one. */
  port?: number;
  /**
   * The local IPv4 address to listen on. Default: every one (`0.0.0.0`), and IPv6 too: given
   * one, only IPv4 is listened on.
   */
  bind?: string;
  /** The multicast group to join on each IPv4 interface; `null`: none. */
  group?: string | null;
  /** The IPv6 multicast group to listen on, on each IPv6 interface; `null`: no IPv6. */
  groupIpv6?: string | null;
  /** This computer's interfaces. Default: {@link networkInterfaces}. */
  interfaces?: () => InterfaceAddress[];
  /** Most rooms kept. */
  maxRooms?: number;
}

/** Listens for announcements until closed. */
export class RoomListener {
  readonly #socket: dgram.Socket;
  readonly #book: RoomBook;
  #ipv6: dgram.Socket[] = [];
  #closed: Promise<void> | null = null;

  private constructor(socket: dgram.Socket, book: RoomBook) {
    this.#socket = socket;
    this.#book = book;
  }

  /**
   * Starts listening (shared with other finders on this computer). Throws an `Error` for
   * people when the port cannot be opened.
   */
  static async start(options: ListenerOptions = {}): Promise<RoomListener> {
    const socket = dgram.createSocket({ type: "udp4", reuseAddr: true });
    const book = new RoomBook(options.maxRooms);
    const listener = new RoomListener(socket, book);
    socket.on("message", (message: Uint8Array, remote: dgram.RemoteInfo) => {
      if (message.length > MAX_ANNOUNCEMENT_BYTES || remote.family !== "IPv4") return;
      const announcement = decodeAnnouncement(message);
      if (announcement) book.hear(announcement, remote.address, Date.now());
    });
    await new Promise<void>((resolve, reject) => {
      socket.once("error", reject);
      socket.bind(
        { port: options.port ?? DISCOVERY_PORT, address: options.bind ?? "0.0.0.0" },
        () => {
          socket.off("error", reject);
          resolve();
        },
      );
    }).catch(async (error) => {
      await listener.close();
      const why = describeError(error);
      throw new Error(`Could not listen on UDP port ${options.port ?? DISCOVERY_PORT}: ${why}`);
    });
    socket.on("error", () => {});
    const interfaces = options.interfaces ?? networkInterfaces;
    const group = options.group === undefined ? DISCOVERY_GROUP : options.group;
    if (group !== null) joinGroup(socket, group, interfaces());
    const groupIpv6 = options.groupIpv6 === undefined ? DISCOVERY_GROUP_IPV6 : options.groupIpv6;
    if (options.bind === undefined && groupIpv6 !== null) {
      // Best effort: without IPv6 (none here, or refused), IPv4 alone, and nothing said.
      listener.#ipv6 = await listenIpv6(
        listener.port,
        groupIpv6,
        interfaces(),
        (message, address, zone) => {
          if (message.length > MAX_ANNOUNCEMENT_BYTES) return;
          const heard = heardIpv6Address(address, zone);
          if (heard === null) return;
          const announcement = decodeAnnouncement(message);
          if (announcement) book.hear(announcement, heard, Date.now());
        },
      );
    }
    return listener;
  }

  /** The UDP port listened on. */
  get port(): number {
    return this.#socket.address().port;
  }

  /** The rooms heard so far, newest first. */
  rooms(): HeardRoom[] {
    return this.#book.list();
  }

  /** Stops listening. Idempotent. */
  close(): Promise<void> {
    this.#closed ??= Promise.all([closeSocket(this.#socket), this.#closeIpv6()]).then(() => {});
    return this.#closed;
  }

  #closeIpv6(): Promise<void> {
    const sockets = this.#ipv6.splice(0);
    return Promise.all(sockets.map(closeSocket)).then(() => {});
  }
}

function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise<void>((resolve) => {
    try {
      socket.close(() => resolve());
    } catch {
      resolve();
    }
  });
}

/** Binds an IPv6 UDP socket; resolves to it, or to `null` (closed) when it cannot be bound. */
async function bindIpv6(
  port: number,
  address: string,
  onMessage: (message: Uint8Array, remote: dgram.RemoteInfo) => void,
): Promise<dgram.Socket | null> {
  let socket: dgram.Socket;
  try {
    // IPv6 only: IPv4 is the other socket's, and an IPv4-mapped address is never joined.
    socket = dgram.createSocket({ type: "udp6", reuseAddr: true, ipv6Only: true });
  } catch {
    return null;
  }
  socket.on("message", (message: Uint8Array, remote: dgram.RemoteInfo) => {
    if (remote.family === "IPv6") onMessage(message, remote);
  });
  const bound = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false));
    try {
      socket.bind({ port, address }, () => resolve(true));
    } catch {
      resolve(false);
    }
  });
  socket.on("error", () => {});
  if (!bound) {
    await closeSocket(socket);
    return null;
  }
  return socket;
}

/**
 * Listens on `port` for datagrams to `group` on each interface with IPv6 (never throws; none
 * when there is no IPv6). A datagram from a link-local address can only be joined back through
 * the interface it came in by, which a socket does not say: so one socket per interface, bound
 * to the group on that interface, hears only what comes in by it. Where a socket cannot be
 * bound to a group (Windows), one socket bound to every address hears them all, and the zone
 * is known only when there is one interface.
 */
async function listenIpv6(
  port: number,
  group: string,
  interfaces: InterfaceAddress[],
  hear: (message: Uint8Array, address: string, zone: string | null) => void,
): Promise<dgram.Socket[]> {
  const names = [
    ...new Set(
      interfaces.filter((i) => {
        if (i.family !== "IPv6") return false;
        const groups = ipv6Groups(i.address);
        return groups !== null && !(groups.slice(0, 7).every((g) => g === 0) && groups[7]! <= 1);
      }).map((i) => i.name),
    ),
  ];
  if (names.length === 0) return [];
  const join = (socket: dgram.Socket, name: string): boolean => {
    try {
      socket.addMembership(group, `::%${name}`);
      return true;
    } catch {
      return false;
    }
  };
  const each = await Promise.all(
    names.map((name) =>
      bindIpv6(port, `${group}%${name}`, (message, remote) => hear(message, remote.address, name))
    ),
  );
  const sockets = each.filter((s): s is dgram.Socket => s !== null);
  if (sockets.length === names.length) {
    sockets.forEach((socket, i) => join(socket, names[i]!));
    return sockets;
  }
  await Promise.all(sockets.map(closeSocket));
  const zone = names.length === 1 ? names[0]! : null;
  const all = await bindIpv6(port, "::", (message, remote) => hear(message, remote.address, zone));
  if (all === null) return [];
  let joined = 0;
  for (const name of names) if (join(all, name)) joined++;
  if (joined === 0) {
    await closeSocket(all);
    return [];
  }
  return [all];
}

/** Joins `group` on every IPv4 interface (or the system's default one if that fails). */
function joinGroup(socket: dgram.Socket, group: string, interfaces: InterfaceAddress[]): void {
  let joined = 0;
  // None when they may not be listed: the default interface only.
  const seen = new Set<string>();
  for (const i of interfaces) {
    if (i.family !== "IPv4" || seen.has(i.address)) continue;
    seen.add(i.address);
    try {
      socket.addMembership(group, i.address);
      joined++;
    } catch {
      // No multicast on this interface: broadcasts still arrive.
    }
  }
  if (joined === 0) {
    try {
      socket.addMembership(group);
    } catch {
      // No multicast at all: broadcasts still arrive.
    }
  }
}

/** Listens for `waitMs` and returns the rooms heard, newest first. */
export async function listenForRooms(
  waitMs: number,
  options: ListenerOptions = {},
): Promise<HeardRoom[]> {
  const listener = await RoomListener.start(options);
  try {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return listener.rooms();
  } finally {
    await listener.close();
  }
}

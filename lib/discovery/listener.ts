/**
 * The finder's side of LAN discovery: listen for hosts' announcements for a while and keep one
 * entry per room heard, the address taken from where the datagram came from.
 *
 * @module
 */
import { describeError, equalBytes, networkInterfaces } from "../util/mod.ts";
import dgram from "node:dgram";
import { fingerprint } from "../identity/mod.ts";
import {
  type Announcement,
  decodeAnnouncement,
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  MAX_ANNOUNCEMENT_BYTES,
} from "./announcement.ts";

/** A room heard on the local network. */
export interface HeardRoom {
  /** The room's name (checked: no control or invisible characters, bounded length). */
  name: string;
  /** The host's name. */
  host: string;
  /** Where the announcement came from: the address to join. */
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

/**
 * The rooms heard so far: one per address and port (repeats merged, the latest name and key
 * kept), a room that announced "closed" taken off. Pure.
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
    return [...this.#rooms.values()].sort((a, b) =>
      b.lastHeard - a.lastHeard || b.firstHeard - a.firstHeard ||
      a.address.localeCompare(b.address) || a.port - b.port
    );
  }
}

/** Options of a listener. */
export interface ListenerOptions {
  /** The UDP port to listen on. Default: {@link DISCOVERY_PORT}; 0 picks a free one. */
  port?: number;
  /** The local address to listen on. Default: every one (`0.0.0.0`). */
  bind?: string;
  /** The multicast group to join on each IPv4 interface; `null`: none. */
  group?: string | null;
  /** Most rooms kept. */
  maxRooms?: number;
}

/** Listens for announcements until closed. */
export class RoomListener {
  readonly #socket: dgram.Socket;
  readonly #book: RoomBook;
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
    const group = options.group === undefined ? DISCOVERY_GROUP : options.group;
    if (group !== null) joinGroup(socket, group);
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
    this.#closed ??= new Promise<void>((resolve) => {
      try {
        this.#socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
    return this.#closed;
  }
}

/** Joins `group` on every IPv4 interface (or the system's default one if that fails). */
function joinGroup(socket: dgram.Socket, group: string): void {
  let joined = 0;
  // None when they may not be listed: the default interface only.
  const interfaces = networkInterfaces();
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

/**
 * The host's side of LAN discovery: while the room is open, say so on every local IPv4 network
 * once at once and then every second (to the multicast group and to the network's broadcast
 * address), and say "closed" once at the end.
 *
 * @module
 */
import dgram from "node:dgram";
import {
  type Announcement,
  DISCOVERY_GROUP,
  DISCOVERY_PORT,
  encodeAnnouncement,
} from "./announcement.ts";
import { type InterfaceAddress, networkInterfaces } from "../util/mod.ts";

/** Where to send an announcement to. */
export interface Destination {
  address: string;
  port: number;
}

/** The announcements that leave by one local address. */
export interface Route {
  /** The local IPv4 address to send from (it picks the network, and finders see it). */
  local: string;
  destinations: Destination[];
}

/** One local interface address. */
export type LocalInterface = InterfaceAddress;

/** Options of an announcer. */
export interface AnnouncerOptions {
  /** The room's name. */
  room: string;
  /** The host's name in the room. */
  host: string;
  /** The room's TCP port. */
  port: number;
  /** The host's identity public key. */
  publicKey: Uint8Array;
  /** The address the room listens on: only its network is told. Default: every network. */
  bind?: string;
  /** Time between announcements. Default: 1000 ms. */
  intervalMs?: number;
  /** Where announcements go (asked before each one). Default: {@link localRoutes}. */
  routes?: () => Route[];
}

/** Default time between announcements. */
export const ANNOUNCE_INTERVAL_MS = 1000;
/** How long the final "closed" announcement may take before the sockets are closed anyway. */
const CLOSING_SEND_MS = 500;

function ipv4ToNumber(address: string): number | null {
  const parts = address.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

function numberToIpv4(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** The broadcast address of an IPv4 network, or `null` for a point-to-point or odd one. */
export function broadcastAddress(address: string, netmask: string): string | null {
  const a = ipv4ToNumber(address), m = ipv4ToNumber(netmask);
  if (a === null || m === null) return null;
  const host = 0xffffffff - m;
  // /31 and /32 have no broadcast address; a mask that is not contiguous is not a netmask.
  if (host < 3 || ((host + 1) & host) !== 0) return null;
  return numberToIpv4((a - (a % (host + 1))) + host);
}

function isLoopbackV4(address: string): boolean {
  return address.startsWith("127.");
}

/**
 * Where to announce: every IPv4 interface address except loopback ones, or only the one the
 * room is bound to (none when it is bound to a loopback or an IPv6 address). Each gets the
 * multicast group and, when it has one, its network's broadcast address.
 */
export function localRoutes(
  interfaces: LocalInterface[],
  bind?: string,
  port: number = DISCOVERY_PORT,
  group: string = DISCOVERY_GROUP,
): Route[] {
  const anyAddress = bind === undefined || bind === "0.0.0.0" || bind === "::";
  const seen = new Set<string>();
  const routes: Route[] = [];
  for (const i of interfaces) {
    if (i.family !== "IPv4" || isLoopbackV4(i.address) || seen.has(i.address)) continue;
    if (!anyAddress && i.address !== bind) continue;
    seen.add(i.address);
    const destinations: Destination[] = [{ address: group, port }];
    const broadcast = broadcastAddress(i.address, i.netmask);
    if (broadcast) destinations.push({ address: broadcast, port });
    routes.push({ local: i.address, destinations });
  }
  return routes;
}

/** A socket bound to one local address, for sending. */
class Sender {
  readonly #socket: dgram.Socket;
  readonly #ready: Promise<boolean>;
  #closed: Promise<void> | null = null;

  constructor(local: string) {
    const socket = dgram.createSocket({ type: "udp4" });
    this.#socket = socket;
    this.#ready = new Promise((resolve) => {
      // An interface that went away, or an address that cannot be bound: this route is mute.
      socket.once("error", () => resolve(false));
      socket.bind({ port: 0, address: local, exclusive: true }, () => {
        try {
          socket.setBroadcast(true);
          socket.setMulticastTTL(1);
          socket.setMulticastLoopback(true);
          socket.setMulticastInterface(local);
        } catch {
          // Broadcast or multicast refused here: what can be sent still is.
        }
        resolve(true);
      });
    });
    socket.on("error", () => {});
  }

  /** Sends to every destination; failures (no route, network gone) are ignored. */
  async send(bytes: Uint8Array, destinations: Destination[]): Promise<void> {
    if (!(await this.#ready) || this.#closed) return;
    await Promise.all(destinations.map((d) =>
      new Promise<void>((resolve) => {
        try {
          this.#socket.send(bytes, d.port, d.address, () => resolve());
        } catch {
          resolve();
        }
      })
    ));
  }

  close(): Promise<void> {
    this.#closed ??= this.#ready.then(() =>
      new Promise<void>((resolve) => {
        try {
          this.#socket.close(() => resolve());
        } catch {
          resolve();
        }
      })
    );
    return this.#closed;
  }
}

/** Announces a room until stopped. */
export class Announcer {
  readonly #open: Uint8Array;
  readonly #closed: Uint8Array;
  readonly #routes: () => Route[];
  readonly #senders = new Map<string, Sender>();
  readonly #timer: ReturnType<typeof setInterval>;
  #tick: Promise<void> = Promise.resolve();
  #busy = false;
  #stopped: Promise<void> | null = null;

  private constructor(options: AnnouncerOptions) {
    const fields: Omit<Announcement, "state"> = {
      room: options.room,
      host: options.host,
      port: options.port,
      publicKey: options.publicKey,
    };
    this.#open = encodeAnnouncement({ state: "open", ...fields });
    this.#closed = encodeAnnouncement({ state: "closed", ...fields });
    this.#routes = options.routes ?? (() => localRoutes(networkInterfaces(), options.bind));
    this.#timer = setInterval(() => this.#announce(), options.intervalMs ?? ANNOUNCE_INTERVAL_MS);
    this.#announce();
  }

  /**
   * Starts announcing: once now, then every `intervalMs`. Throws `RangeError` when the room
   * name, host name, port or key cannot be announced.
   */
  static start(options: AnnouncerOptions): Announcer {
    return new Announcer(options);
  }

  /** The datagram announced while open (for tests and diagnostics). */
  get datagram(): Uint8Array {
    return this.#open;
  }

  #announce(): void {
    // A slow round is not stacked on: the next tick skips.
    if (this.#busy || this.#stopped) return;
    this.#busy = true;
    this.#tick = this.#sendAll(this.#open).finally(() => this.#busy = false);
  }

  /** Sends `bytes` on every current route, opening and closing sockets as networks come and go. */
  async #sendAll(bytes: Uint8Array): Promise<void> {
    let routes: Route[];
    try {
      routes = this.#routes();
    } catch {
      routes = [];
    }
    const wanted = new Set(routes.map((r) => r.local));
    const gone = [...this.#senders].filter(([local]) => !wanted.has(local));
    for (const [local] of gone) this.#senders.delete(local);
    const sends: Promise<void>[] = gone.map(([, sender]) => sender.close());
    for (const route of routes) {
      let sender = this.#senders.get(route.local);
      if (!sender) this.#senders.set(route.local, sender = new Sender(route.local));
      sends.push(sender.send(bytes, route.destinations));
    }
    await Promise.all(sends);
  }

  /**
   * Stops: announces "closed" once (waiting at most half a second for it to leave), then
   * closes every socket. Idempotent.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      clearInterval(this.#timer);
      await this.#tick;
      let timer: ReturnType<typeof setTimeout> | undefined;
      const late = new Promise<void>((resolve) => timer = setTimeout(resolve, CLOSING_SEND_MS));
      await Promise.race([this.#sendAll(this.#closed), late]);
      clearTimeout(timer);
      const senders = [...this.#senders.values()];
      this.#senders.clear();
      await Promise.all(senders.map((s) => s.close()));
    })();
    return this.#stopped;
  }
}

/**
 * Whether a room bound to `bind` can be announced: not when it listens on a loopback or a
 * single IPv6 address (announcements are IPv4, and nobody else could join).
 */
export function canAnnounce(bind?: string): boolean {
  if (bind === undefined || bind === "0.0.0.0" || bind === "::") return true;
  return ipv4ToNumber(bind) !== null && !isLoopbackV4(bind);
}

/**
 * The host's side of LAN discovery: while the room is open, say so on every local network
 * once at once and then every second (on IPv4 to the multicast group and to the network's
 * broadcast address, on IPv6 to the link-local multicast group out of each interface), and say
 * "closed" once at the end.
 *
 * @module
 */
import dgram from "node:dgram";
import {
  type Announcement,
  DISCOVERY_GROUP,
  DISCOVERY_GROUP_IPV6,
  DISCOVERY_PORT,
  encodeAnnouncement,
} from "./announcement.ts";
import { type InterfaceAddress, ipv6Groups, networkInterfaces } from "../util/mod.ts";

/** Where to send an announcement to. */
export interface Destination {
  address: string;
  port: number;
}

/** The announcements that leave by one local address. */
export interface Route {
  /**
   * The local address to send from (it picks the network, and finders see it): IPv4, or IPv6
   * (a link-local one with its zone, `fe80::1%eth0`).
   */
  local: string;
  /** IPv6: the interface multicast leaves by (the destinations name it as their zone too). */
  interface?: string;
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

/** Whether IPv6 `groups` is an address a host can be reached at over a LAN. */
function isUnicastV6(groups: number[]): boolean {
  const zeros = groups.slice(0, 5).every((g) => g === 0);
  if (zeros && (groups[5] === 0 || groups[5] === 0xffff)) {
    // ::, ::1, IPv4-compatible and IPv4-mapped: not an IPv6 host's own address.
    return false;
  }
  return (groups[0]! & 0xff00) !== 0xff00; // multicast
}

/** Whether IPv6 `groups` is a link-local unicast address (`fe80::/10`). */
function isLinkLocalV6(groups: number[]): boolean {
  return (groups[0]! & 0xffc0) === 0xfe80;
}

function sameGroups(a: number[], b: number[]): boolean {
  return a.every((g, i) => g === b[i]);
}

/**
 * Where to announce over IPv6: out of every interface that has a unicast IPv6 address, to
 * `group` on that interface, sent from the interface's first routable (global or unique local)
 * address, or else from its link-local one with its zone. Finders join at the address they
 * hear from, so a routable one is what they should hear. With `bind` an IPv6 address: only
 * from that address, out of its interface.
 */
function ipv6Routes(
  interfaces: LocalInterface[],
  bind: string | undefined,
  port: number,
  group: string,
): Route[] {
  const anyAddress = bind === undefined || bind === "::";
  const bound = anyAddress ? null : ipv6Groups(bind);
  if (!anyAddress && bound === null) return [];
  const boundZone = bind?.includes("%") ? bind.slice(bind.indexOf("%") + 1) : null;
  const byInterface = new Map<string, { routable?: string; linkLocal?: string }>();
  for (const i of interfaces) {
    if (i.family !== "IPv6") continue;
    const address = i.address.split("%")[0]!;
    const groups = ipv6Groups(address);
    if (groups === null || !isUnicastV6(groups)) continue;
    if (bound !== null && (!sameGroups(groups, bound) || (boundZone ?? i.name) !== i.name)) {
      continue;
    }
    const found = byInterface.get(i.name) ?? {};
    if (isLinkLocalV6(groups)) found.linkLocal ??= address;
    else found.routable ??= address;
    byInterface.set(i.name, found);
  }
  const seen = new Set<string>();
  const routes: Route[] = [];
  for (const [name, { routable, linkLocal }] of byInterface) {
    const local = routable ?? `${linkLocal}%${name}`;
    if (seen.has(local)) continue;
    seen.add(local);
    routes.push({ local, interface: name, destinations: [{ address: `${group}%${name}`, port }] });
  }
  return routes;
}

/**
 * Where to announce: every IPv4 interface address except loopback ones, then every interface
 * with IPv6 (see {@link ipv6Routes}); or only the network of the address the room is bound to:
 * none when it is bound to a loopback address, IPv4 only when bound to `0.0.0.0` or another
 * IPv4 address, that address's alone when bound to an IPv6 one. Each IPv4 address gets the
 * multicast group and, when it has one, its network's broadcast address.
 */
export function localRoutes(
  interfaces: LocalInterface[],
  bind?: string,
  port: number = DISCOVERY_PORT,
  group: string = DISCOVERY_GROUP,
  groupIpv6: string = DISCOVERY_GROUP_IPV6,
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
  // A room bound to 0.0.0.0 or an IPv4 address cannot be joined over IPv6.
  if (bind === undefined || (bind.includes(":") && canAnnounce(bind))) {
    routes.push(...ipv6Routes(interfaces, bind, port, groupIpv6));
  }
  return routes;
}

/** A socket bound to one local address, for sending. */
class Sender {
  readonly #socket: dgram.Socket;
  readonly #ready: Promise<boolean>;
  #closed: Promise<void> | null = null;
  #mute = false;

  constructor(route: Route) {
    const { local } = route;
    const ipv6 = local.includes(":");
    const socket = dgram.createSocket({ type: ipv6 ? "udp6" : "udp4" });
    this.#socket = socket;
    this.#ready = new Promise((resolve) => {
      // An interface that went away, or an address that cannot be bound (yet: a new IPv6
      // address is unusable until the network agrees it is unique): this sender is mute, and
      // the next announcement tries a new one.
      socket.once("error", () => {
        this.#mute = true;
        resolve(false);
      });
      socket.bind({ port: 0, address: local, exclusive: true }, () => {
        try {
          if (!ipv6) socket.setBroadcast(true);
          socket.setMulticastTTL(1);
          socket.setMulticastLoopback(true);
          if (!ipv6) socket.setMulticastInterface(local);
          else if (route.interface) socket.setMulticastInterface(`::%${route.interface}`);
        } catch {
          // Broadcast or multicast refused here: what can be sent still is.
        }
        resolve(true);
      });
    });
    socket.on("error", () => {});
  }

  /** Whether its socket could not be bound: nothing is sent through it. */
  get mute(): boolean {
    return this.#mute;
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
      if (sender?.mute) sends.push(sender.close());
      if (!sender || sender.mute) this.#senders.set(route.local, sender = new Sender(route));
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
 * Whether a room bound to `bind` can be announced: not when it listens on a loopback address
 * (nobody else could join), nor on anything but an IPv4 or IPv6 unicast address.
 */
export function canAnnounce(bind?: string): boolean {
  if (bind === undefined || bind === "0.0.0.0" || bind === "::") return true;
  if (ipv4ToNumber(bind) !== null) return !isLoopbackV4(bind);
  const groups = ipv6Groups(bind);
  return groups !== null && isUnicastV6(groups);
}

/**
 * This computer's view of its IPv6 network: the routers its default routes go through (the
 * ones to ask for a pinhole) and its own global addresses (the ones a pinhole can open).
 * IPv6 has no NAT at home: a computer's global address is reachable from anywhere once the
 * router's firewall lets a connection in.
 *
 * @module
 */
import { canonicalIpv6, formatIpv6, ipv6Groups, networkInterfaces } from "../util/mod.ts";

/** A default route's next hop. */
export interface Router6 {
  /** Its address (canonical text; link-local ones are only reachable with `interface`). */
  address: string;
  /** The interface the route leaves by, e.g. "eth0". */
  interface: string;
}

/** One of this computer's global IPv6 addresses. */
export interface Global6 {
  address: string;
  interface: string;
  /** A privacy address that changes every day or so (RFC 8981): a worse one to give out. */
  temporary: boolean;
}

function fromHex32(hex: string): string | null {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const groups: number[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(parseInt(hex.slice(i, i + 4), 16));
  return formatIpv6(groups);
}

/** Whether `address` is a global unicast IPv6 address (2000::/3). */
export function isGlobalV6(address: string): boolean {
  const groups = ipv6Groups(address);
  return groups !== null && (groups[0]! & 0xe000) === 0x2000;
}

/** Whether `address` is an IPv6 link-local address (fe80::/10). */
export function isLinkLocalV6(address: string): boolean {
  const groups = ipv6Groups(address);
  return groups !== null && (groups[0]! & 0xffc0) === 0xfe80;
}

/** The default routes' next hops, from the text of Linux's `/proc/net/ipv6_route`. */
export function routersFromProcIpv6Route(text: string): Router6[] {
  const out: Router6[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 10 || f[1] !== "00" || !/^0{32}$/.test(f[0]!)) continue;
    const hop = fromHex32(f[4]!);
    if (!hop || hop === "::" || f[9] === "lo") continue;
    if (!out.some((r) => r.address === hop && r.interface === f[9])) {
      out.push({ address: hop, interface: f[9]! });
    }
  }
  return out;
}

/**
 * Global addresses from the text of Linux's `/proc/net/if_inet6` (address, index, prefix,
 * scope, flags, name): tentative, deprecated and failed ones are left out.
 */
export function globalsFromProcIfInet6(text: string): Global6[] {
  const out: Global6[] = [];
  for (const line of text.split("\n")) {
    const f = line.trim().split(/\s+/);
    if (f.length < 6) continue;
    const address = fromHex32(f[0]!);
    const flags = parseInt(f[4]!, 16);
    if (!address || !isGlobalV6(address) || Number.isNaN(flags)) continue;
    // IFA_F_DADFAILED 0x08, IFA_F_DEPRECATED 0x20, IFA_F_TENTATIVE 0x40.
    if ((flags & 0x68) !== 0) continue;
    out.push({ address, interface: f[5]!, temporary: (flags & 0x01) !== 0 });
  }
  return out;
}

/**
 * Likely routers when the routing table cannot be read: the first address of each global
 * address's /64, where home routers usually sit (as `guessedGateways` does for IPv4).
 */
export function guessedRouters(globals: readonly Global6[]): Router6[] {
  const out: Router6[] = [];
  for (const g of globals) {
    const groups = ipv6Groups(g.address);
    if (!groups) continue;
    const first = formatIpv6([...groups.slice(0, 4), 0, 0, 0, 1]);
    if (first === g.address || out.some((r) => r.address === first)) continue;
    out.push({ address: first, interface: g.interface });
  }
  return out;
}

/**
 * The routers of this computer's default IPv6 routes: from the routing table when it can be
 * read (Deno reads /proc only with every permission), else the likely ones.
 */
export async function ipv6Routers(globals?: readonly Global6[]): Promise<Router6[]> {
  try {
    const routes = routersFromProcIpv6Route(await Deno.readTextFile("/proc/net/ipv6_route"));
    if (routes.length > 0) return routes;
  } catch {
    // Not Linux, or not allowed to read it.
  }
  return guessedRouters(globals ?? await globalV6());
}

/** This computer's global IPv6 addresses, lasting ones first. */
export async function globalV6(): Promise<Global6[]> {
  let list: Global6[];
  try {
    list = globalsFromProcIfInet6(await Deno.readTextFile("/proc/net/if_inet6"));
  } catch {
    // Not Linux: the system's list, which does not tell privacy addresses apart.
    list = networkInterfaces()
      .filter((i) => i.family === "IPv6" && isGlobalV6(i.address))
      .map((i) => ({ address: canonicalIpv6(i.address)!, interface: i.name, temporary: false }));
  }
  return list.sort((a, b) => Number(a.temporary) - Number(b.temporary));
}

/**
 * The address this computer speaks from to `host`:`port` over TCP (the one a router in secure
 * mode lets a client open a pinhole for), found by connecting; `null` when it cannot connect.
 */
export async function sourceTowards(
  host: string,
  port: number,
  timeoutMs = 1500,
): Promise<string | null> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const conn = await Deno.connect({ hostname: host, port, signal: controller.signal });
    const local = (conn.localAddr as Deno.NetAddr).hostname;
    conn.close();
    return canonicalIpv6(local);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}

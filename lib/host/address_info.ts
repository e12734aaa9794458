/**
 * What can be said about an address without asking anyone: its reverse name (a DNS lookup
 * with a short deadline, never waited on for long) and its country and network owner from an
 * offline IP database, when there is one.
 *
 * @module
 */
import { addressKey } from "./address_key.ts";
import { ipv6Groups } from "../util/mod.ts";
import type { IpDatabase } from "../ipdb/mod.ts";

/** Facts about an address. */
export interface AddressInfo {
  /** The reverse DNS name. */
  reverse?: string;
  /** ISO 3166 country code. */
  country?: string;
  /** Autonomous system number of the network. */
  asn?: number;
  /** Who owns that network. */
  asName?: string;
}

/** Options of `addressDescriber`. */
export interface DescriberOptions {
  /** Look up reverse names. Default: true. */
  reverse?: boolean;
  /** The offline database, if any. */
  ipdb?: IpDatabase | null;
  /** How long to wait for a reverse name, in ms. Default: 1500. */
  timeoutMs?: number;
  /** Addresses remembered, the least recently asked forgotten first. Default: 256. */
  maxEntries?: number;
  /**
   * Addresses of one network (an IPv4 address, an IPv6 /64) whose reverse names are looked
   * up; the others there are described without one. Default: 4.
   */
  namesPerNetwork?: number;
  /** Reverse lookups at once; more are described without a name. Default: 8. */
  maxLookups?: number;
  /** Looks up PTR names (default: `Deno.resolveDns`). */
  resolve?: (name: string, signal: AbortSignal) => Promise<string[]>;
}

/** The `in-addr.arpa` / `ip6.arpa` name of an address, or `null`. */
export function reverseName(address: string): string | null {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (v4) return `${v4[4]}.${v4[3]}.${v4[2]}.${v4[1]}.in-addr.arpa`;
  const groups = ipv6Groups(address);
  if (!groups) return null;
  const nibbles = groups.map((g) => g.toString(16).padStart(4, "0")).join("").split("");
  return `${nibbles.reverse().join(".")}.ip6.arpa`;
}

function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1";
}

/**
 * A cached describer: each address is looked up once (while it is remembered); a lookup never
 * takes longer than its deadline. Bounded whatever arrives: so many addresses remembered, so
 * many reverse names per network (per /64), so many lookups at once.
 */
export function addressDescriber(
  options: DescriberOptions = {},
): (address: string) => Promise<AddressInfo> {
  const cache = new Map<string, Promise<AddressInfo>>();
  /** Reverse names looked up per network, for as many networks as addresses remembered. */
  const named = new Map<string, number>();
  const timeoutMs = options.timeoutMs ?? 1500;
  const maxEntries = options.maxEntries ?? 256;
  const perNetwork = options.namesPerNetwork ?? 4;
  const maxLookups = options.maxLookups ?? 8;
  const resolve = options.resolve ??
    ((name: string, signal: AbortSignal) => Deno.resolveDns(name, "PTR", { signal }));
  let lookups = 0;
  const lookup = async (name: string): Promise<string[]> => {
    lookups++;
    try {
      return await withDeadline(resolve, name, timeoutMs);
    } finally {
      lookups--;
    }
  };
  return (address) => {
    let info = cache.get(address);
    if (info) {
      // Most recently asked last.
      cache.delete(address);
      cache.set(address, info);
      return info;
    }
    const network = addressKey(address);
    const count = named.get(network) ?? 0;
    const reverse = (options.reverse ?? true) && count < perNetwork && lookups < maxLookups;
    named.delete(network);
    named.set(network, reverse ? count + 1 : count);
    info = describe(address, reverse ? lookup : null, options.ipdb ?? null);
    cache.set(address, info);
    while (cache.size > maxEntries) cache.delete(cache.keys().next().value!);
    while (named.size > maxEntries) named.delete(named.keys().next().value!);
    return info;
  };
}

async function withDeadline(
  resolve: (name: string, signal: AbortSignal) => Promise<string[]>,
  name: string,
  timeoutMs: number,
): Promise<string[]> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error("no answer in time"));
    }, timeoutMs);
  });
  try {
    return await Promise.race([resolve(name, controller.signal), late]);
  } finally {
    clearTimeout(timer);
  }
}

async function describe(
  address: string,
  lookup: ((name: string) => Promise<string[]>) | null,
  ipdb: IpDatabase | null,
): Promise<AddressInfo> {
  const info: AddressInfo = {};
  try {
    Object.assign(info, ipdb?.lookup(address) ?? {});
  } catch {
    // A database that cannot answer says nothing.
  }
  if (isLoopback(address)) return { ...info, reverse: "localhost" };
  const name = lookup ? reverseName(address) : null;
  if (!name || !lookup) return info;
  try {
    const names = await lookup(name);
    if (names[0]) info.reverse = names[0].replace(/\.$/, "");
  } catch {
    // No answer in time, or no name: say nothing.
  }
  return info;
}

/** `host.example.net, DE, AS3320 Deutsche Telekom`, or `""` when nothing is known. */
export function formatAddressInfo(info: AddressInfo): string {
  const parts: string[] = [];
  if (info.reverse) parts.push(info.reverse);
  if (info.country) parts.push(info.country);
  if (info.asn !== undefined) parts.push(`AS${info.asn}${info.asName ? ` ${info.asName}` : ""}`);
  return parts.join(", ");
}

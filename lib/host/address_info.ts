/**
 * What can be said about an address without asking anyone: its reverse name (a DNS lookup
 * with a short deadline, never waited on for long) and its country and network owner from an
 * offline IP database, when there is one.
 *
 * @module
 */
import { ipv6Groups } from "./address_key.ts";

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

/** An offline IP database. */
export interface IpDatabase {
  lookup(address: string): { country?: string; asn?: number; asName?: string };
}

/** Options of `addressDescriber`. */
export interface DescriberOptions {
  /** Look up reverse names. Default: true. */
  reverse?: boolean;
  /** The offline database, if any. */
  ipdb?: IpDatabase | null;
  /** How long to wait for a reverse name, in ms. Default: 1500. */
  timeoutMs?: number;
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

/** A cached describer: each address is looked up once; a lookup never takes longer than its deadline. */
export function addressDescriber(
  options: DescriberOptions = {},
): (address: string) => Promise<AddressInfo> {
  const cache = new Map<string, Promise<AddressInfo>>();
  const timeoutMs = options.timeoutMs ?? 1500;
  return (address) => {
    let info = cache.get(address);
    if (!info) {
      info = describe(address, options.reverse ?? true, options.ipdb ?? null, timeoutMs);
      cache.set(address, info);
    }
    return info;
  };
}

async function describe(
  address: string,
  reverse: boolean,
  ipdb: IpDatabase | null,
  timeoutMs: number,
): Promise<AddressInfo> {
  const info: AddressInfo = {};
  try {
    Object.assign(info, ipdb?.lookup(address) ?? {});
  } catch {
    // A database that cannot answer says nothing.
  }
  if (isLoopback(address)) return { ...info, reverse: "localhost" };
  const name = reverse ? reverseName(address) : null;
  if (!name) return info;
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const names = await Deno.resolveDns(name, "PTR", { signal: controller.signal });
    if (names[0]) info.reverse = names[0].replace(/\.$/, "");
  } catch {
    // No answer in time, or no name: say nothing.
  } finally {
    clearTimeout(timer);
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

/**
 * This computer's view of its network: the default gateway (the router to ask) and the local
 * address on the router's network (the address the router forwards to).
 *
 * @module
 */
import { networkInterfaces } from "../util/mod.ts";

/** A local IPv4 address with its netmask. */
export interface LocalV4 {
  name: string;
  address: string;
  netmask: string;
}

function toNumber(address: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

function fromNumber(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
}

/** The default gateway from the text of Linux's `/proc/net/route`, or `null`. */
export function gatewayFromProcRoute(text: string): string | null {
  for (const line of text.split("\n").slice(1)) {
    const fields = line.trim().split(/\s+/);
    if (fields.length < 4 || fields[1] !== "00000000") continue;
    const hex = fields[2]!;
    if (!/^[0-9A-Fa-f]{8}$/.test(hex) || hex === "00000000") continue;
    // Little-endian hex of the address.
    const n = parseInt(hex, 16);
    return [n & 255, (n >>> 8) & 255, (n >>> 16) & 255, n >>> 24].join(".");
  }
  return null;
}

/** The local address on the same network as `peer` (e.g. the router), or `null`. */
export function localAddressFor(peer: string, locals: LocalV4[]): string | null {
  const target = toNumber(peer);
  if (target === null) return null;
  for (const local of locals) {
    const address = toNumber(local.address), mask = toNumber(local.netmask);
    if (address === null || mask === null || local.address.startsWith("127.")) continue;
    if (((address & mask) >>> 0) === ((target & mask) >>> 0)) return local.address;
  }
  return null;
}

/** Likely gateways when the routing table cannot be read: the first address of each network. */
export function guessedGateways(locals: LocalV4[]): string[] {
  const out: string[] = [];
  for (const local of locals) {
    const address = toNumber(local.address), mask = toNumber(local.netmask);
    if (address === null || mask === null || local.address.startsWith("127.")) continue;
    if (local.address.startsWith("169.254.")) continue;
    const first = fromNumber((((address & mask) >>> 0) + 1) >>> 0);
    if (first !== local.address && !out.includes(first)) out.push(first);
  }
  return out;
}

/** This computer's IPv4 addresses (needs `--allow-sys=networkInterfaces`). */
export function localV4(): LocalV4[] {
  return networkInterfaces()
    .filter((i) => i.family === "IPv4")
    .map((i) => ({ name: i.name, address: i.address, netmask: i.netmask }));
}

/** The routers to ask: the default gateway when the system tells it, else the likely ones. */
export async function findGateways(locals: LocalV4[] = localV4()): Promise<string[]> {
  try {
    const gateway = gatewayFromProcRoute(await Deno.readTextFile("/proc/net/route"));
    if (gateway) return [gateway];
  } catch {
    // Not Linux, or not allowed to read it.
  }
  return guessedGateways(locals);
}

/**
 * The unit attempts are counted and blocks are kept by: an IPv4 address, or an IPv6 /64
 * (what one home or one machine usually gets).
 *
 * @module
 */
import { normaliseAddress } from "../transport/tcp.ts";

/** Expands an IPv6 address to eight 16-bit groups, or `null` when it is not one. */
export function ipv6Groups(address: string): number[] | null {
  const zoneless = address.split("%")[0]!.toLowerCase();
  if (!/^[0-9a-f:.]+$/.test(zoneless) || !zoneless.includes(":")) return null;
  let text = zoneless;
  const v4 = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4.slice(1).map(Number) as [number, number, number, number];
    if ([a, b, c, d].some((n) => n > 255)) return null;
    text = text.slice(0, v4.index) +
      `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const part = (s: string) => (s === "" ? [] : s.split(":"));
  const head = part(halves[0]!), tail = halves.length === 2 ? part(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/**
 * The key an address is counted under: IPv4 as is (IPv4-mapped IPv6 included), IPv6 as its
 * /64 prefix written `xxxx:xxxx:xxxx:xxxx::/64`. Anything else is returned unchanged.
 */
export function addressKey(address: string): string {
  const plain = normaliseAddress(address.trim());
  if (/^\d+\.\d+\.\d+\.\d+$/.test(plain)) return plain;
  const groups = ipv6Groups(plain);
  if (!groups) return plain;
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [c, d] = [groups[6]!, groups[7]!];
    return `${c >> 8}.${c & 255}.${d >> 8}.${d & 255}`;
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(":")}::/64`;
}

/** Whether `address` is this computer's own (127.0.0.0/8, `::1`, or IPv4-mapped 127/8). */
export function isLoopback(address: string): boolean {
  const key = addressKey(address);
  if (/^127\.\d+\.\d+\.\d+$/.test(key)) return true;
  const groups = ipv6Groups(normaliseAddress(address.trim()));
  return groups !== null && groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
}

/**
 * The keys an address counts under as it fails, narrowest first: an IPv6 address under its
 * /64, then its /56 and its /48 (one household, one site, one customer); anything else under
 * its own key only.
 */
export function prefixKeys(address: string): string[] {
  const key = addressKey(address);
  if (!key.endsWith("::/64")) return [key];
  const groups = ipv6Groups(key.slice(0, -3))!;
  const hex = (gs: number[]) => gs.map((g) => g.toString(16)).join(":");
  return [
    key,
    `${hex([groups[0]!, groups[1]!, groups[2]!, groups[3]! & 0xff00])}::/56`,
    `${hex(groups.slice(0, 3))}::/48`,
  ];
}

/**
 * The unit attempts are counted and blocks are kept by: an IPv4 address, or an IPv6 /64
 * (what one home or one machine usually gets).
 *
 * @module
 */
import { normaliseAddress } from "../transport/mod.ts";
import { ipv6Groups } from "../util/mod.ts";

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

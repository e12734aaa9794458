/**
 * Reading IP addresses.
 *
 * @module
 */

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
  // "::" stands for at least one group of zeros.
  if ((halves.length === 1 && missing !== 0) || missing < halves.length - 1) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => parseInt(g, 16));
}

/** Writes eight 16-bit groups as RFC 5952 text: lower case, the longest run of zeros as `::`. */
export function formatIpv6(groups: readonly number[]): string {
  let best = -1, bestLength = 1;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength) [best, bestLength] = [i, j - i];
    i = j;
  }
  const text = (list: readonly number[]) => list.map((g) => g.toString(16)).join(":");
  if (best < 0) return text(groups);
  return `${text(groups.slice(0, best))}::${text(groups.slice(best + bestLength))}`;
}

/** The canonical text of an IPv6 address (zone dropped), or `null` when it is not one. */
export function canonicalIpv6(address: string): string | null {
  const groups = ipv6Groups(address);
  return groups ? formatIpv6(groups) : null;
}

/**
 * The network-owner table: address ranges to AS number and name, compiled from
 * ip-location-db's CSV into a compact binary file that is searched in place (no parsing at
 * start-up). IPv6 ranges are kept at /64 granularity.
 *
 * Layout (big-endian): "RTASN1\0\0", v4 count, v6 count, AS count (u32 each); v4 records
 * (start u32, end u32, AS index u32); v6 records (start u64, end u64 of the high 64 bits, AS
 * index u32); AS records (number u32, name offset u32, name length u32); then the names (UTF-8).
 *
 * @module
 */
import { ipv6Groups } from "../util/mod.ts";

const MAGIC = "RTASN1\0\0";
const HEADER = 8 + 12;
const V4_RECORD = 12;
const V6_RECORD = 20;
const AS_RECORD = 12;

/** Splits one CSV line (quotes with doubled quotes inside). */
export function csvFields(line: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let value = "";
      i++;
      while (i < line.length) {
        if (line[i] === '"' && line[i + 1] === '"') {
          value += '"';
          i += 2;
        } else if (line[i] === '"') {
          i++;
          break;
        } else value += line[i++];
      }
      out.push(value);
      i++; // the comma
    } else {
      const comma = line.indexOf(",", i);
      const end = comma === -1 ? line.length : comma;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}

function ipv4Number(address: string): number | null {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(address);
  if (!m) return null;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return ((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!;
}

function ipv6High(address: string): bigint | null {
  const groups = ipv6Groups(address);
  if (!groups) return null;
  return groups.slice(0, 4).reduce((n, g) => (n << 16n) | BigInt(g), 0n);
}

/** Compiles the IPv4 and IPv6 CSV texts into the binary table. */
export function compileAsnTable(ipv4Csv: string, ipv6Csv: string): Uint8Array {
  const asIndex = new Map<string, number>();
  const ases: { asn: number; name: string }[] = [];
  const indexOf = (asn: number, name: string) => {
    const key = `${asn}\u0000${name}`;
    let index = asIndex.get(key);
    if (index === undefined) {
      index = ases.length;
      ases.push({ asn, name });
      asIndex.set(key, index);
    }
    return index;
  };
  const v4: [number, number, number][] = [];
  for (const line of ipv4Csv.split("\n")) {
    const [start, end, asn, name = ""] = csvFields(line.trim());
    const s = ipv4Number(start ?? ""), e = ipv4Number(end ?? "");
    if (s === null || e === null || !/^\d+$/.test(asn ?? "")) continue;
    v4.push([s, e, indexOf(Number(asn), name)]);
  }
  const v6: [bigint, bigint, number][] = [];
  for (const line of ipv6Csv.split("\n")) {
    const [start, end, asn, name = ""] = csvFields(line.trim());
    const s = ipv6High(start ?? ""), e = ipv6High(end ?? "");
    if (s === null || e === null || !/^\d+$/.test(asn ?? "")) continue;
    v6.push([s, e, indexOf(Number(asn), name)]);
  }
  v4.sort((a, b) => a[0] - b[0]);
  v6.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const encoder = new TextEncoder();
  const names = ases.map((a) => encoder.encode(a.name));
  const namesLength = names.reduce((n, b) => n + b.length, 0);
  const size = HEADER + v4.length * V4_RECORD + v6.length * V6_RECORD + ases.length * AS_RECORD +
    namesLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(encoder.encode(MAGIC), 0);
  view.setUint32(8, v4.length);
  view.setUint32(12, v6.length);
  view.setUint32(16, ases.length);
  let offset = HEADER;
  for (const [s, e, i] of v4) {
    view.setUint32(offset, s);
    view.setUint32(offset + 4, e);
    view.setUint32(offset + 8, i);
    offset += V4_RECORD;
  }
  for (const [s, e, i] of v6) {
    view.setBigUint64(offset, s);
    view.setBigUint64(offset + 8, e);
    view.setUint32(offset + 16, i);
    offset += V6_RECORD;
  }
  let nameOffset = 0;
  ases.forEach((a, i) => {
    view.setUint32(offset, a.asn);
    view.setUint32(offset + 4, nameOffset);
    view.setUint32(offset + 8, names[i]!.length);
    offset += AS_RECORD;
    nameOffset += names[i]!.length;
  });
  for (const name of names) {
    out.set(name, offset);
    offset += name.length;
  }
  return out;
}

/** A compiled table, searched in place. */
export class AsnTable {
  readonly #bytes: Uint8Array;
  readonly #view: DataView;
  readonly #v4: number;
  readonly #v6: number;
  readonly #ases: number;
  readonly #v6At: number;
  readonly #asAt: number;
  readonly #namesAt: number;

  /** Opens a compiled table; throws `RangeError` when it is not one. */
  constructor(bytes: Uint8Array) {
    if (bytes.length < HEADER || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) {
      throw new RangeError("Not an rt AS table");
    }
    this.#bytes = bytes;
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.#v4 = this.#view.getUint32(8);
    this.#v6 = this.#view.getUint32(12);
    this.#ases = this.#view.getUint32(16);
    this.#v6At = HEADER + this.#v4 * V4_RECORD;
    this.#asAt = this.#v6At + this.#v6 * V6_RECORD;
    this.#namesAt = this.#asAt + this.#ases * AS_RECORD;
    if (this.#namesAt > bytes.length) throw new RangeError("Truncated AS table");
  }

  /** Ranges in the table. */
  get size(): number {
    return this.#v4 + this.#v6;
  }

  /** The network owner of an address, if the table knows it. */
  lookup(address: string): { asn: number; asName: string } | null {
    const v4 = ipv4Number(address);
    if (v4 !== null) {
      const i = this.#search(this.#v4, (k) => this.#view.getUint32(HEADER + k * V4_RECORD), v4);
      if (i < 0) return null;
      const at = HEADER + i * V4_RECORD;
      return v4 <= this.#view.getUint32(at + 4) ? this.#as(this.#view.getUint32(at + 8)) : null;
    }
    const v6 = ipv6High(address);
    if (v6 === null) return null;
    const i = this.#search(
      this.#v6,
      (k) => this.#view.getBigUint64(this.#v6At + k * V6_RECORD),
      v6,
    );
    if (i < 0) return null;
    const at = this.#v6At + i * V6_RECORD;
    return v6 <= this.#view.getBigUint64(at + 8) ? this.#as(this.#view.getUint32(at + 16)) : null;
  }

  /** Index of the last record whose start is at most `value`, or -1. */
  #search<T extends number | bigint>(count: number, startOf: (i: number) => T, value: T): number {
    let low = 0, high = count - 1, found = -1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (startOf(mid) <= value) {
        found = mid;
        low = mid + 1;
      } else high = mid - 1;
    }
    return found;
  }

  #as(index: number): { asn: number; asName: string } | null {
    if (index >= this.#ases) return null;
    const at = this.#asAt + index * AS_RECORD;
    const start = this.#namesAt + this.#view.getUint32(at + 4);
    const name = this.#bytes.subarray(start, start + this.#view.getUint32(at + 8));
    return { asn: this.#view.getUint32(at), asName: new TextDecoder().decode(name) };
  }
}

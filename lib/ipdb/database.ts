/**
 * The offline IP database rt uses in host notices: country (ip-location-db's
 * geo-whois-asn-country, CC0) and network owner (ip-location-db's asn, from RouteViews and
 * DB-IP, CC BY 4.0), kept in rt's cache folder and read there. Nothing is looked up online.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { join } from "node:path";
import { Reader } from "mmdb-lib";
import { ipv6Groups } from "../util/mod.ts";
import { AsnTable } from "./asn_table.ts";

/** What the database knows of one address. */
export interface IpFacts {
  country?: string;
  asn?: number;
  asName?: string;
}

/** The offline database, as the host's notices use it. */
export interface IpDatabase {
  lookup(address: string): IpFacts;
}

/** File names inside the database folder. */
export const COUNTRY_FILE = "country.mmdb";
export const ASN_FILE = "asn.bin";
export const SOURCE_FILE = "source.json";

/** Private, loopback, link-local and other addresses no database knows anything true about. */
export function isSpecialAddress(address: string): boolean {
  const v4 = /^(\d+)\.(\d+)\.\d+\.\d+$/.exec(address);
  if (v4) {
    const [a, b] = [Number(v4[1]), Number(v4[2])];
    return a === 10 || a === 127 || a === 0 || a >= 224 || (a === 169 && b === 254) ||
      (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) ||
      (a === 100 && b >= 64 && b <= 127);
  }
  const groups = ipv6Groups(address);
  if (!groups) return true;
  const first = groups[0]!;
  return groups.every((g, i) => (i < 7 ? g === 0 : g <= 1)) || (first & 0xfe00) === 0xfc00 ||
    (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00;
}

/** The database in `folder`, or `null` when it has not been downloaded (or cannot be read). */
export async function openIpDatabase(folder: string): Promise<IpDatabase | null> {
  let country: { get(address: string): unknown } | null = null;
  let asn: AsnTable | null = null;
  try {
    country = new Reader(Buffer.from(await Deno.readFile(join(folder, COUNTRY_FILE))));
  } catch {
    // Not there, or damaged: no countries.
  }
  try {
    asn = new AsnTable(await Deno.readFile(join(folder, ASN_FILE)));
  } catch {
    // Not there, or damaged: no network owners.
  }
  if (!country && !asn) return null;
  return {
    lookup(address) {
      if (isSpecialAddress(address)) return {};
      const found: IpFacts = {};
      const record = country?.get(address) as { country_code?: unknown } | null | undefined;
      const code = record?.country_code;
      if (typeof code === "string" && /^[A-Z]{2}$/.test(code)) found.country = code;
      const owner = asn?.lookup(address);
      if (owner) {
        found.asn = owner.asn;
        found.asName = owner.asName;
      }
      return found;
    },
  };
}

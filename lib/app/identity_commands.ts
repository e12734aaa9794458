/**
 * `rt id` and `rt peers`: the user's own fingerprint, and the people rt has met.
 *
 * @module
 */
import { fromHex } from "../util/mod.ts";
import { fingerprint, type Identity } from "../identity/mod.ts";
import type { PeerBook, PeerRecord } from "../store/mod.ts";
import { sanitize } from "../tui/mod.ts";

/** `rt id`: what to show. */
export function identityReport(
  identity: Identity,
  file: string,
  created: boolean,
  json: boolean,
): string {
  const print = fingerprint(identity.publicKey);
  if (json) {
    return JSON.stringify({
      type: "identity",
      fingerprint: print,
      publicKey: [...identity.publicKey].map((b) => b.toString(16).padStart(2, "0")).join(""),
      file,
      created,
    });
  }
  return [
    "Your rt identity",
    `  fingerprint  ${print}`,
    `  key file     ${file}${created ? "  (created just now)" : ""}`,
    "Read the fingerprint aloud to someone who wants to check that it is really you.",
  ].join("\n");
}

function peerJson(record: PeerRecord) {
  return {
    names: record.names,
    fingerprint: fingerprint(fromHex(record.key)),
    publicKey: record.key,
    firstSeen: record.firstSeen,
    lastSeen: record.lastSeen,
    verified: record.verified,
  };
}

/** `rt peers`: the list. */
export function peersReport(book: PeerBook, json: boolean): string {
  const records = book.list();
  if (json) return JSON.stringify({ type: "peers", peers: records.map(peerJson) });
  if (records.length === 0) return "rt has not met anyone yet.";
  const lines = [`${records.length} ${records.length === 1 ? "person" : "people"} rt has met:`];
  for (const r of records) {
    const [latest, ...others] = [...r.names].reverse().map(sanitize);
    lines.push(
      `  ${latest!.padEnd(16)} ${(r.verified ? "verified" : "not verified").padEnd(13)} ` +
        `${fingerprint(fromHex(r.key))}  last seen ${r.lastSeen.slice(0, 16).replace("T", " ")}` +
        (others.length > 0 ? `  (also: ${others.join(", ")})` : ""),
    );
  }
  lines.push("Forget someone with: rt peers forget NAME (or their fingerprint)");
  return lines.join("\n");
}

/** `rt peers forget WHO`: forgets by name or fingerprint; returns what to show. */
export function forgetReport(
  book: PeerBook,
  who: string,
  json: boolean,
): { text: string; found: boolean } {
  const digits = who.replace(/\s+/g, "");
  const gone = book.forget(
    who,
    (r) => /^\d{30}$/.test(digits) && fingerprint(fromHex(r.key)).replace(/\s+/g, "") === digits,
  );
  if (json) {
    return {
      text: JSON.stringify({ type: "forgotten", peers: gone.map(peerJson) }),
      found: gone.length > 0,
    };
  }
  if (gone.length === 0) {
    return { text: `rt does not know anyone called "${sanitize(who)}"`, found: false };
  }
  return {
    text: gone.map((r) => `Forgot ${sanitize(r.names.at(-1)!)} (${fingerprint(fromHex(r.key))})`)
      .join("\n"),
    found: true,
  };
}

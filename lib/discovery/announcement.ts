/**
 * The datagram a host sends to tell the local network its room is open (or closed): small,
 * versioned JSON with nothing secret in it. Pure: values in, bytes out, and back again with
 * every field checked.
 *
 * @module
 */
import { z } from "zod";
import { MAX_NAME_CHARS } from "../codec/mod.ts";
import { fromHex, toHex } from "../util/mod.ts";
import { PUBLIC_KEY_BYTES } from "../identity/mod.ts";
import { checkName } from "../room/mod.ts";

/** Version of the announcement format; a finder ignores other versions. */
export const ANNOUNCEMENT_VERSION = 1;
/** The IPv4 multicast group announcements go to (organisation-local scope, RFC 2365). */
export const DISCOVERY_GROUP = "239.255.42.99";
/**
 * The IPv6 multicast group announcements go to, on each interface: link-local scope (`ff02`,
 * never routed off the link), group ID 0x7274 ("rt"), none of the well-known ones (RFC 4291,
 * IANA's IPv6 multicast registry).
 */
export const DISCOVERY_GROUP_IPV6 = "ff02::7274";
/**
 * The UDP port announcements go to, on the groups and on each network's broadcast address
 * (the same for IPv4 and IPv6).
 */
export const DISCOVERY_PORT = 41999;
/** Largest datagram a finder reads; larger ones are ignored unread. */
export const MAX_ANNOUNCEMENT_BYTES = 1024;
/** Longest room name, in Unicode code points after NFC normalisation. */
export const MAX_ROOM_NAME_CHARS = 64;

/** What a host announces. */
export interface Announcement {
  /** `open` every second while the room is open; `closed` once when it closes. */
  state: "open" | "closed";
  /** The room's name. */
  room: string;
  /** The host's name in the room. */
  host: string;
  /** The TCP port the room listens on. */
  port: number;
  /** The host's identity public key (Ed25519, 32 bytes): finders show its fingerprint. */
  publicKey: Uint8Array;
}

// Control and format characters (bidirectional overrides among them), line and paragraph
// separators, unassigned, private-use and surrogate code points: as for member names.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u;

/** Checks a room name; returns it normalised (NFC, trimmed), or a reason for a person. */
export function checkRoomName(proposed: string): { name: string } | { refused: string } {
  const name = proposed.normalize("NFC").trim();
  if (name.length === 0) return { refused: "A room name cannot be empty" };
  if ([...name].length > MAX_ROOM_NAME_CHARS) {
    return { refused: `A room name can be at most ${MAX_ROOM_NAME_CHARS} characters` };
  }
  if (FORBIDDEN.test(name)) {
    return { refused: "A room name cannot contain control or invisible characters" };
  }
  return { name };
}

/** The room name used when none is given: `<host name>'s room`. */
export function defaultRoomName(host: string): string {
  return `${host}'s room`;
}

// The wire form. Strict: a field this version does not know makes the datagram junk (a later
// version changes `v`). Names are bounded here and checked for content below.
const Wire = z.object({
  app: z.literal("rt"),
  v: z.literal(ANNOUNCEMENT_VERSION),
  state: z.enum(["open", "closed"]),
  room: z.string().min(1).max(MAX_ROOM_NAME_CHARS * 2),
  host: z.string().min(1).max(MAX_NAME_CHARS * 2),
  port: z.number().int().min(1).max(65535),
  key: z.string().regex(new RegExp(`^[0-9a-f]{${PUBLIC_KEY_BYTES * 2}}$`)),
}).strict();

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** The datagram for an announcement. Throws `RangeError` when a field is not valid. */
export function encodeAnnouncement(announcement: Announcement): Uint8Array {
  const wire = {
    app: "rt",
    v: ANNOUNCEMENT_VERSION,
    state: announcement.state,
    room: announcement.room,
    host: announcement.host,
    port: announcement.port,
    key: toHex(announcement.publicKey),
  };
  const bytes = encoder.encode(JSON.stringify(wire));
  if (decodeAnnouncement(bytes) === null) {
    throw new RangeError("Not a valid announcement (room name, host name, port or key)");
  }
  return bytes;
}

/**
 * The announcement in a received datagram, or `null` for anything else: too large, not UTF-8,
 * not JSON, another application or version, a field missing, extra, out of range, or a name
 * with control or invisible characters. Never throws.
 */
export function decodeAnnouncement(bytes: Uint8Array): Announcement | null {
  if (bytes.length === 0 || bytes.length > MAX_ANNOUNCEMENT_BYTES) return null;
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch {
    return null;
  }
  const parsed = Wire.safeParse(value);
  if (!parsed.success) return null;
  const wire = parsed.data;
  const room = checkRoomName(wire.room);
  const host = checkName(wire.host);
  if ("refused" in room || "refused" in host) return null;
  return {
    state: wire.state,
    room: room.name,
    host: host.display,
    port: wire.port,
    publicKey: fromHex(wire.key),
  };
}

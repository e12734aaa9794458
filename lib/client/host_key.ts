/**
 * The host's key as a joiner must take it: the one the host proved on the connection, never
 * the one its messages describe. What the joiner knows of that key before asking to join,
 * and the check that the room's welcome seats that very key as its host.
 *
 * @module
 */
import type { RoomMessage } from "../codec/mod.ts";
import { fingerprint, sameKey } from "../identity/mod.ts";
import type { PeerBook } from "../store/mod.ts";
import type { ChatEvent, HostKeyStatus } from "../events.ts";

/** Who the joiner expects to host the room (from an announcement, which anyone can send). */
export interface ExpectedHost {
  /** The host's name as announced. */
  name: string;
  /** The key announced. */
  key: Uint8Array;
}

/** What the joiner's peer book says of the key the host proved. */
export interface HostKeyStanding {
  status: HostKeyStatus;
  /** Names this key was seen under. */
  names: string[];
}

/**
 * Classifies the proven host key against the peer book, by the key alone (the host's name is
 * not known before the welcome): `your-key` when it is the joiner's own (`own`), `verified` or
 * `known` when the book has the key, else `key-changed` when the expected host's name is known
 * with other keys, else `new`. Nothing is recorded: the room view does that once the host's
 * name is known.
 */
export function classifyHostKey(
  peers: PeerBook,
  proven: Uint8Array,
  expected?: ExpectedHost,
  own?: Uint8Array,
): HostKeyStanding {
  if (own && sameKey(own, proven)) return { status: "your-key", names: [] };
  const record = peers.get(proven);
  if (record) return { status: record.verified ? "verified" : "known", names: record.names };
  if (expected && peers.classify(expected.name, proven).status === "key-changed") {
    return { status: "key-changed", names: [] };
  }
  return { status: "new", names: [] };
}

/**
 * The events that tell the joiner about the host's proven key, to show before it asks to join
 * (and before it asks for a name): the key's status, then a warning when the key differs from
 * the one announced, or when the announced host's name came with another key before.
 */
export function hostKeyEvents(
  peers: PeerBook,
  proven: Uint8Array,
  expected?: ExpectedHost,
  own?: Uint8Array,
): ChatEvent[] {
  const standing = classifyHostKey(peers, proven, expected, own);
  const shown = fingerprint(proven);
  const events: ChatEvent[] = [{ type: "host-key", fingerprint: shown, ...standing }];
  if (expected && !sameKey(expected.key, proven)) {
    events.push({
      type: "warning",
      code: "host-key-mismatch",
      name: expected.name,
      text: `The host of this room proved the key ${shown}, not the key ` +
        `${fingerprint(expected.key)} the announcement gave: this may not be the room you ` +
        "picked. Leave now (Ctrl+C) unless you know why.",
    });
  }
  if (standing.status === "key-changed" && expected) {
    events.push({
      type: "warning",
      code: "key-changed",
      name: expected.name,
      text: `This room is announced as hosted by ${expected.name}, but its host proved a ` +
        `different key (${shown}) than ${expected.name} had when you last met: it may not be ` +
        `the person you know. Leave now (Ctrl+C) unless you have compared /verify ` +
        `${expected.name} with them by phone or in person.`,
    });
  }
  return events;
}

/**
 * Why a welcome must be refused, or `null`: it must seat exactly one host, with the key that
 * host proved on this connection. A host that knows the password could otherwise prove its
 * own key and describe itself with another's.
 */
export function forgedWelcome(
  welcome: Extract<RoomMessage, { t: "welcome" }>,
  proven: Uint8Array,
): string | null {
  const hosts = welcome.members.filter((m) => m.host);
  const ours = fingerprint(proven);
  if (hosts.length !== 1) {
    return `The host proved the key ${ours}, but its welcome seats ` +
      `${hosts.length === 0 ? "no host" : `${hosts.length} hosts`}: rt cannot tell who hosts ` +
      "this room, so it left without saying anything.";
  }
  const host = hosts[0]!;
  if (sameKey(host.key, proven)) return null;
  return `The host proved the key ${ours}, but its welcome gives its seat (${host.name}) the ` +
    `key ${fingerprint(host.key)}: it is pretending to be someone else, so rt left without ` +
    "saying anything.";
}

/**
 * What the host can do to people: remove a member, ban one (address and key), lift blocks, and
 * lock the room. The decisions are pure (`banEntry`); `Moderation` carries them out on the
 * room, the blocklist and the gate.
 *
 * @module
 */
import type { Room } from "../room/mod.ts";
import type { BlockEntry, Blocklist } from "../store/mod.ts";
import { toHex } from "../util/mod.ts";
import { addressKey, isLoopback } from "./address_key.ts";
import type { Gate } from "./gate.ts";
import { ONION_ADDRESS } from "./host_options.ts";

/** Who was removed from the room. */
export interface Removed {
  name: string;
  key: Uint8Array;
  address?: string;
}

/**
 * The block a ban adds: the member's key, and their address unless it is everyone's: someone
 * on this computer or through Tor is banned by key only.
 */
export function banEntry(removed: Removed): Omit<BlockEntry, "since"> {
  const shared = !removed.address || removed.address === ONION_ADDRESS ||
    isLoopback(removed.address);
  return {
    address: shared ? null : addressKey(removed.address!),
    key: toHex(removed.key),
    name: removed.name,
    reason: "banned by the host",
  };
}

/** The host's commands about people. */
export class Moderation {
  readonly #room: Room;
  readonly #blocklist: Blocklist;
  readonly #gate: Gate;

  constructor(room: Room, blocklist: Blocklist, gate: Gate) {
    this.#room = room;
    this.#blocklist = blocklist;
    this.#gate = gate;
  }

  /** Blocks and bans in force: those kept across restarts, then this computer's back-offs. */
  blocked(): BlockEntry[] {
    return [...this.#blocklist.list(), ...this.#gate.backOffs()];
  }

  /**
   * Lifts blocks (and back-offs) by address, prefix, name or key prefix: first as an address
   * key, else as the words given.
   */
  unblock(what: string): BlockEntry[] {
    const key = addressKey(what);
    const lifted = this.#blocklist.remove(key);
    const backOff = this.#gate.liftBackOff(key);
    if (backOff) lifted.push(backOff);
    return lifted.length > 0 ? lifted : this.#blocklist.remove(what);
  }

  /** Removes a member. Returns their name and address, or `null` when nobody has that name. */
  kick(name: string): Removed | null {
    // The host's own command says what was done: no notice of it here as well.
    return this.#room.remove(name, "the host removed you from the room");
  }

  /** Removes a member and bans them (see `banEntry`). */
  ban(name: string): BlockEntry | null {
    const removed = this.#room.remove(name, "the host banned you from this room");
    return removed ? this.#blocklist.add(banEntry(removed)) : null;
  }

  /** Whether new joiners are refused. */
  get locked(): boolean {
    return this.#gate.locked;
  }

  set locked(locked: boolean) {
    this.#gate.locked = locked;
  }
}

/**
 * Taking members back without the password. At each welcome the host gives the member a
 * handle and a 32-byte secret, kept in memory on both sides only. A member whose connection
 * dropped proves the secret in place of the password (CPace with it as the `PRS`, bound to this
 * room's id: see `resumptionPrs`), then its identity key as always; the host takes it back into
 * its seat only when that key is the one the secret was given to.
 *
 * Each welcome back carries a new secret. The one just used stays good until the member uses
 * the new one, so a welcome lost on the way (the link dropping again at once) does not lock the
 * member out; any other is void. A secret taken from its member is no way in without the
 * member's key, and each try is a fresh CPace run: a first message played again proves nothing.
 *
 * @module
 */
import { resumptionPrs } from "../handshake/mod.ts";
import type { Membership } from "../room/mod.ts";
import { equalBytes, toHex } from "../util/mod.ts";

/** What a member is given to come back with. */
export interface Resumption {
  /** Public: names the secret in the joiner's first handshake message. */
  id: Uint8Array;
  /** Proven, never sent again. */
  secret: Uint8Array;
}

/** Whose seat a proven secret is for, or why it is for none. */
export type Claim =
  | { seat: Membership }
  /** Proven with another key than the one it was given to: a taken secret. */
  | { refused: "key" }
  /** Its member has left the room meanwhile (the seat was not kept for longer). */
  | { refused: "gone" };

/** Seats held, at the least, before members who left are looked for. */
const SWEEP_AT_LEAST = 16;

interface Held {
  secret: Uint8Array;
  key: Uint8Array;
  seat: Membership;
}

/** The resumption secrets of one room's members: the last one given each, and the one before. */
export class Resumptions {
  readonly #room: Uint8Array;
  readonly #byHandle = new Map<string, Held>();
  /** Each seat's good handles, oldest first: at most the one in use and the newest. */
  readonly #handlesOf = new Map<Membership, string[]>();
  /** Seats held right after members who left were last let go (see `#sweep`). */
  #heldAfterSweep = 0;

  /** `room`: the room's random id, bound into every secret's proof. */
  constructor(room: Uint8Array) {
    this.#room = room;
  }

  /** A fresh secret for the member in `seat`, whose key is `key`. */
  issue(seat: Membership, key: Uint8Array): Resumption {
    this.#sweep();
    const id = crypto.getRandomValues(new Uint8Array(16));
    const secret = crypto.getRandomValues(new Uint8Array(32));
    const handle = toHex(id);
    this.#byHandle.set(handle, { secret, key, seat });
    const handles = [...(this.#handlesOf.get(seat) ?? []), handle];
    // Good: the newest, and the one before it (the member may not have the newest yet).
    for (const old of handles.splice(0, Math.max(0, handles.length - 2))) {
      this.#byHandle.delete(old);
    }
    this.#handlesOf.set(seat, handles);
    return { id, secret };
  }

  /** The `PRS` to prove for `handle`, or `null` when the room knows no such secret. */
  prs(handle: Uint8Array): Uint8Array | null {
    const held = this.#byHandle.get(toHex(handle));
    return held ? resumptionPrs(this.#room, held.secret) : null;
  }

  /**
   * The seat to take back for whoever proved the secret of `handle` with the key `key`. Every
   * secret of that seat older than this one is void from now on.
   */
  claim(handle: Uint8Array, key: Uint8Array): Claim {
    const name = toHex(handle);
    const held = this.#byHandle.get(name);
    if (!held || !equalBytes(held.key, key)) return { refused: "key" };
    if (!held.seat.seated) {
      this.#forget(held.seat);
      return { refused: "gone" };
    }
    // The member holds this one: any other (older, or a newer one it never got) is void.
    for (const other of this.#handlesOf.get(held.seat) ?? []) {
      if (other !== name) this.#byHandle.delete(other);
    }
    this.#handlesOf.set(held.seat, [name]);
    return { seat: held.seat };
  }

  /** Secrets held, for tests. */
  get size(): number {
    return this.#byHandle.size;
  }

  #forget(seat: Membership): void {
    for (const handle of this.#handlesOf.get(seat) ?? []) this.#byHandle.delete(handle);
    this.#handlesOf.delete(seat);
  }

  /**
   * Members who have left need no way back. Looked for once the seats held have doubled since
   * the last look: a room a thousand join costs about two thousand looks at seats in all, not
   * half a million, and at most about twice the seats of those still in the room are held.
   */
  #sweep(): void {
    if (this.#handlesOf.size < Math.max(SWEEP_AT_LEAST, 2 * this.#heldAfterSweep)) return;
    for (const seat of [...this.#handlesOf.keys()]) if (!seat.seated) this.#forget(seat);
    this.#heldAfterSweep = this.#handlesOf.size;
  }
}

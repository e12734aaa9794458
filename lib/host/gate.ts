/**
 * Who may even start a handshake: blocked addresses, a locked room, and caps on connections
 * that have not proven the password yet. Counts wrong password guesses per address, across
 * connections, and blocks the address at the limit (two rounds of three tries by default): an
 * attacker gains nothing by reconnecting after each guess. A guess counts as soon as the host
 * answers it, so connections in parallel get no more answers than the limit between them.
 * Pure bookkeeping: no sockets.
 *
 * @module
 */
import type { BlockEntry, Blocklist } from "../store/blocklist.ts";
import { addressKey } from "./address_key.ts";

/** Limits of the gate. */
export interface GateLimits {
  /** Connections still in the handshake, in all. Default: 64. */
  maxPending?: number;
  /** Connections still in the handshake from one address (IPv6: one /64). Default: 8. */
  maxPendingPerAddress?: number;
  /** Wrong guesses from one address before it is blocked. Default: 6 (two rounds of three). */
  blockAfterGuesses?: number;
}

/** Why a connection is turned away, for the joiner and for the host. */
export interface Refusal {
  code: "blocked" | "locked" | "busy" | "busy-address";
  /** What the joiner is told. */
  reason: string;
}

/** A connection let through, until `release()`. */
export interface Admission {
  /** The address key it counts under. */
  key: string;
  release(): void;
}

/** The gate in front of the handshake. */
export class Gate {
  readonly #blocklist: Blocklist;
  readonly #maxPending: number;
  readonly #maxPerAddress: number;
  readonly #blockAfter: number;
  readonly #pending = new Map<string, number>();
  /** Password guesses answered per address key, until forgiven or blocked. */
  readonly #guesses = new Map<string, number>();
  #pendingTotal = 0;
  /** Refuse new joiners for now. */
  locked = false;

  constructor(blocklist: Blocklist, limits: GateLimits = {}) {
    this.#blocklist = blocklist;
    this.#maxPending = limits.maxPending ?? 64;
    this.#maxPerAddress = limits.maxPendingPerAddress ?? 8;
    this.#blockAfter = limits.blockAfterGuesses ?? 6;
  }

  /** Connections in the handshake now. */
  get pending(): number {
    return this.#pendingTotal;
  }

  /** Lets a new connection from `address` start a handshake, or says why not. */
  admit(address: string): Admission | Refusal {
    const key = addressKey(address);
    if (this.#blocklist.blockedAddress(key)) {
      return { code: "blocked", reason: "this address is blocked by the host" };
    }
    if (this.locked) {
      return { code: "locked", reason: "the room is locked: nobody new may join now" };
    }
    if (this.#pendingTotal >= this.#maxPending) {
      return { code: "busy", reason: "too many people are joining at once; try again in a minute" };
    }
    const mine = this.#pending.get(key) ?? 0;
    if (mine >= this.#maxPerAddress) {
      return { code: "busy-address", reason: "too many connections from your address at once" };
    }
    this.#pending.set(key, mine + 1);
    this.#pendingTotal++;
    let released = false;
    return {
      key,
      release: () => {
        if (released) return;
        released = true;
        this.#pendingTotal--;
        const left = (this.#pending.get(key) ?? 1) - 1;
        if (left > 0) this.#pending.set(key, left);
        else this.#pending.delete(key);
      },
    };
  }

  /**
   * A password guess from `address` is about to be answered (the answer tells whether it was
   * right, so the guess counts from here on). Returns why not when the address is blocked or
   * has used up its guesses already (some may still be unresolved on other connections).
   */
  guess(address: string): Refusal | null {
    const key = addressKey(address);
    if (this.#blocklist.blockedAddress(key)) {
      return { code: "blocked", reason: "this address is blocked by the host" };
    }
    const guesses = this.#guesses.get(key) ?? 0;
    if (guesses >= this.#blockAfter) {
      return { code: "busy-address", reason: "too many password guesses from your address" };
    }
    this.#guesses.set(key, guesses + 1);
    return null;
  }

  /**
   * A guess from `address` turned out wrong (a wrong confirmation, or a connection that left
   * after seeing the host's answer). Returns the guesses counted so far, and the new block
   * when they reached the limit.
   */
  wrongGuess(address: string): { guesses: number; block: BlockEntry | null } {
    const key = addressKey(address);
    const guesses = this.#guesses.get(key) ?? 0;
    if (guesses < this.#blockAfter || this.#blocklist.blockedAddress(key)) {
      return { guesses, block: null };
    }
    this.#guesses.delete(key);
    const block = this.#blocklist.add({
      address: key,
      key: null,
      name: null,
      reason: `${guesses} wrong passwords`,
    });
    return { guesses, block };
  }

  /** Someone from `address` proved the password: earlier failed rounds are forgiven. */
  succeeded(address: string): void {
    this.#guesses.delete(addressKey(address));
  }
}

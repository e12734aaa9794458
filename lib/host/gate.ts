/**
 * Who may even start a handshake, and whose password guesses may be answered: blocked
 * addresses, a locked room, caps on connections that have not proven the password yet, and
 * three budgets of wrong guesses.
 *
 * - **The room's** ({@link GuessBudget}): every wrong guess counts, from any address or through
 *   Tor; when it runs out nobody's guess is answered until it grows again, and the host is told.
 * - **An address's** (IPv4, or an IPv6 /64): six wrong guesses (two rounds of three) block it.
 *   Wider IPv6 prefixes count together as they fail: 12 from one /56 block the /56, 24 from one
 *   /48 the /48. Blocks are kept across restarts, except for this computer's own addresses
 *   (loopback), which back off for a while instead (a minute, doubling up to an hour): whoever
 *   mistypes on the host's own computer is not locked out for good.
 * - **A connection's** own three tries (counted by the handshake).
 *
 * A guess counts as soon as the host is about to answer it, so connections in parallel get no
 * more answers than the limits between them. Someone who proves the password is forgiven their
 * own wrong guesses on that connection, and nobody else's. Connections through the room's onion
 * service all come from Tor's loopback address: they are not judged by address at all (they
 * have their own cap on pending connections, the room's budget and their own three tries).
 * Pure bookkeeping: no sockets.
 *
 * @module
 */
import type { BlockEntry, Blocklist } from "../store/mod.ts";
import { addressKey, isLoopback, prefixKeys } from "./address_key.ts";
import { type Exhausted, GuessBudget } from "./guess_budget.ts";

/** Limits of the gate. */
export interface GateLimits {
  /** Direct connections still in the handshake, in all. Default: 64. */
  maxPending?: number;
  /** Connections still in the handshake from one address (IPv6: one /64). Default: 8. */
  maxPendingPerAddress?: number;
  /** Connections through the onion service still in the handshake. Default: 16. */
  maxPendingOnion?: number;
  /** Wrong guesses from one address before it is blocked. Default: 6 (two rounds of three). */
  blockAfterGuesses?: number;
  /** The room's wrong guesses at once. Default: 30. */
  roomGuesses?: number;
  /** The room gets one more wrong guess after this long, in ms. Default: 2 minutes. */
  roomGuessIntervalMs?: number;
}

/** What a newcomer to a locked room is told. */
export const LOCKED: Refusal = {
  code: "locked",
  reason: "the room is locked: nobody new may join now",
};

/** Why a joiner is turned away: a stable code, also sent on the wire. */
export type RefusalCode = "blocked" | "locked" | "busy" | "full" | "wrong-password";

/** Why a connection is turned away, for the joiner and for the host. */
export interface Refusal {
  code: RefusalCode;
  /** What the joiner is told. */
  reason: string;
  /**
   * The room's budget of wrong guesses just ran out (first refusal since): tell the host.
   * The number of wrong guesses it took.
   */
  budgetRanOut?: number;
}

/** How a connection reached the host. */
export type Route = "direct" | "onion";

/** A connection let through, until `release()`. */
export interface Admission {
  /** The address key it counts under (`onion` through the onion service). */
  readonly key: string;
  readonly route: Route;
  release(): void;
}

/** A block made by wrong guesses. */
export interface NewBlock {
  /** The address key or prefix blocked. */
  address: string;
  /** Wrong guesses that led to it. */
  guesses: number;
  /** Kept across restarts (`false`: this computer's own address, backing off for a while). */
  kept: boolean;
  /** For a back-off: until when (ms, the gate's clock) and how long it is. */
  untilMs?: number;
  forMs?: number;
}

/** The outcome of a wrong guess. */
export interface WrongGuess {
  /** Wrong guesses counted for the address now (0 through the onion service). */
  guesses: number;
  /** Blocks it made, if any (narrowest first). */
  blocks: NewBlock[];
}

/** This computer's own address, backing off after wrong guesses. */
interface BackOff {
  untilMs: number;
  forMs: number;
  since: Date;
  guesses: number;
}

/** Wrong guesses (their times) and guesses being answered now, under one key. */
interface Tally {
  failures: number[];
  inFlight: number;
}

/** Wrong guesses are forgotten after a day. */
const FAILURE_MEMORY_MS = 24 * 60 * 60_000;
/** The first back-off of this computer's own address, and the longest. */
const FIRST_BACKOFF_MS = 60_000;
const MAX_BACKOFF_MS = 60 * 60_000;
/** The label connections through the onion service count under. */
export const ONION_KEY = "onion";

class Ticket implements Admission {
  readonly key: string;
  readonly route: Route;
  /** The peer's address (`null` through the onion service). */
  readonly address: string | null;
  /** Keys this connection's guesses count under, narrowest first (none through Tor). */
  readonly keys: string[];
  /** From this computer's own address. */
  readonly loopback: boolean;
  /** A guess of this connection is being answered. */
  inFlight = false;
  /** The times of this connection's own wrong guesses (forgiven if it proves the password). */
  readonly failures: number[] = [];
  readonly release: () => void;

  constructor(key: string, route: Route, address: string | null, release: () => void) {
    this.key = key;
    this.route = route;
    this.address = address;
    this.loopback = address !== null && isLoopback(address);
    // This computer's own addresses count alone: there is no wider network behind them.
    this.keys = address === null ? [] : this.loopback ? [key] : prefixKeys(address);
    this.release = release;
  }
}

/** The gate in front of the handshake. */
export class Gate {
  readonly #blocklist: Blocklist;
  readonly #maxPending: number;
  readonly #maxPerAddress: number;
  readonly #maxOnion: number;
  readonly #limits: number[];
  readonly #budget: GuessBudget;
  readonly #now: () => number;
  readonly #pending = new Map<string, number>();
  #pendingDirect = 0;
  #pendingOnion = 0;
  readonly #tallies = new Map<string, Tally>();
  /** Back-offs of this computer's own addresses, by address key. */
  readonly #backOffs = new Map<string, BackOff>();
  /** The length of the next back-off of each loopback key. */
  readonly #nextBackOff = new Map<string, number>();
  /** Refuse new joiners for now. */
  locked = false;

  constructor(blocklist: Blocklist, limits: GateLimits = {}, now = () => performance.now()) {
    this.#blocklist = blocklist;
    this.#maxPending = limits.maxPending ?? 64;
    this.#maxPerAddress = limits.maxPendingPerAddress ?? 8;
    this.#maxOnion = limits.maxPendingOnion ?? 16;
    const after = limits.blockAfterGuesses ?? 6;
    this.#limits = [after, 2 * after, 4 * after];
    this.#now = now;
    this.#budget = new GuessBudget({
      guesses: limits.roomGuesses,
      intervalMs: limits.roomGuessIntervalMs,
      now,
    });
  }

  /** Connections in the handshake now. */
  get pending(): number {
    return this.#pendingDirect + this.#pendingOnion;
  }

  /**
   * Lets a new connection start a handshake, or says why not. `comingBack`: members whose
   * connection dropped may come back into a locked room, so the lock is left to the handshake
   * (see {@link LOCKED}).
   */
  admit(address: string, route: Route = "direct", comingBack = false): Admission | Refusal {
    if (route === "direct") {
      const blocked = this.#blockedReason(address);
      if (blocked) return blocked;
    }
    if (this.locked && !comingBack) return LOCKED;
    // Spent already: say so before anyone types a password in vain.
    const exhausted = this.#budget.peek() > 0 ? this.#budget.take() : null;
    if (exhausted) return this.#budgetRefusal(exhausted);
    if (route === "onion") {
      if (this.#pendingOnion >= this.#maxOnion) {
        return {
          code: "busy",
          reason: "too many people are joining through Tor at once; try again in a minute",
        };
      }
      this.#pendingOnion++;
      return this.#ticket(ONION_KEY, "onion", null, () => this.#pendingOnion--);
    }
    if (this.#pendingDirect >= this.#maxPending) {
      return { code: "busy", reason: "too many people are joining at once; try again in a minute" };
    }
    const key = addressKey(address);
    const mine = this.#pending.get(key) ?? 0;
    if (mine >= this.#maxPerAddress) {
      return { code: "busy", reason: "too many connections from your address at once" };
    }
    this.#pending.set(key, mine + 1);
    this.#pendingDirect++;
    return this.#ticket(key, "direct", address, () => {
      this.#pendingDirect--;
      const left = (this.#pending.get(key) ?? 1) - 1;
      if (left > 0) this.#pending.set(key, left);
      else this.#pending.delete(key);
    });
  }

  #ticket(key: string, route: Route, address: string | null, free: () => void): Ticket {
    let released = false;
    const ticket: Ticket = new Ticket(key, route, address, () => {
      if (released) return;
      released = true;
      // A guess taken and never settled (the connection failed before the answer went out)
      // counts as wrong: it may have been answered.
      if (ticket.inFlight) this.wrongGuess(ticket);
      free();
    });
    return ticket;
  }

  /**
   * A password guess on `admission` is about to be answered (the answer tells whether it was
   * right, so the guess counts from here on). Returns why not when the address is blocked, has
   * used up its guesses (some may still be unanswered on other connections), or the room's
   * budget is spent.
   */
  guess(admission: Admission): Refusal | null {
    const ticket = admission as Ticket;
    if (ticket.address !== null) {
      const blocked = this.#blockedReason(ticket.address);
      if (blocked) return blocked;
      for (const [i, key] of ticket.keys.entries()) {
        const tally = this.#tallies.get(key);
        if (tally && this.#recent(tally).failures.length + tally.inFlight >= this.#limits[i]!) {
          return {
            code: "busy",
            reason: "too many password guesses from your address at once; try again later",
          };
        }
      }
    }
    const exhausted = this.#budget.take();
    if (exhausted) return this.#budgetRefusal(exhausted);
    for (const key of ticket.keys) this.#tally(key).inFlight++;
    ticket.inFlight = true;
    return null;
  }

  /**
   * A guess on `admission` turned out wrong (a wrong confirmation, or a connection that left
   * after seeing the host's answer). Returns the address's count and the blocks it made.
   */
  wrongGuess(admission: Admission): WrongGuess {
    const ticket = admission as Ticket;
    if (!ticket.inFlight) return { guesses: 0, blocks: [] };
    ticket.inFlight = false;
    const now = this.#now();
    ticket.failures.push(now);
    const blocks: NewBlock[] = [];
    let guesses = 0;
    for (const [i, key] of ticket.keys.entries()) {
      const tally = this.#tally(key);
      tally.inFlight--;
      tally.failures.push(now);
      const count = tally.failures.length;
      if (i === 0) guesses = count;
      if (count < this.#limits[i]! || this.#blocked(key)) continue;
      // Blocked from now on: nothing more to count under this key until it is lifted.
      this.#tallies.delete(key);
      blocks.push(this.#block(key, count, ticket.loopback));
    }
    return { guesses, blocks };
  }

  /** The guess on `admission` proved the password: its own earlier wrong guesses are forgiven. */
  succeeded(admission: Admission): void {
    const ticket = admission as Ticket;
    if (!ticket.inFlight) return;
    ticket.inFlight = false;
    this.#budget.refund(1 + ticket.failures.length);
    for (const key of ticket.keys) {
      const tally = this.#tally(key);
      tally.inFlight--;
      for (const at of ticket.failures) {
        const i = tally.failures.indexOf(at);
        if (i >= 0) tally.failures.splice(i, 1);
      }
      if (tally.failures.length === 0 && tally.inFlight === 0) this.#tallies.delete(key);
    }
    ticket.failures.length = 0;
  }

  /** The room has a new password: guesses at the old one are worth nothing now. */
  passwordChanged(): void {
    this.#budget.reset();
  }

  /** Back-offs in force, as blocks (not kept across restarts). */
  backOffs(): BlockEntry[] {
    const now = this.#now();
    const out: BlockEntry[] = [];
    for (const [address, b] of this.#backOffs) {
      if (b.untilMs <= now) continue;
      const minutes = Math.ceil((b.untilMs - now) / 60_000);
      out.push({
        address,
        key: null,
        name: null,
        reason: `${b.guesses} wrong passwords from this computer; ${minutes} more ` +
          `minute${minutes === 1 ? "" : "s"}, not kept`,
        since: b.since.toISOString(),
      });
    }
    return out;
  }

  /** Lifts the back-off of a loopback address key; returns it as it was, if any. */
  liftBackOff(key: string): BlockEntry | null {
    const entry = this.backOffs().find((e) => e.address === key) ?? null;
    this.#backOffs.delete(key);
    this.#tallies.delete(key);
    return entry;
  }

  #tally(key: string): Tally {
    let tally = this.#tallies.get(key);
    if (!tally) {
      tally = { failures: [], inFlight: 0 };
      this.#tallies.set(key, tally);
    }
    return this.#recent(tally);
  }

  /** Forgets wrong guesses older than a day. */
  #recent(tally: Tally): Tally {
    const old = this.#now() - FAILURE_MEMORY_MS;
    while (tally.failures.length > 0 && tally.failures[0]! < old) tally.failures.shift();
    return tally;
  }

  /** Whether exactly this key (an address key or a prefix) is blocked or backing off. */
  #blocked(key: string): boolean {
    if (this.#blocklist.blockedAddress(key)) return true;
    const backOff = this.#backOffs.get(key);
    return backOff !== undefined && backOff.untilMs > this.#now();
  }

  #block(key: string, guesses: number, loopback: boolean): NewBlock {
    if (loopback) {
      const forMs = this.#nextBackOff.get(key) ?? FIRST_BACKOFF_MS;
      this.#nextBackOff.set(key, Math.min(MAX_BACKOFF_MS, forMs * 2));
      const untilMs = this.#now() + forMs;
      this.#backOffs.set(key, { untilMs, forMs, since: new Date(), guesses });
      return { address: key, guesses, kept: false, untilMs, forMs };
    }
    this.#blocklist.add({
      address: key,
      key: null,
      name: null,
      reason: `${guesses} wrong passwords`,
    });
    return { address: key, guesses, kept: true };
  }

  /** Why `address` (or a key) may not even try, if it is blocked or backing off. */
  #blockedReason(address: string): Refusal | null {
    for (const key of prefixKeys(address)) {
      if (this.#blocklist.blockedAddress(key)) {
        return { code: "blocked", reason: "your address is blocked by the host" };
      }
    }
    const key = addressKey(address);
    const backOff = this.#backOffs.get(key);
    if (backOff) {
      const left = backOff.untilMs - this.#now();
      if (left > 0) {
        const minutes = Math.ceil(left / 60_000);
        return {
          code: "blocked",
          reason:
            `too many wrong passwords came from your address: it may try again in ${minutes} ` +
            `minute${minutes === 1 ? "" : "s"}`,
        };
      }
      this.#backOffs.delete(key);
    }
    return null;
  }

  #budgetRefusal(exhausted: Exhausted): Refusal {
    const minutes = Math.max(1, Math.ceil(exhausted.waitMs / 60_000));
    return {
      code: "busy",
      reason: `too many wrong passwords were tried in this room lately; try again in about ` +
        `${minutes} minute${minutes === 1 ? "" : "s"}`,
      ...(exhausted.first ? { budgetRanOut: exhausted.spent } : {}),
    };
  }
}

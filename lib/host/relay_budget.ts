/**
 * The relay's waiting budget. File chunks to a recipient whose queue is long wait for it, and
 * the senders' connections stand still meanwhile; a recipient the relay waited for too long
 * within a period (in all, whoever was waiting) is dropped: it takes file data too slowly.
 * Senders pace themselves, so an honest recipient hardly ever makes the relay wait. Pure: the
 * clock is passed in.
 *
 * @module
 */

/** The default budget: 10 s of waiting for one recipient within 30 s. */
export const RELAY_WAIT_BUDGET_MS = 10_000;
export const RELAY_PERIOD_MS = 30_000;

/** How long the relay has waited for one recipient lately. */
interface Waits {
  /** Relays waiting for it now, and since when the first of them has. */
  waiting: number;
  since: number;
  /** Time spent waiting in the current period, and when the period began. */
  spent: number;
  period: number;
}

/** One relay waiting for a recipient. */
export interface RelayWait {
  /** How long it may wait at most, in ms, before the recipient counts as stalled. */
  readonly leftMs: number;
  /** It is done waiting (the recipient had room, or was dropped). */
  end(): void;
}

/** How long the relay has waited for each recipient (by a key of theirs). */
export class RelayBudget {
  readonly #budgetMs: number;
  readonly #periodMs: number;
  readonly #now: () => number;
  readonly #waits = new Map<string, Waits>();

  constructor(
    budgetMs = RELAY_WAIT_BUDGET_MS,
    periodMs = RELAY_PERIOD_MS,
    now: () => number = () => performance.now(),
  ) {
    this.#budgetMs = budgetMs;
    this.#periodMs = periodMs;
    this.#now = now;
  }

  /** A relay starts waiting for `key`. */
  begin(key: string): RelayWait {
    const now = this.#now();
    let waits = this.#waits.get(key);
    if (!waits || (waits.waiting === 0 && now - waits.period > this.#periodMs)) {
      waits = { waiting: 0, since: now, spent: 0, period: now };
      this.#waits.set(key, waits);
    }
    if (waits.waiting++ === 0) waits.since = now;
    const w = waits;
    let ended = false;
    return {
      leftMs: Math.max(0, this.#budgetMs - w.spent - (now - w.since)),
      end: () => {
        if (ended) return;
        ended = true;
        if (--w.waiting === 0) w.spent += this.#now() - w.since;
      },
    };
  }

  /** `key` was dropped: whoever comes by that key next starts afresh. */
  forget(key: string): void {
    this.#waits.delete(key);
  }
}

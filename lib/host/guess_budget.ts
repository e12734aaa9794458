/**
 * The room's budget of wrong password guesses, whoever makes them and from wherever: a number
 * at once (default 30), then one more every interval (default 2 minutes). Each time the budget
 * runs out again before it has filled up, the interval doubles (up to an hour); once it is
 * full again, the interval is back to its start. A guess is taken from the budget before it is
 * answered and given back when it proves the password, so guesses in parallel cannot overdraw
 * it. Pure bookkeeping with an injectable clock.
 *
 * @module
 */

/** Options of a budget. */
export interface GuessBudgetOptions {
  /** Wrong guesses at once. Default: 30. */
  guesses?: number;
  /** One more wrong guess after this long, in ms. Default: 2 minutes. */
  intervalMs?: number;
  /** The interval never grows past this, in ms. Default: 1 hour. */
  maxIntervalMs?: number;
  /** The clock, in ms. */
  now?: () => number;
}

/** A guess that must wait. */
export interface Exhausted {
  /** How long until the budget has a guess again, in ms. */
  waitMs: number;
  /** The first refusal since the budget last ran out: time to tell the host. */
  first: boolean;
  /** Wrong guesses the budget has taken since it was last full. */
  spent: number;
}

/** The room's budget of wrong guesses. */
export class GuessBudget {
  readonly #size: number;
  readonly #baseMs: number;
  readonly #maxMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;
  #intervalMs: number;
  /** Refused since it last ran out (the host was told). */
  #dry = false;
  /** Times it ran out since it was last full. */
  #runOuts = 0;
  #spent = 0;

  constructor(options: GuessBudgetOptions = {}) {
    this.#size = options.guesses ?? 30;
    this.#baseMs = options.intervalMs ?? 2 * 60_000;
    this.#maxMs = Math.max(this.#baseMs, options.maxIntervalMs ?? 60 * 60_000);
    this.#now = options.now ?? (() => performance.now());
    if (!(this.#size >= 1) || !(this.#baseMs > 0)) throw new RangeError("Invalid guess budget");
    this.#tokens = this.#size;
    this.#at = this.#now();
    this.#intervalMs = this.#baseMs;
  }

  /** The interval now, in ms (it doubles each time the budget runs out). */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  /** Whole guesses left now. */
  get left(): number {
    this.#refill();
    return Math.floor(this.#tokens);
  }

  #refill(): void {
    const now = this.#now();
    this.#tokens = Math.min(this.#size, this.#tokens + (now - this.#at) / this.#intervalMs);
    this.#at = now;
    if (this.#tokens >= this.#size) {
      this.#intervalMs = this.#baseMs;
      this.#runOuts = 0;
      this.#spent = 0;
      this.#dry = false;
    }
  }

  /** How long until a guess may be taken, in ms (0: now), without taking one. */
  peek(): number {
    this.#refill();
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) * this.#intervalMs);
  }

  /** Takes one guess, or says how long to wait. */
  take(): Exhausted | null {
    this.#refill();
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      this.#spent++;
      this.#dry = false;
      return null;
    }
    const first = !this.#dry;
    if (first) {
      this.#dry = true;
      if (this.#runOuts++ > 0) {
        // Stretch the interval from now on; what had accrued stays.
        this.#intervalMs = Math.min(this.#maxMs, this.#intervalMs * 2);
      }
    }
    return {
      waitMs: Math.ceil((1 - this.#tokens) * this.#intervalMs),
      first,
      spent: this.#spent,
    };
  }

  /** A guess taken turned out right (or was someone's own typo, then right): give it back. */
  refund(count = 1): void {
    this.#refill();
    this.#tokens = Math.min(this.#size, this.#tokens + count);
    this.#spent = Math.max(0, this.#spent - count);
  }

  /** A new password makes every guess so far worthless: full again, at the first interval. */
  reset(): void {
    this.#tokens = this.#size;
    this.#at = this.#now();
    this.#intervalMs = this.#baseMs;
    this.#runOuts = 0;
    this.#spent = 0;
    this.#dry = false;
  }
}

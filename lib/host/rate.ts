/**
 * A token bucket: a sustained rate with room for a burst.
 *
 * @module
 */

/** Limits how often something may happen. */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  /** `rate` per second sustained, up to `burst` at once; `now` in milliseconds. */
  constructor(rate: number, burst: number, now: () => number = () => performance.now()) {
    if (!(rate > 0) || !(burst >= 1)) {
      throw new RangeError(`Invalid rate ${rate} or burst ${burst}`);
    }
    this.#rate = rate;
    this.#burst = burst;
    this.#now = now;
    this.#tokens = burst;
    this.#at = now();
  }

  /** Takes one token; returns 0 when one was there, else the milliseconds until there is one. */
  take(): number {
    const now = this.#now();
    this.#tokens = Math.min(this.#burst, this.#tokens + ((now - this.#at) / 1000) * this.#rate);
    this.#at = now;
    if (this.#tokens >= 1) {
      this.#tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.#tokens) / this.#rate) * 1000);
  }
}

/**
 * Notices about connections that have not proven the password come at a bounded rate, whatever
 * arrives: a burst, then a few a second. Those over it are counted, and the count is said in
 * one line before the next notice that passes. Pure: the clock is passed in.
 *
 * @module
 */
import { TokenBucket } from "./rate.ts";
import { type Say, suppressedNotice } from "./notice_text.ts";

/** Notices about connections at once, then this many a second. */
export const CONNECTION_NOTICE_BURST = 250;
export const CONNECTION_NOTICES_PER_SECOND = 5;

/** Decides which notices are given. */
export class NoticeRate {
  readonly #bucket: TokenBucket;
  /** Notices about connections left out since the last one given. */
  #leftOut = 0;

  constructor(
    perSecond = CONNECTION_NOTICES_PER_SECOND,
    burst = CONNECTION_NOTICE_BURST,
    now: () => number = () => performance.now(),
  ) {
    this.#bucket = new TokenBucket(perSecond, burst, now);
  }

  /** The notices to give for `say`, in order: none, it, or a count of those left out and it. */
  pass(say: Say): Say[] {
    if (!say.limited) return [say];
    if (this.#bucket.take() > 0) {
      this.#leftOut++;
      return [];
    }
    if (this.#leftOut === 0) return [say];
    const n = this.#leftOut;
    this.#leftOut = 0;
    return [suppressedNotice(n, say.address), say];
  }
}

/**
 * How far ahead of the recipient's acknowledgements a sender may be. The window grows while
 * acknowledgements come back as fast as they did at best, and shrinks when they come back
 * later: the extra time is data queued somewhere on the way (a slow link, the host's queue for
 * the recipient), and the sender's own chat would wait behind it. Delay-based, after LEDBAT
 * (RFC 6817): the queues a transfer makes stay around `targetMs`, whatever the link; on a fast
 * one the window opens up to `maxBytes`.
 *
 * @module
 */

/** Settings of the pacing. */
export interface PacingOptions {
  /** Smallest window, in bytes (a couple of chunks). */
  minBytes: number;
  /** Largest window, in bytes. */
  maxBytes: number;
  /** Window at the start, in bytes. */
  initialBytes: number;
  /** Queueing delay aimed at, in ms. */
  targetMs: number;
  /** Clock in ms. Default: `performance.now`. */
  now?: () => number;
}

/** One transfer's window. */
export class Pacing {
  #window: number;
  readonly #options: Required<PacingOptions>;
  /** Ends of what was sent, and when, not yet acknowledged. */
  #sent: { end: number; at: number }[] = [];
  #acked = 0;
  /** The shortest round trip seen: the link without queues. */
  #baseMs = Infinity;
  #lastDecrease = -Infinity;

  constructor(options: PacingOptions) {
    this.#options = { now: () => performance.now(), ...options };
    this.#window = options.initialBytes;
  }

  /** Bytes that may be in flight now. */
  get window(): number {
    return this.#window;
  }

  /** The shortest round trip seen, in ms (`Infinity` before the first). */
  get baseMs(): number {
    return this.#baseMs;
  }

  /** Everything up to byte `end` of the transfer is sent. */
  sent(end: number): void {
    this.#sent.push({ end, at: this.#options.now() });
  }

  /** The recipient has everything up to byte `written`. */
  acked(written: number): void {
    const now = this.#options.now();
    let at: number | null = null;
    while (this.#sent.length > 0 && this.#sent[0]!.end <= written) at = this.#sent.shift()!.at;
    const bytes = written - this.#acked;
    this.#acked = Math.max(this.#acked, written);
    if (at === null || bytes <= 0) return;
    const rtt = now - at;
    this.#baseMs = Math.min(this.#baseMs, rtt);
    const delay = rtt - this.#baseMs;
    const { minBytes, maxBytes, targetMs } = this.#options;
    if (delay > targetMs) {
      // Queues are building: halve, at most once a round trip.
      if (now - this.#lastDecrease > rtt) {
        this.#window = Math.max(minBytes, Math.floor(this.#window / 2));
        this.#lastDecrease = now;
      }
      return;
    }
    // Grow by what was acknowledged, less as the delay nears the target.
    const gain = (targetMs - delay) / targetMs;
    this.#window = Math.min(maxBytes, Math.floor(this.#window + bytes * gain));
  }
}

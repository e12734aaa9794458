/**
 * Connections accepted and not in the room (at the gate, in the handshake, or being turned
 * away), over every listener. Each costs memory until it is closed, and a flood can open them
 * faster than they are turned away: at the cap, the accept loops take no more until one is
 * done (the rest wait in the system's queue, which has its own bound).
 *
 * @module
 */

/**
 * The cap: well above the handshake's (`maxPending`, 64), so that joiners past that one are
 * still told the room is busy.
 */
export const MAX_STRANGERS = 256;

/** The count of strangers, and the accept loops waiting for it to drop under the cap. */
export class Strangers {
  readonly #max: number;
  #count = 0;
  #waiting: (() => void)[] = [];

  constructor(max = MAX_STRANGERS) {
    this.#max = max;
  }

  /** Strangers now. */
  get count(): number {
    return this.#count;
  }

  /** A connection was accepted. */
  arrived(): void {
    this.#count++;
  }

  /** A connection accepted is done, or is in the room now: wakes the waiting accept loops. */
  left(): void {
    this.#count--;
    const waiting = this.#waiting;
    this.#waiting = [];
    for (const wake of waiting) wake();
  }

  /** Resolves once there are fewer strangers than the cap. */
  async roomForMore(): Promise<void> {
    while (this.#count >= this.#max) {
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    }
  }
}

/**
 * What a member may do and how its end is told: the rate of its messages (over it, the host
 * stops reading from it for a while, and says so at most every 30 s), and the notice when its
 * connection ends. Pure: the clock is passed in.
 *
 * @module
 */
import type { RtError } from "../errors.ts";
import type { Say } from "./notice_text.ts";
import { TokenBucket } from "./rate.ts";

/** The host is told of one member's flood at most this often, in ms. */
export const FLOOD_NOTICE_MS = 30_000;

/** Before a message that counts: wait this long first, then ask again (0: relay it now). */
export interface Turn {
  waitMs: number;
  /** Time to tell the host the member is slowed down. */
  tell: boolean;
}

/** One member's rate of messages. */
export class MemberRate {
  readonly #bucket: TokenBucket;
  readonly #now: () => number;
  #toldAt = -Infinity;

  /** `perSecond` sustained, up to `burst` at once. */
  constructor(perSecond: number, burst: number, now: () => number = () => performance.now()) {
    this.#bucket = new TokenBucket(perSecond, burst, now);
    this.#now = now;
  }

  /**
   * Takes the member's turn to speak. `take()` only says how long until a turn is there: wait,
   * then take it (relaying after the wait without taking one let twice the rate through).
   */
  take(): Turn {
    const waitMs = this.#bucket.take();
    if (waitMs === 0) return { waitMs, tell: false };
    const now = this.#now();
    const tell = now - this.#toldAt > FLOOD_NOTICE_MS;
    if (tell) this.#toldAt = now;
    return { waitMs, tell };
  }
}

/** `name (address)`, or the address of who has no name yet. */
function member(name: string | null, address: string): string {
  return name ? `${name} (${address})` : address;
}

/** The host is told a member is slowed down. */
export function floodNotice(name: string | null, address: string, perSecond: number): Say {
  return {
    code: "flood",
    text: `${member(name, address)} sends faster than ${perSecond} messages a second and is ` +
      "slowed down",
    address,
  };
}

/** A member's connection ended with `error`: what the host is told, if anything. */
export function memberEnded(
  error: RtError,
  state: { roomClosed: boolean; quit: boolean; name: string | null; address: string },
): Say | null {
  // A bug is told whatever happens; else nothing is said of a closed room, or of a member
  // whose connection closed after it said goodbye.
  const quiet = state.roomClosed || (error.code === "connection-closed" && state.quit);
  if (quiet && error.code !== "internal") return null;
  return {
    code: error.code,
    text: `Closed connection from ${member(state.name, state.address)}: ${error.message}`,
    address: state.address,
  };
}

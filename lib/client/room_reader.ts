/**
 * The one loop of a member's client: reading what the room says, message by message, until
 * the room closes, the connection ends or fails, or the reader is told to stop.
 *
 * @module
 */
import type { RoomMessage } from "../codec/mod.ts";
import { RtError } from "../errors.ts";
import { describeError, isProgrammingError } from "../util/mod.ts";
import type { Session } from "./session.ts";

/** How reading ended: the host closed the room, the connection was lost (and why), or `stop`. */
export type ReadEnd = { end: "closed" } | { end: "lost"; why: string } | { end: "stopped" };

/** Reads one session's messages. */
export class RoomReader {
  readonly #session: Session;
  #stopped = false;

  constructor(session: Session) {
    this.#session = session;
  }

  /**
   * Hands each message to `receive`, in order, until reading ends. Rejects only when `receive`
   * throws (a bug in rt): a failure of the connection is an end, said in words.
   */
  async read(receive: (message: RoomMessage) => void): Promise<ReadEnd> {
    while (true) {
      let message: RoomMessage | null;
      try {
        // Awaited as it is: this loop keeps nothing of a message once it is handed on. (Waking
        // the wait from `stop` through a field doubled the host's peak memory under a flood:
        // each message stayed reachable from a long-lived object long enough to outlive the
        // young generation, so its buffers waited for a full collection.)
        message = await this.#session.next();
      } catch (error) {
        return this.#stopped ? { end: "stopped" } : { end: "lost", why: lostBecause(error) };
      }
      if (this.#stopped) return { end: "stopped" };
      if (message === null) return { end: "lost", why: "the connection ended" };
      receive(message);
      if (message.t === "closed") return { end: "closed" };
    }
  }

  /**
   * Stops reading: nothing the room says from now on is handed on. `read` ends (`stopped`) when
   * the wait for the next message does, at the latest when the session is closed.
   */
  stop(): void {
    this.#stopped = true;
  }
}

/** Why the connection was lost: its own words, a bug said to be one, or that it ended. */
function lostBecause(error: unknown): string {
  if (error instanceof RtError) return error.message;
  return isProgrammingError(error) ? describeError(error) : "the connection ended";
}

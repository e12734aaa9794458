/**
 * A member's session with a room: send what the member says, receive what the room says. Two
 * kinds: over a sealed connection (joiners) and in process (the host's own seat).
 *
 * @module
 */
import {
  type ClientMessage,
  dataHeader,
  decodeBulk,
  decodeMessage,
  encodeMessage,
  RoomDataHeader,
  RoomMessage,
} from "../codec/mod.ts";
import { RtError } from "../errors.ts";
import type { Room } from "../room/mod.ts";
import type { SecureConnection } from "../transport/mod.ts";
import { AsyncQueue } from "../util/mod.ts";

/** One member's view of a room. */
export interface Session {
  /** Sends one message to the room. Throws `RtError` when the session is over. */
  send(message: ClientMessage): void;
  /** The next message from the room; `null` when the session ended. Rejects on failure. */
  next(): Promise<RoomMessage | null>;
  /**
   * Resolves when more bulk data (file chunks) for `to` may be sent: what is queued on the way
   * is short again (`null`: now). Senders of files wait on it, so chat never queues behind
   * megabytes.
   */
  ready(to: string): Promise<void> | null;
  /** Leaves: says goodbye and closes. */
  close(): Promise<void>;
}

/** Bytes of our own queue to the host above which bulk senders wait. */
const SEND_QUEUE_BYTES = 256 * 1024;

/** A joiner's session over a sealed connection. */
export class RemoteSession implements Session {
  readonly #conn: SecureConnection;
  #closed = false;

  constructor(conn: SecureConnection) {
    this.#conn = conn;
  }

  send(message: ClientMessage): void {
    if (this.#closed) throw new RtError("connection-closed", "You have left the room");
    if (message.t === "data") {
      this.#conn.sendBulk(encodeMessage(dataHeader(message)), message.body);
    } else this.#conn.send(encodeMessage(message));
  }

  ready(_to: string): Promise<void> | null {
    return this.#conn.hasRoom(SEND_QUEUE_BYTES);
  }

  async next(): Promise<RoomMessage | null> {
    if (this.#closed) return null;
    try {
      const frame = await this.#conn.receiveFrame();
      if (frame === null) return null;
      return frame.body === null
        ? decodeMessage(RoomMessage, frame.plaintext)
        : decodeBulk(RoomDataHeader, frame.plaintext, frame.body);
    } catch (error) {
      if (this.#closed) return null;
      this.#conn.close();
      throw error;
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    try {
      this.send({ t: "bye" });
    } catch {
      // Already gone.
    }
    this.#closed = true;
    // Wait (briefly) for the host to close its side after our goodbye: closing a socket with
    // unread data makes the system reset the connection, and the goodbye would be lost.
    const deadline = Date.now() + 1000;
    try {
      while (Date.now() < deadline) {
        if ((await this.#conn.receiveFrame(Math.max(1, deadline - Date.now()))) === null) break;
      }
    } catch {
      // Timed out or already failed: close anyway.
    }
    await this.#conn.end(1000);
  }
}

/** A seat in a room in this process: the host's own (or, in tests, anyone's). */
export class LocalSession implements Session {
  readonly #inbox = new AsyncQueue<RoomMessage>();
  readonly #membership;
  readonly #room: Room;

  /** `key`: the member's identity key; `host`: whether it is the host's seat (default). */
  constructor(room: Room, key: Uint8Array, options: { host?: boolean } = {}) {
    this.#room = room;
    this.#membership = room.connect({
      deliver: (message) => this.#inbox.push(message),
      disconnect: () => this.#inbox.end(),
    }, { host: options.host ?? true, key });
  }

  /** A member's address: the host may see it. */
  addressOf(name: string): string | undefined {
    return this.#room.addressOf(name);
  }

  send(message: ClientMessage): void {
    if (this.#inbox.ended) throw new RtError("connection-closed", "The room is closed");
    this.#membership.receive(message);
  }

  ready(to: string): Promise<void> | null {
    return this.#membership.readyFor(to);
  }

  next(): Promise<RoomMessage | null> {
    return this.#inbox.next();
  }

  close(): Promise<void> {
    this.#membership.leave("quit");
    this.#inbox.end();
    return Promise.resolve();
  }
}

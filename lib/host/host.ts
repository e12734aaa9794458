/**
 * Bridges the network to the room: accepts connections, runs the handshake, and pumps each
 * authenticated member's messages into the room. The one place that knows both.
 *
 * @module
 */
import { ClientMessage, decodeMessage, encodeMessage } from "../codec/messages.ts";
import { RtError } from "../errors.ts";
import type { Identity } from "../identity/keys.ts";
import type { Room } from "../room/room.ts";
import { acceptJoiner, SecureConnection } from "../transport/secure.ts";
import { FramedConnection, toRtError } from "../transport/framed.ts";
import { type Accepted, type Listening, listenTcp } from "../transport/tcp.ts";

/**
 * A broadcast hands the same message object to every member's link: encode it once, not once
 * per member (measured: a fifth of the host's time in a busy room of 50).
 */
const encodings = new WeakMap<object, Uint8Array>();

function encodeOnce(message: object): Uint8Array {
  let bytes = encodings.get(message);
  if (!bytes) {
    bytes = encodeMessage(message);
    encodings.set(message, bytes);
  }
  return bytes;
}

/** Something the host's operator should know about a connection. */
export interface HostNotice {
  /** Stable code: `wrong-password`, `denied`, `handshake-timeout`, `frame-too-large`... */
  code: string;
  /** For people. */
  text: string;
  /** The peer's address. */
  address: string;
}

/** Options of a hosted room's listener. */
export interface HostOptions {
  /** The room password now. */
  password: () => string;
  /** The host's identity key. */
  identity: Identity;
  /** Address to bind; default: every interface. */
  bind?: string;
  /** Port; default: a free one. */
  port?: number;
  /** Password tries per connection. Default: 3. */
  tries?: number;
  /** Deadline for each handshake message, in ms. Default: 60 s. */
  handshakeTimeoutMs?: number;
  /** Deadline for choosing a name once authenticated, in ms. Default: 5 min. */
  nameTimeoutMs?: number;
  /** Called for each failed or refused connection. */
  onNotice: (notice: HostNotice) => void;
}

/** A room reachable over TCP. */
export class RoomHost {
  readonly #room: Room;
  readonly #options: HostOptions;
  readonly #listening: Listening;
  readonly #connections = new Set<FramedConnection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #acceptLoop: Promise<void>;

  private constructor(room: Room, options: HostOptions, listening: Listening) {
    this.#room = room;
    this.#options = options;
    this.#listening = listening;
    this.#acceptLoop = this.#accept();
  }

  /** Starts listening. Throws when the port cannot be bound. */
  static start(room: Room, options: HostOptions): RoomHost {
    const listening = listenTcp({ bind: options.bind, port: options.port });
    return new RoomHost(room, options, listening);
  }

  /** The port in use. */
  get port(): number {
    return this.#listening.port;
  }

  /** The addresses bound. */
  get bound(): string[] {
    return this.#listening.bound;
  }

  async #accept(): Promise<void> {
    for await (const accepted of this.#listening.accept()) {
      const task = this.#serve(accepted).catch(() => {});
      this.#tasks.add(task);
      task.finally(() => this.#tasks.delete(task));
    }
  }

  async #serve({ conn, address }: Accepted): Promise<void> {
    const framed = new FramedConnection(conn);
    this.#connections.add(framed);
    const notice = (code: string, text: string) => this.#options.onNotice({ code, text, address });
    let secure: SecureConnection;
    try {
      secure = await acceptJoiner(framed, {
        password: this.#options.password,
        identity: this.#options.identity,
        tries: this.#options.tries,
        timeoutMs: this.#options.handshakeTimeoutMs,
        onWrongPassword: (attempt, left) =>
          notice(
            "wrong-password",
            `Wrong password from ${address} (try ${attempt}; ${left} left on this connection)`,
          ),
      });
    } catch (error) {
      const e = toRtError(error);
      if (!this.#room.closed) {
        notice(
          e.code,
          e.code === "denied"
            ? `Disconnected ${address} after ${this.#options.tries ?? 3} wrong passwords`
            : `Closed connection from ${address} during the handshake: ${e.message}`,
        );
      }
      await framed.end(500);
      this.#connections.delete(framed);
      return;
    }
    await this.#member(secure, address, notice);
    this.#connections.delete(framed);
  }

  async #member(
    secure: SecureConnection,
    address: string,
    notice: (code: string, text: string) => void,
  ): Promise<void> {
    const membership = this.#room.connect({
      deliver: (message) => secure.send(encodeOnce(message)),
      disconnect: () => void secure.end(1000),
    }, { address, key: secure.peerKey });
    const nameTimeoutMs = this.#options.nameTimeoutMs ?? 5 * 60_000;
    let said = "lost" as "quit" | "lost";
    try {
      while (true) {
        const plaintext = await secure.receive(
          membership.name === null ? nameTimeoutMs : undefined,
        );
        if (plaintext === null) break;
        const message = decodeMessage(ClientMessage, plaintext);
        if (message.t === "bye") said = "quit";
        membership.receive(message);
        if (said === "quit") break;
      }
    } catch (error) {
      const e = toRtError(error);
      if (!this.#room.closed && !(e.code === "connection-closed" && said === "quit")) {
        const who = membership.name ? `${membership.name} (${address})` : address;
        notice(e.code, `Closed connection from ${who}: ${e.message}`);
      }
      secure.close(e instanceof RtError ? e : undefined);
    }
    membership.leave(said);
  }

  /** Closes the room for everyone, flushes the goodbyes, and stops listening. */
  async close(): Promise<void> {
    this.#listening.close();
    this.#room.close();
    for (const framed of this.#connections) void framed.end(1000);
    await this.#acceptLoop;
    await Promise.allSettled([...this.#tasks]);
  }
}

/**
 * A host that lies about its own key: it runs rt's real handshake (`acceptJoiner`), so it
 * knows the password and proves its own key on the channel, but the room it then describes
 * (the welcome, and the answers to `who`) seats another key as its host, e.g. the key of the
 * real host the joiner knows. It records everything the joiner sends once authenticated.
 *
 * @module
 */
import {
  ClientMessage,
  decodeMessage,
  encodeMessage,
  type MemberInfo,
} from "../../lib/codec/messages.ts";
import type { Identity } from "../../lib/identity/keys.ts";
import { acceptJoiner, FramedConnection } from "../../lib/transport/mod.ts";

/** The seat a lying host lists for itself. */
export interface ListedHost {
  name: string;
  key: Uint8Array;
}

/** Options of a lying host. */
export interface LyingHostOptions {
  /** The key it proves on the channel. */
  identity: Identity;
  password: string;
  /** The host seat its welcome lists; `null`: none at all. */
  welcome: ListedHost | null;
  /** The host seat its answers to `who` list (default: as in the welcome). */
  who?: ListedHost | null;
}

/** A lying host listening on 127.0.0.1; `close()` ends it and every connection. */
export class LyingHost implements AsyncDisposable {
  readonly #listener: Deno.Listener;
  readonly #options: LyingHostOptions;
  readonly #connections = new Set<FramedConnection>();
  readonly #tasks = new Set<Promise<void>>();
  readonly #accepting: Promise<void>;
  /** Everything joiners sent once the handshake was done, in order. */
  readonly received: ClientMessage[] = [];
  /** Connections whose handshake completed. */
  authenticated = 0;
  /** Connections that have ended. */
  ended = 0;
  #listeners = new Set<() => void>();

  constructor(options: LyingHostOptions) {
    this.#options = options;
    this.#listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#accepting = this.#accept();
  }

  get port(): number {
    return (this.#listener.addr as Deno.NetAddr).port;
  }

  async #accept(): Promise<void> {
    try {
      for await (const conn of this.#listener) {
        const task = this.#serve(conn).catch(() => {}).finally(() => {
          this.ended++;
          this.#notify();
        });
        this.#tasks.add(task);
        task.finally(() => this.#tasks.delete(task));
      }
    } catch {
      // Closed.
    }
  }

  async #serve(conn: Deno.Conn): Promise<void> {
    const framed = new FramedConnection(conn);
    this.#connections.add(framed);
    try {
      const secure = await acceptJoiner(framed, {
        identity: this.#options.identity,
        password: () => this.#options.password,
        timeoutMs: 10_000,
      });
      this.authenticated++;
      this.#notify();
      const room = crypto.getRandomValues(new Uint8Array(16));
      let joiner: MemberInfo | null = null;
      const members = (host: ListedHost | null): MemberInfo[] => [
        ...(host
          ? [{ name: host.name, host: true, since: Date.now() - 60_000, key: host.key }]
          : []),
        ...(joiner ? [joiner] : []),
      ];
      while (true) {
        const plaintext = await secure.receive();
        if (plaintext === null) break;
        const message = decodeMessage(ClientMessage, plaintext);
        this.received.push(message);
        this.#notify();
        if (message.t === "join") {
          joiner = {
            name: message.name,
            host: false,
            since: Date.now(),
            key: secure.peerKey,
            ...(message.nonce ? { nonce: message.nonce } : {}),
          };
          const welcome = members(this.#options.welcome);
          secure.send(encodeMessage({ t: "welcome", name: message.name, room, members: welcome }));
        } else if (message.t === "who") {
          const listed = this.#options.who === undefined
            ? this.#options.welcome
            : this.#options.who;
          secure.send(encodeMessage({ t: "who", members: members(listed) }));
        } else if (message.t === "bye") break;
      }
    } finally {
      framed.close();
      await framed.done;
      this.#connections.delete(framed);
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Waits until `ready()` holds (checked after each change), failing after `timeoutMs`. */
  until(ready: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = () => {
        if (!ready()) return;
        finish();
        resolve();
      };
      const finish = () => {
        clearTimeout(timer);
        this.#listeners.delete(check);
      };
      const timer = setTimeout(() => {
        finish();
        reject(new Error(`the lying host waited in vain for ${what}`));
      }, timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Stops listening, closes every connection, and waits for all of it to end. */
  async close(): Promise<void> {
    try {
      this.#listener.close();
    } catch {
      // Closed already.
    }
    for (const framed of this.#connections) framed.close();
    await this.#accepting;
    await Promise.allSettled([...this.#tasks]);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

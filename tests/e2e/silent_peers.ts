/**
 * Peers that keep rt waiting, for the tests of how rt stops: a TCP server that accepts and says
 * nothing (another program on the port, or a SOCKS proxy that never answers), and a host that
 * proves the password and then never answers the name asked for.
 *
 * @module
 */
import { generateIdentity } from "../../lib/identity/keys.ts";
import { acceptJoiner, FramedConnection, listenTcp } from "../../lib/transport/mod.ts";

/** A server on 127.0.0.1 that accepts every connection and never writes a byte. */
export class SilentServer implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #conns: Deno.Conn[] = [];
  readonly #accepting: Promise<void>;
  #accepted = 0;
  #waiters: (() => void)[] = [];

  constructor() {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.#listener = listener;
    this.#accepting = (async () => {
      try {
        for await (const conn of listener) {
          this.#conns.push(conn);
          this.#accepted++;
          for (const wake of this.#waiters.splice(0)) wake();
        }
      } catch {
        // Closed.
      }
    })();
  }

  get port(): number {
    return this.#listener.addr.port;
  }

  /** Resolves once `count` connections were accepted. */
  async accepted(count = 1): Promise<void> {
    while (this.#accepted < count) await new Promise<void>((wake) => this.#waiters.push(wake));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listener.close();
    await this.#accepting;
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Closed by the other side already.
      }
    }
  }
}

/**
 * A host on 127.0.0.1 that lets one joiner in (password `pw`), reads its `join`, and then says
 * nothing more: the joiner waits for the answer to its name.
 */
export class MuteHost implements AsyncDisposable {
  readonly #listening = listenTcp({ bind: "127.0.0.1", port: 0 });
  readonly #framed: FramedConnection[] = [];
  readonly #served: Promise<void>;
  /** Resolves once the joiner's `join` arrived. */
  readonly joinReceived: Promise<void>;

  constructor() {
    let received!: () => void;
    this.joinReceived = new Promise((resolve) => received = resolve);
    this.#served = (async () => {
      for await (const { conn } of this.#listening.accept()) {
        const framed = new FramedConnection(conn);
        this.#framed.push(framed);
        try {
          const secure = await acceptJoiner(framed, {
            password: () => "pw",
            identity: generateIdentity(),
          });
          await secure.receive();
          received();
        } catch {
          // The joiner went away first.
        }
      }
    })();
  }

  get port(): number {
    return this.#listening.port;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.#listening.close();
    for (const framed of this.#framed) framed.close();
    await this.#served;
    await Promise.all(this.#framed.map((f) => f.done));
  }
}

/**
 * A TCP relay on loopback between members and the host, which a test can cut (every
 * connection through it reset, and nothing listening) and later restore on the same port: a
 * link that drops and comes back, as Wi-Fi or a sleeping laptop does. It passes bytes both
 * ways unchanged; rt seals everything end to end, so it never sees a message.
 *
 * Run alone (`deno run --allow-net tests/e2e/relay.ts PORT HOSTPORT`) it relays until killed:
 * kill it and start it again to drop and restore a link by hand.
 *
 * @module
 */

/** Relays 127.0.0.1 `port` to the host on 127.0.0.1 `hostPort`. */
export class Relay implements AsyncDisposable {
  readonly port: number;
  readonly #hostPort: number;
  #listener: Deno.TcpListener | null = null;
  readonly #conns = new Set<Deno.TcpConn>();
  readonly #tasks = new Set<Promise<void>>();
  /** Connections relayed so far. */
  accepted = 0;
  /** Bytes relayed so far, each way, over every connection: what crossed the link. */
  readonly relayed = { toHost: 0, toMember: 0 };
  /**
   * The first bytes (up to 4 KiB) each connection sent towards the host, in order: what a
   * listener on the path sees of a handshake, to replay it.
   */
  readonly heard: Uint8Array[] = [];

  private constructor(port: number, hostPort: number) {
    this.port = port;
    this.#hostPort = hostPort;
  }

  /** A relay in front of the host on `hostPort`, on a free port (or `port`). */
  static open(hostPort: number, port = 0): Relay {
    const listener = Deno.listen({ hostname: "127.0.0.1", port });
    const relay = new Relay((listener.addr as Deno.NetAddr).port, hostPort);
    relay.#serve(listener);
    return relay;
  }

  /** Whether it is relaying (not cut). */
  get open(): boolean {
    return this.#listener !== null;
  }

  /** Drops the link: every connection through it is reset, and nothing listens any more. */
  cut(): void {
    this.#listener?.close();
    this.#listener = null;
    for (const conn of this.#conns) {
      try {
        // A reset, as when a link dies under a connection: no goodbye from either side.
        conn.setKeepAlive(false);
        conn.close();
      } catch {
        // Closed already.
      }
    }
    this.#conns.clear();
  }

  /** Brings the link back on the same port. */
  restore(): void {
    if (this.#listener) return;
    this.#serve(Deno.listen({ hostname: "127.0.0.1", port: this.port }));
  }

  #serve(listener: Deno.TcpListener): void {
    this.#listener = listener;
    this.#track(
      (async () => {
        for await (const member of listener) {
          this.accepted++;
          this.#track(this.#relay(member));
        }
      })().catch(() => {}),
    );
  }

  async #relay(member: Deno.TcpConn): Promise<void> {
    let host: Deno.TcpConn;
    try {
      host = await Deno.connect({ hostname: "127.0.0.1", port: this.#hostPort });
    } catch {
      member.close();
      return;
    }
    if (!this.#listener) {
      member.close();
      host.close();
      return;
    }
    this.#conns.add(member);
    this.#conns.add(host);
    const heard = this.heard.push(new Uint8Array(0)) - 1;
    const listen = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, out) => {
        this.relayed.toHost += chunk.length;
        const before = this.heard[heard]!;
        if (before.length < 4096) {
          const more = new Uint8Array(before.length + chunk.length);
          more.set(before);
          more.set(chunk, before.length);
          this.heard[heard] = more.subarray(0, 4096);
        }
        out.enqueue(chunk);
      },
    });
    const count = new TransformStream<Uint8Array, Uint8Array>({
      transform: (chunk, out) => {
        this.relayed.toMember += chunk.length;
        out.enqueue(chunk);
      },
    });
    const pipe = async (from: Deno.TcpConn, to: Deno.TcpConn) => {
      try {
        const source = from === member
          ? from.readable.pipeThrough(listen)
          : from.readable.pipeThrough(count);
        await source.pipeTo(to.writable, { preventClose: false });
      } catch {
        // Cut, or one side went away: drop the other side too.
      }
      for (const conn of [from, to]) {
        try {
          conn.close();
        } catch {
          // Closed already.
        }
        this.#conns.delete(conn);
      }
    };
    await Promise.all([pipe(member, host), pipe(host, member)]);
  }

  #track(task: Promise<void>): void {
    this.#tasks.add(task);
    task.finally(() => this.#tasks.delete(task));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    this.cut();
    await Promise.allSettled([...this.#tasks]);
  }
}

if (import.meta.main) {
  const [port, hostPort] = Deno.args.map(Number);
  Relay.open(hostPort!, port);
  console.log(`relaying 127.0.0.1:${port} to 127.0.0.1:${hostPort}`);
}

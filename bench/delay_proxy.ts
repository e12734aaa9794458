/**
 * A TCP relay on loopback that holds every chunk it passes on for a fixed time each way: a link
 * with a delay, for timing what a protocol's trips cost (this machine's kernel has no `netem`).
 * Chunks keep their order; the connect itself is answered at once, not a trip later.
 *
 * @module
 */
import { HOSTNAME } from "./config.ts";

/** A relay from its own port to `target`, delaying each direction by `delayMs`. */
export class DelayProxy {
  readonly port: number;
  readonly #listener: Deno.Listener;
  readonly #conns = new Set<Deno.Conn>();
  readonly #serving: Promise<void>;

  constructor(target: number, delayMs: number) {
    this.#listener = Deno.listen({ hostname: HOSTNAME, port: 0 });
    this.port = (this.#listener.addr as Deno.NetAddr).port;
    this.#serving = this.#serve(target, delayMs);
  }

  async #serve(target: number, delayMs: number): Promise<void> {
    for await (const near of this.#listener) {
      this.#conns.add(near);
      void Deno.connect({ hostname: HOSTNAME, port: target }).then((far) => {
        this.#conns.add(far);
        const done = () => {
          this.#conns.delete(near);
          this.#conns.delete(far);
          shut(near);
          shut(far);
        };
        Promise.all([relay(near, far, delayMs), relay(far, near, delayMs)]).then(done, done);
      }, () => shut(near));
    }
  }

  async close(): Promise<void> {
    this.#listener.close();
    for (const conn of this.#conns) shut(conn);
    await this.#serving.catch(() => {});
  }
}

/** Passes what `from` sends on to `to`, each chunk `delayMs` after it came, in order. */
async function relay(from: Deno.Conn, to: Deno.Conn, delayMs: number): Promise<void> {
  const buffer = new Uint8Array(64 * 1024);
  let last: Promise<void> = Promise.resolve();
  try {
    for (;;) {
      const n = await from.read(buffer);
      if (n === null) break;
      const chunk = buffer.slice(0, n);
      const due = performance.now() + delayMs;
      last = last.then(async () => {
        const wait = due - performance.now();
        if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
        for (let done = 0; done < chunk.length;) done += await to.write(chunk.subarray(done));
      });
    }
    await last;
    await to.closeWrite();
  } catch {
    // Either side closed: the other is closed by the caller.
  }
}

function shut(conn: Deno.Conn): void {
  try {
    conn.close();
  } catch {
    // Closed already.
  }
}

/**
 * A valve on one member's connection to the host: a TCP relay on loopback that passes bytes
 * both ways unchanged, and whose member-to-host direction a test can close after a set number
 * of bytes more. A sender's file then stops part way, at a point that does not depend on how
 * fast the machine is: it is under way for as long as the test likes, and its sender's
 * connection is backed up behind it (what the valve has not passed, the member's own queue
 * holds). What the host sends the member always passes.
 *
 * rt seals everything end to end: the valve sees bytes, never a message.
 *
 * @module
 */
import { withTimeout } from "../../lib/util/mod.ts";

/** Bytes read at a time, each way. */
const BUFFER_BYTES = 1024 * 1024;

/** Relays one connection from the member to the host. */
export class Valve implements AsyncDisposable {
  readonly #listener: Deno.TcpListener;
  readonly #hostPort: number;
  readonly #conns: Deno.TcpConn[] = [];
  readonly #tasks: Promise<void>[] = [];
  /** Bytes the member may still send on; `Infinity` while open. */
  #allowance = Infinity;
  #passed = 0;
  /** Bytes read from the member and held back. */
  #held = 0;
  #closed = false;
  #changed = Promise.withResolvers<void>();

  private constructor(listener: Deno.TcpListener, hostPort: number) {
    this.#listener = listener;
    this.#hostPort = hostPort;
    this.#tasks.push(this.#accept());
  }

  /** A valve in front of the host on 127.0.0.1 `hostPort`; open until told otherwise. */
  static open(hostPort: number): Valve {
    return new Valve(Deno.listen({ hostname: "127.0.0.1", port: 0 }), hostPort);
  }

  /** Where the member connects instead of the host. */
  get port(): number {
    return this.#listener.addr.port;
  }

  /** Bytes passed from the member to the host so far. */
  get passed(): number {
    return this.#passed;
  }

  /** Passes `bytes` more from the member, then holds back the rest. */
  closeAfter(bytes: number): void {
    this.#allowance = bytes;
    this.#wake();
  }

  /** Passes everything again. */
  open(): void {
    this.#allowance = Infinity;
    this.#wake();
  }

  /**
   * Resolves once the valve holds bytes back: the member has more to send than it may. Rejects
   * when that has not happened within `timeoutMs` (the test then fails).
   */
  holding(timeoutMs = 120_000): Promise<void> {
    const held = async () => {
      while (this.#held === 0) {
        if (this.#closed) throw new Error("the valve closed before it held anything back");
        await this.#changed.promise;
      }
    };
    return withTimeout(
      held(),
      timeoutMs,
      () =>
        new Error(
          `the valve held nothing back within ${timeoutMs} ms (${this.#passed} bytes passed)`,
        ),
    );
  }

  /** Ends both connections and waits for the relay to stop. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cut();
    await Promise.all(this.#tasks);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #wake(): void {
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }

  #cut(): void {
    try {
      this.#listener.close();
    } catch {
      // Closed once the member came.
    }
    for (const conn of this.#conns) {
      try {
        conn.close();
      } catch {
        // Closed already.
      }
    }
    this.#wake();
  }

  async #accept(): Promise<void> {
    let member: Deno.TcpConn;
    try {
      member = await this.#listener.accept();
    } catch {
      return; // Closed before anyone came.
    }
    this.#listener.close();
    this.#conns.push(member);
    if (this.#closed) return this.#cut();
    const host = await Deno.connect({ hostname: "127.0.0.1", port: this.#hostPort });
    this.#conns.push(host);
    if (this.#closed) return this.#cut();
    // Either way ending ends both, as a direct connection would.
    const cutAfter = (pump: Promise<void>) => pump.catch(() => {}).finally(() => this.#cut());
    this.#tasks.push(cutAfter(this.#up(member, host)), cutAfter(this.#down(host, member)));
  }

  /** Member to host, within the allowance. */
  async #up(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(BUFFER_BYTES);
    while (!this.#closed) {
      const n = await from.read(buffer);
      if (n === null) return;
      let chunk = buffer.subarray(0, n);
      while (chunk.length > 0) {
        if (this.#allowance === 0) {
          this.#held = chunk.length;
          this.#wake();
          await this.#changed.promise;
          if (this.#closed) return;
          continue;
        }
        const take = Math.min(chunk.length, this.#allowance);
        await writeAll(to, chunk.subarray(0, take));
        this.#allowance -= take;
        this.#passed += take;
        chunk = chunk.subarray(take);
      }
      this.#held = 0;
    }
  }

  /** Host to member, all of it. */
  async #down(from: Deno.TcpConn, to: Deno.TcpConn): Promise<void> {
    const buffer = new Uint8Array(BUFFER_BYTES);
    while (!this.#closed) {
      const n = await from.read(buffer);
      if (n === null) return;
      await writeAll(to, buffer.subarray(0, n));
    }
  }
}

async function writeAll(conn: Deno.TcpConn, bytes: Uint8Array): Promise<void> {
  for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
}

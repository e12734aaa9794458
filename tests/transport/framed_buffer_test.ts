/**
 * Before authentication a connection reads into a small buffer: the 256 KiB one that bulk
 * transfers want comes only once the frame limit is raised (after the password is proven).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { encodeFrame } from "../../lib/codec/frame.ts";
import { HANDSHAKE_FRAME_BYTES } from "../../lib/transport/secure.ts";

/** A stream fed by the test that notes the size of every buffer it is asked to read into. */
class FakeStream {
  readonly sizes: number[] = [];
  #chunks: Uint8Array[] = [];
  #waiting: (() => void) | null = null;
  #closed = false;

  feed(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#waiting?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    this.sizes.push(buffer.length);
    while (this.#chunks.length === 0) {
      if (this.#closed) return null;
      await new Promise<void>((resolve) => this.#waiting = resolve);
      this.#waiting = null;
    }
    const chunk = this.#chunks.shift()!;
    const n = Math.min(chunk.length, buffer.length);
    buffer.set(chunk.subarray(0, n));
    if (n < chunk.length) this.#chunks.unshift(chunk.subarray(n));
    return n;
  }

  write(data: Uint8Array): Promise<number> {
    return Promise.resolve(data.length);
  }

  close(): void {
    this.#closed = true;
    this.#waiting?.();
  }
}

Deno.test("a connection not yet admitted reads into a small buffer; a big one after the limit is raised", async () => {
  const stream = new FakeStream();
  const framed = new FramedConnection(stream, { maxFrameBytes: HANDSHAKE_FRAME_BYTES });
  stream.feed(encodeFrame(new Uint8Array(900)));
  assertEquals((await framed.next())?.length, 900);
  assertOk(stream.sizes.every((n) => n <= 4096), `before: ${stream.sizes}`);
  // Authenticated: frames up to 256 KiB, read in big chunks.
  framed.maxFrameBytes = 256 * 1024;
  stream.feed(encodeFrame(new Uint8Array(200_000)));
  assertEquals((await framed.next())?.length, 200_000);
  assertOk(stream.sizes.some((n) => n === 256 * 1024), `after: ${stream.sizes}`);
  framed.close();
  await framed.done;
});

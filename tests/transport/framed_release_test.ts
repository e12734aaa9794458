/**
 * What a connection holds before authentication, and gives back when it ends: a flood of
 * garbage connections must not add up to memory (issue 13, item 7).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { encodeFrame } from "../../lib/codec/frame.ts";
import { HANDSHAKE_FRAME_BYTES } from "../../lib/transport/secure.ts";

/** A stream fed by the test that keeps every buffer it is asked to read into. */
class FakeStream {
  readonly buffers: Uint8Array[] = [];
  #chunks: Uint8Array[] = [];
  #waiting: (() => void) | null = null;
  #closed = false;

  feed(bytes: Uint8Array): void {
    this.#chunks.push(bytes);
    this.#waiting?.();
  }

  async read(buffer: Uint8Array): Promise<number | null> {
    this.buffers.push(buffer);
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

const tick = () => new Promise((resolve) => setTimeout(resolve, 10));

Deno.test("the read buffer is given back as soon as the connection has ended", async () => {
  const stream = new FakeStream();
  const framed = new FramedConnection(stream, { maxFrameBytes: HANDSHAKE_FRAME_BYTES });
  stream.feed(encodeFrame(new Uint8Array(100)));
  assertEquals((await framed.next())?.length, 100);
  framed.close();
  await framed.done;
  // Released (detached) rather than left for a full garbage collection to find.
  for (const buffer of stream.buffers) assertEquals(buffer.buffer.byteLength, 0);
});

Deno.test("before authentication, garbage is not read ahead in bulk", async () => {
  const stream = new FakeStream();
  const framed = new FramedConnection(stream, { maxFrameBytes: HANDSHAKE_FRAME_BYTES });
  for (let i = 0; i < 20; i++) stream.feed(encodeFrame(new Uint8Array(500)));
  await tick();
  // A joiner sends one handshake message and waits: two frames ahead are plenty.
  assertOk(stream.buffers.length <= 3, `${stream.buffers.length} reads before any frame was taken`);
  // Once authenticated, frames are read ahead again.
  framed.maxFrameBytes = 256 * 1024;
  assertEquals((await framed.next())?.length, 500);
  await tick();
  assertOk(stream.buffers.length >= 20, `${stream.buffers.length} reads after authentication`);
  framed.close();
  await framed.done;
});

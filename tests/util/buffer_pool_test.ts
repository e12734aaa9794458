/**
 * `BufferPool`: views of the size asked, buffers used again once given back, and a buffer given
 * back leaves every view of it empty (never the bytes of what is read into it next).
 */
import { assertEquals } from "../assert.ts";
import { BufferPool } from "../../lib/util/mod.ts";

Deno.test("buffer pool: views of the length asked, none over the pool's size", () => {
  const pool = new BufferPool(1024, 2);
  const view = pool.take(100)!;
  assertEquals(view.length, 100);
  assertEquals(view.buffer.byteLength, 1024);
  assertEquals(pool.take(1025), null);
  assertEquals(pool.take(1024)!.length, 1024);
});

Deno.test("buffer pool: a buffer given back is used again, and its old views are empty", () => {
  const pool = new BufferPool(1024, 2);
  const first = pool.take(512)!;
  first.fill(7);
  const inside = first.subarray(10, 20);
  pool.give(inside);
  assertEquals(pool.free, 1);
  assertEquals(first.length, 0, "the frame given back is empty");
  assertEquals(inside.length, 0, "and so is every other view of it");
  const next = pool.take(300)!;
  assertEquals(pool.free, 0);
  next.fill(9);
  assertEquals(first.length, 0, "the old view never sees the new bytes");
  assertEquals(next[0], 9);
  // Given back twice: the second time its buffer is already gone.
  pool.give(next);
  pool.give(next);
  assertEquals(pool.free, 1);
});

Deno.test("buffer pool: only its own buffers are taken back, and no more than it keeps", () => {
  const pool = new BufferPool(64, 1);
  const stranger = new Uint8Array(64).fill(1);
  pool.give(stranger);
  assertEquals(pool.free, 0);
  assertEquals(stranger.length, 64);
  assertEquals(stranger[63], 1, "a buffer of the same size, not the pool's, is left alone");
  const [a, b] = [pool.take(64)!, pool.take(64)!];
  pool.give(a);
  pool.give(b);
  assertEquals(pool.free, 1);
  assertEquals(b.length, 64, "the one it had no room for is left as it was");
});

/**
 * `appendConsuming`: the same bytes whichever way it goes, growing a buffer of its own in place
 * (the head left detached) and copying anything else (the head left as it was).
 */
import { assertEquals } from "../assert.ts";
import { appendConsuming } from "../../lib/util/mod.ts";

const TAIL = new Uint8Array([0xee, 0xff]);

function counting(length: number): Uint8Array {
  return new Uint8Array(length).map((_, i) => i & 0xff);
}

Deno.test("appendConsuming: a buffer of its own grows, and the head is used up", () => {
  const head = counting(200_000);
  const buffer = head.buffer;
  const out = appendConsuming(head, TAIL);
  assertEquals(out.length, 200_002);
  assertEquals(out.subarray(0, 200_000), counting(200_000));
  assertEquals(out.subarray(200_000), TAIL);
  assertEquals(buffer.byteLength, 0, "the head's buffer was moved, not copied");
  assertEquals(head.length, 0);
});

Deno.test("appendConsuming: anything that is not a whole buffer of its own is copied", () => {
  const whole = counting(64);
  const shared = new Uint8Array(new SharedArrayBuffer(8));
  shared.set([1, 2, 3, 4, 5, 6, 7, 8]);
  const resizable = new Uint8Array(new ArrayBuffer(4, { maxByteLength: 16 }));
  resizable.set([9, 8, 7, 6]);
  for (
    const [what, head] of [
      ["a view inside a larger buffer", whole.subarray(8, 40)],
      ["the start of a larger buffer", whole.subarray(0, 32)],
      ["a shared buffer", shared],
      ["a resizable buffer", resizable],
    ] as const
  ) {
    const before = Array.from(head);
    const out = appendConsuming(head, TAIL);
    assertEquals(Array.from(out), [...before, 0xee, 0xff], what);
    assertEquals(Array.from(head), before, `${what}: left as it was`);
  }
  assertEquals(whole, counting(64));
});

Deno.test("appendConsuming: empty head or tail, or a head already used up", () => {
  assertEquals(appendConsuming(new Uint8Array(0), TAIL), TAIL);
  const buffer = new ArrayBuffer(8);
  const used = new Uint8Array(buffer);
  buffer.transfer();
  assertEquals(appendConsuming(used, TAIL), TAIL);
  assertEquals(appendConsuming(counting(3), new Uint8Array(0)), counting(3));
});

import { assertEquals, assertThrows } from "../assert.ts";
import { encodeFrame, FrameReader, largeFrames, MAX_FRAME_BYTES } from "../../lib/codec/frame.ts";
import { concatAll } from "../../lib/util/mod.ts";
import { RtError } from "../../lib/errors.ts";

const code = (c: string) => (e: unknown) => e instanceof RtError && e.code === c;

Deno.test("frames survive being split at every byte boundary", () => {
  const payloads = [new Uint8Array([1, 2, 3]), new Uint8Array(0), new Uint8Array(300).fill(7)];
  const stream = new Uint8Array(payloads.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const p of payloads) {
    stream.set(encodeFrame(p), offset);
    offset += 4 + p.length;
  }
  for (let cut = 0; cut <= stream.length; cut++) {
    const reader = new FrameReader();
    const got = [...reader.push(stream.slice(0, cut)), ...reader.push(stream.slice(cut))];
    assertEquals(got, payloads);
    reader.end();
  }
});

Deno.test("an oversize length prefix is refused before anything is buffered", () => {
  const reader = new FrameReader(1024);
  assertThrows(
    () => reader.push(new Uint8Array([0xff, 0xff, 0xff, 0xff])),
    code("frame-too-large"),
  );
  assertThrows(() => new FrameReader().push(encodeFrame(new Uint8Array(10)).fill(0xff, 0, 4)));
  assertEquals(reader.pending, 0);
});

Deno.test("a frame cut short at the end of the stream is reported", () => {
  const reader = new FrameReader();
  assertEquals(reader.push(encodeFrame(new Uint8Array(10)).slice(0, 8)), []);
  assertThrows(() => reader.end(), code("frame-truncated"));
});

Deno.test("encodeFrame refuses payloads over the limit", () => {
  assertThrows(() => encodeFrame(new Uint8Array(MAX_FRAME_BYTES + 1)), code("frame-too-large"));
  assertEquals(encodeFrame(new Uint8Array(2)), new Uint8Array([0, 0, 0, 2, 0, 0]));
});

Deno.test("the frame limit cannot be set out of range", () => {
  const reader = new FrameReader();
  assertThrows(() => reader.maxBytes = 0, (e) => e instanceof RangeError);
  assertThrows(() => reader.maxBytes = MAX_FRAME_BYTES + 1, (e) => e instanceof RangeError);
});

Deno.test("file chunks' frames, whole in a chunk or cut across three, come out whole round after round, each given back", () => {
  // Two frames of a file chunk's size (pooled), and a smaller one between them (not pooled).
  const payloads = [131_200, 70_000, 131_088].map((size, k) =>
    new Uint8Array(size).map((_, i) => (i * 7 + k) & 0xff)
  );
  for (let round = 0; round < 3; round++) {
    const reader = new FrameReader();
    const stream = concatAll(payloads.map((p) => encodeFrame(p)));
    // Cut so that the first frame is whole in the first chunk and the others straddle.
    const cuts = [131_300, 180_000, stream.length];
    const got: Uint8Array[] = [];
    let at = 0;
    for (const cut of cuts) {
      got.push(...reader.push(stream.slice(at, cut)));
      at = cut;
    }
    reader.end();
    assertEquals(got, payloads);
    // Done with them, as a file's receiver is once a chunk is decrypted: the next round reads
    // into the same buffers, and these views are left empty. The smaller frame's buffer is its
    // own, and is left as it was.
    for (const frame of got) largeFrames.give(frame);
    assertEquals(got.map((f) => f.length), [0, 70_000, 0]);
  }
});

/**
 * Fuzzing the framing layer: `FrameReader` against a reference parser over random streams,
 * mutated valid streams and every way of splitting them, and `FramedConnection` over an
 * in-memory stream fed the same.
 */
import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import {
  encodeFrame,
  FRAME_HEADER_BYTES,
  FrameReader,
  MAX_FRAME_BYTES,
} from "../../lib/codec/frame.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import {
  concatBytes,
  cutsArb,
  expectRtError,
  fuzzParameters,
  memoryPair,
  mutate,
  mutationsArb,
  settleWithin,
  split,
  withRejectionWatch,
} from "./support.ts";

type Outcome = "ok" | "frame-too-large" | "frame-truncated";

/** The reference: a one-shot parse of the whole stream. */
function model(stream: Uint8Array, limit: number): { frames: Uint8Array[]; outcome: Outcome } {
  const frames: Uint8Array[] = [];
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  let offset = 0;
  while (stream.length - offset >= FRAME_HEADER_BYTES) {
    const length = view.getUint32(offset);
    if (length > limit) return { frames, outcome: "frame-too-large" };
    if (stream.length - offset - FRAME_HEADER_BYTES < length) break;
    frames.push(stream.slice(offset + FRAME_HEADER_BYTES, offset + FRAME_HEADER_BYTES + length));
    offset += FRAME_HEADER_BYTES + length;
  }
  return { frames, outcome: offset === stream.length ? "ok" : "frame-truncated" };
}

/**
 * Feeds `chunks` to a reader, checking after each push that it never holds more than one
 * incomplete frame under the limit, that it throws nothing but the two framing errors, and that
 * the frames it returns are its own copies. Returns what it produced.
 */
function feed(chunks: Uint8Array[], limit: number): { frames: Uint8Array[]; outcome: Outcome } {
  const reader = new FrameReader(limit);
  const frames: Uint8Array[] = [];
  for (const chunk of chunks) {
    let got: Uint8Array[];
    try {
      got = reader.push(chunk);
    } catch (error) {
      expectRtError(error, "frame-too-large");
      assertEquals(reader.pending, 0, "a refused stream leaves nothing buffered");
      return { frames, outcome: "frame-too-large" };
    }
    for (const frame of got) assertOk(frame.length <= limit, "frame over the limit");
    frames.push(...got);
    assertOk(
      reader.pending < FRAME_HEADER_BYTES + limit,
      `buffered ${reader.pending} bytes with a limit of ${limit}`,
    );
    // The reader must not keep or hand out views of the caller's buffer (sockets reuse theirs).
    chunk.fill(0xa5);
  }
  try {
    reader.end();
  } catch (error) {
    expectRtError(error, "frame-truncated");
    assertOk(reader.pending > 0);
    return { frames, outcome: "frame-truncated" };
  }
  assertEquals(reader.pending, 0);
  return { frames, outcome: "ok" };
}

/** Checks the incremental reader against the reference on one stream and one split. */
function checkAgainstModel(stream: Uint8Array, cuts: number[], limit: number): void {
  const expected = model(stream, limit);
  const got = feed(split(stream, cuts), limit);
  assertEquals(got.outcome, expected.outcome);
  if (got.outcome === "frame-too-large") {
    // Frames completed in the push that hit the bad prefix are dropped with it.
    assertOk(got.frames.length <= expected.frames.length);
    assertEquals(got.frames, expected.frames.slice(0, got.frames.length));
  } else {
    assertEquals(got.frames, expected.frames);
  }
}

/** Frame limits: mostly small (so random prefixes hit them), sometimes the real one. */
const limitArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 64 }) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: MAX_FRAME_BYTES }) },
  { weight: 1, arbitrary: fc.constant(MAX_FRAME_BYTES) },
);

/** Payloads of a valid stream, within `limit`. */
const payloadsArb = (limit: number) =>
  fc.array(fc.uint8Array({ maxLength: Math.min(limit, 96) }), { maxLength: 10 });

/** Random bytes that look like streams: random, or with plausible small length prefixes. */
const randomStreamArb = fc.oneof(
  fc.uint8Array({ maxLength: 256 }),
  fc.array(
    fc.tuple(fc.integer({ min: 0, max: 80 }), fc.uint8Array({ maxLength: 80 })).map(
      ([length, body]) => {
        const header = new Uint8Array(FRAME_HEADER_BYTES);
        new DataView(header.buffer).setUint32(0, length);
        return concatBytes([header, body]);
      },
    ),
    { maxLength: 6 },
  ).map(concatBytes),
);

Deno.test("fuzz: FrameReader on random streams, split anywhere, matches a one-shot parse", () => {
  fc.assert(
    fc.property(randomStreamArb, cutsArb, limitArb, (stream, cuts, limit) => {
      checkAgainstModel(stream, cuts, limit);
    }),
    fuzzParameters(1000),
  );
});

Deno.test("fuzz: valid frame streams split anywhere round-trip exactly", () => {
  fc.assert(
    fc.property(
      limitArb.chain((limit) => fc.tuple(fc.constant(limit), payloadsArb(limit), cutsArb)),
      ([limit, payloads, cuts]) => {
        const stream = concatBytes(payloads.map((p) => encodeFrame(p, limit)));
        const got = feed(split(stream, cuts), limit);
        assertEquals(got.outcome, "ok");
        assertEquals(got.frames, payloads);
      },
    ),
    fuzzParameters(1000),
  );
});

Deno.test("fuzz: encodeFrame refuses exactly the payloads over the limit", () => {
  fc.assert(
    fc.property(fc.integer({ min: 1, max: 128 }), fc.nat(200), (limit, length) => {
      const payload = new Uint8Array(length).fill(7);
      try {
        const frame = encodeFrame(payload, limit);
        assertOk(length <= limit);
        assertEquals(frame.length, FRAME_HEADER_BYTES + length);
        assertEquals(new DataView(frame.buffer).getUint32(0), length);
      } catch (error) {
        expectRtError(error, "frame-too-large");
        assertOk(length > limit);
      }
    }),
    fuzzParameters(300),
  );
});

Deno.test("fuzz: mutated frame streams give frames or a framing error, never more", () => {
  fc.assert(
    fc.property(
      limitArb.chain((limit) =>
        fc.tuple(fc.constant(limit), payloadsArb(limit), mutationsArb, cutsArb)
      ),
      ([limit, payloads, mutations, cuts]) => {
        const stream = concatBytes(payloads.map((p) => encodeFrame(p, limit)));
        checkAgainstModel(mutate(stream, mutations), cuts, limit);
      },
    ),
    fuzzParameters(1000),
  );
});

Deno.test("fuzz: an oversize length prefix is refused before anything is buffered", () => {
  fc.assert(
    fc.property(
      limitArb.chain((limit) =>
        fc.tuple(
          fc.constant(limit),
          payloadsArb(limit),
          fc.nat(),
          fc.integer({ min: limit + 1, max: 0xffff_ffff }),
          fc.uint8Array({ maxLength: 64 }),
          cutsArb,
        )
      ),
      ([limit, payloads, index, announced, tail, cuts]) => {
        const frames = payloads.map((p) => encodeFrame(p, limit));
        const at = index % (frames.length + 1);
        const header = new Uint8Array(FRAME_HEADER_BYTES);
        new DataView(header.buffer).setUint32(0, announced);
        const stream = concatBytes([...frames.slice(0, at), header, tail]);
        const got = feed(split(stream, cuts), limit);
        assertEquals(got.outcome, "frame-too-large");
        assertEquals(got.frames, payloads.slice(0, got.frames.length));
        assertOk(got.frames.length <= at);
      },
    ),
    fuzzParameters(500),
  );
});

Deno.test("fuzz: a stream cut inside a frame ends as frame-truncated", () => {
  fc.assert(
    fc.property(
      limitArb.chain((limit) =>
        fc.tuple(fc.constant(limit), payloadsArb(limit), fc.nat(), cutsArb)
      ),
      ([limit, payloads, cut, cuts]) => {
        const stream = concatBytes(payloads.map((p) => encodeFrame(p, limit)));
        const at = cut % (stream.length + 1);
        // Frame boundaries: cutting there leaves a valid, shorter stream.
        const boundaries = new Set([0]);
        let offset = 0;
        for (const p of payloads) boundaries.add(offset += FRAME_HEADER_BYTES + p.length);
        const got = feed(split(stream.slice(0, at), cuts), limit);
        assertEquals(got.outcome, boundaries.has(at) ? "ok" : "frame-truncated");
        assertEquals(got.frames, payloads.slice(0, got.frames.length));
      },
    ),
    fuzzParameters(500),
  );
});

Deno.test("fuzz: FramedConnection over a stream of hostile chunks", async () => {
  await withRejectionWatch(async (check) => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          randomStreamArb,
          fc.tuple(payloadsArb(64), mutationsArb).map(([payloads, mutations]) =>
            mutate(concatBytes(payloads.map((p) => encodeFrame(p))), mutations)
          ),
        ),
        cutsArb,
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 4 }),
        async (stream, cuts, limit, readAhead) => {
          const expected = model(stream, limit);
          const [near, far] = memoryPair();
          const framed = new FramedConnection(near, { maxFrameBytes: limit, readAhead });
          for (const chunk of split(stream, cuts)) await far.write(chunk);
          far.close();
          const frames: Uint8Array[] = [];
          let outcome: Outcome = "ok";
          while (true) {
            const next = await settleWithin(framed.next(1000), 2000, "next()");
            if (!next.ok) {
              outcome = expectRtError(next.error, "frame-too-large", "frame-truncated")
                .code as Outcome;
              break;
            }
            if (next.value === null) break;
            frames.push(next.value);
          }
          framed.close();
          await framed.done;
          assertEquals(outcome, expected.outcome);
          if (outcome === "frame-too-large") {
            assertEquals(frames, expected.frames.slice(0, frames.length));
          } else assertEquals(frames, expected.frames);
          await check();
        },
      ),
      fuzzParameters(300),
    );
  });
});

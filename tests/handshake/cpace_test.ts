import { assertEquals, assertNotEquals, assertThrows } from "../assert.ts";
import vectors from "../testdata/cpace-ristretto255-sha512-vectors.json" with { type: "json" };
import { lvCat, prependLen } from "../../lib/handshake/bytes.ts";
import { concat, fromHex, toHex, utf8 } from "../../lib/util/mod.ts";
import {
  calculateGenerator,
  DSI,
  DSI_ISK,
  finishCpace,
  generatorString,
  intermediateSessionKey,
  sampleScalar,
  scalarMult,
  scalarMultVfy,
  sha512,
  sidOutput,
  startCpace,
  transcriptIr,
} from "../../lib/handshake/cpace.ts";
import { RtError } from "../../lib/errors.ts";
import { sodium } from "../../lib/handshake/sodium.ts";

Deno.test("prepend_len matches the draft's string utility vectors", () => {
  for (const v of vectors.string_utils.prepend_len) {
    assertEquals(toHex(prependLen(fromHex(v.input))), v.output);
  }
});

Deno.test("domain separation strings match the draft", () => {
  assertEquals(toHex(DSI), vectors.conventions.DSI);
  assertEquals(toHex(DSI_ISK), vectors.vectors[0]!.intermediate.DSI_ISK);
});

for (
  const [label, v] of [
    ["draft-21", vectors.vectors[0]!],
    ["draft-18 legacy", vectors.legacy_draft18],
  ] as const
) {
  Deno.test(`CPace ${label} vector: generator, shares, K, ISK and sid_output`, () => {
    const i = v.inputs, m = v.intermediate, out = v.outputs;
    const prs = fromHex(i.PRS), ci = fromHex(i.CI), sid = fromHex(i.sid);
    const ada = fromHex(i.ADa), adb = fromHex(i.ADb);
    assertEquals(toHex(generatorString(prs, ci, sid)), m.generator_string);
    assertEquals(toHex(sha512(generatorString(prs, ci, sid))), m.generator_string_sha512);
    assertEquals(toHex(calculateGenerator(prs, ci, sid)), out.g);
    const a = startCpace(prs, ci, sid, fromHex(i.ya));
    const b = startCpace(prs, ci, sid, fromHex(i.yb));
    assertEquals(toHex(a.share), out.Ya);
    assertEquals(toHex(b.share), out.Yb);
    const k = scalarMultVfy(a.secret, b.share);
    assertEquals(toHex(k), out.K);
    assertEquals(toHex(scalarMultVfy(b.secret, a.share)), out.K);
    const transcript = transcriptIr(a.share, ada, b.share, adb);
    assertEquals(toHex(transcript), m.transcript_ir);
    assertEquals(toHex(concat(lvCat(DSI_ISK, sid, k), transcript)), m.isk_input_ir);
    assertEquals(toHex(intermediateSessionKey(sid, k, transcript)), out.ISK_IR);
    const common = { sid, ya: a.share, ada, yb: b.share, adb };
    assertEquals(
      toHex(finishCpace({ ...common, secret: a.secret, peerShare: b.share })),
      out.ISK_IR,
    );
    assertEquals(
      toHex(finishCpace({ ...common, secret: b.secret, peerShare: a.share })),
      out.ISK_IR,
    );
    assertEquals(toHex(sidOutput(transcript)), out.sid_output_ir);
  });
}

Deno.test("a wrong password gives a different ISK", () => {
  const ci = utf8("ci"), sid = utf8("0123456789abcdef");
  const a = startCpace(utf8("right"), ci, sid);
  const b = startCpace(utf8("wrong"), ci, sid);
  const common = { sid, ya: a.share, ada: new Uint8Array(), yb: b.share, adb: new Uint8Array() };
  const iskA = finishCpace({ ...common, secret: a.secret, peerShare: b.share });
  const iskB = finishCpace({ ...common, secret: b.secret, peerShare: a.share });
  assertNotEquals(toHex(iskA), toHex(iskB));
});

Deno.test("scalar_mult_vfy on the draft's valid point", () => {
  for (const v of vectors.scalar_mult_valid) {
    assertEquals(toHex(scalarMult(fromHex(v.s), fromHex(v.X))), v.scalar_mult_s_decodeX);
    assertEquals(toHex(scalarMultVfy(fromHex(v.s), fromHex(v.X))), v.scalar_mult_vfy_s_X);
  }
});

Deno.test("scalar_mult_vfy aborts on the draft's invalid points", () => {
  for (const v of vectors.scalar_mult_vfy_invalid) {
    assertThrows(
      () => scalarMultVfy(fromHex(v.s), fromHex(v.Y)),
      (e: unknown) => e instanceof RtError && e.code === "handshake-invalid-share",
    );
  }
});

Deno.test("sample_scalar: canonical, never zero, fresh each time, and usable as y", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const y = sampleScalar();
    assertEquals(y.length, 32);
    // Canonical: reducing it again (padded to 64 bytes) changes nothing; below the order.
    assertEquals(sodium.crypto_core_ristretto255_scalar_reduce(concat(y, new Uint8Array(32))), y);
    assertNotEquals(toHex(y), "00".repeat(32));
    seen.add(toHex(y));
  }
  assertEquals(seen.size, 200);
  // Two parties with fresh scalars agree on K = y_a·(y_b·g) = y_b·(y_a·g).
  const g = calculateGenerator(utf8("password"), utf8("ci"), new Uint8Array(16));
  const a = sampleScalar(), b = sampleScalar();
  assertEquals(scalarMultVfy(a, scalarMult(b, g)), scalarMultVfy(b, scalarMult(a, g)));
});

import { assertEquals, assertThrows } from "../assert.ts";
import { Opener, Sealer } from "../../lib/handshake/channel.ts";
import { utf8 } from "../../lib/util/mod.ts";
import { RtError } from "../../lib/errors.ts";

const key = crypto.getRandomValues(new Uint8Array(32));
const failed = (e: unknown) => e instanceof RtError && e.code === "decrypt-failed";

function pair() {
  return { sealer: new Sealer(key), opener: new Opener(key) };
}

Deno.test("frames open in order", () => {
  const { sealer, opener } = pair();
  for (const text of ["one", "two", ""]) {
    assertEquals(opener.open(sealer.seal(utf8(text))), utf8(text));
  }
});

Deno.test("an altered frame is refused, and so is every bit flip", () => {
  const { sealer } = pair();
  const sealed = sealer.seal(utf8("hello"));
  for (let i = 0; i < sealed.length * 8; i++) {
    const copy = sealed.slice();
    copy[i >> 3]! ^= 1 << (i & 7);
    assertThrows(() => new Opener(key).open(copy), failed);
  }
});

Deno.test("a replayed frame is refused", () => {
  const { sealer, opener } = pair();
  const first = sealer.seal(utf8("a"));
  opener.open(first);
  assertThrows(() => opener.open(first), failed);
});

Deno.test("reordered frames are refused", () => {
  const { sealer, opener } = pair();
  sealer.seal(utf8("a"));
  const second = sealer.seal(utf8("b"));
  assertThrows(() => opener.open(second), failed);
});

Deno.test("a truncated frame is refused", () => {
  const { sealer, opener } = pair();
  const sealed = sealer.seal(utf8("hello world"));
  assertThrows(() => opener.open(sealed.slice(0, sealed.length - 1)), failed);
  assertThrows(() => opener.open(sealed.slice(0, 10)), failed);
});

Deno.test("a frame sealed under another key is refused", () => {
  const other = new Sealer(crypto.getRandomValues(new Uint8Array(32)));
  assertThrows(() => new Opener(key).open(other.seal(utf8("x"))), failed);
});

Deno.test("keys of the wrong size are programmer errors", () => {
  assertThrows(() => new Sealer(new Uint8Array(16)), (e) => e instanceof RangeError);
  assertThrows(() => new Opener(new Uint8Array(33)), (e) => e instanceof RangeError);
});

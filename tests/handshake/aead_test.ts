/**
 * ChaCha20-Poly1305 both ways (libsodium, native): RFC 8439's AEAD vector, agreement with each
 * other at every size around the switch, and refusal of anything altered.
 */
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { fromHex, toHex } from "../../lib/util/mod.ts";
import { NATIVE_FROM_BYTES, open, seal } from "../../lib/handshake/aead.ts";

// RFC 8439, section 2.8.2.
const KEY = fromHex("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
const NONCE = fromHex("070000004041424344454647");
const AD = fromHex("50515253c0c1c2c3c4c5c6c7");
const PLAINTEXT = new TextEncoder().encode(
  "Ladies and Gentlemen of the class of '99: If I could offer you only one tip for the " +
    "future, sunscreen would be it.",
);
const CIPHERTEXT = "d31a8d34648e60db7b86afbc53ef7ec2a4aded51296e08fea9e2b5a736ee62d6" +
  "3dbea45e8ca9671282fafb69da92728b1a71de0a9e060b2905d6a5b67ecd3b36" +
  "92ddbd7f2d778b8c9803aee328091b58fab324e4fad675945585808b4831d7bc" +
  "3ff4def08e4b7a9de576d26586cec64b6116";
const TAG = "1ae10b594f09e26a7e902ecbd0600691";

for (const native of [false, true]) {
  const which = native ? "native" : "libsodium";
  Deno.test(`aead (${which}): RFC 8439 AEAD vector`, () => {
    const sealed = seal(KEY, NONCE, PLAINTEXT, AD, native);
    assertEquals(toHex(sealed), CIPHERTEXT + TAG);
    assertEquals(open(KEY, NONCE, sealed, AD, native), PLAINTEXT);
  });

  Deno.test(`aead (${which}): anything altered is refused`, () => {
    const sealed = seal(KEY, NONCE, PLAINTEXT, AD, native);
    for (const at of [0, 50, sealed.length - 17, sealed.length - 1]) {
      const bad = sealed.slice();
      bad[at]! ^= 1;
      assertThrows(() => open(KEY, NONCE, bad, AD, native));
    }
    assertThrows(() => open(KEY, NONCE, sealed, null, native));
    assertThrows(() => open(KEY, new Uint8Array(12), sealed, AD, native));
    assertThrows(() => open(KEY, NONCE, sealed.subarray(0, 10), AD, native));
  });
}

Deno.test("aead: both implementations agree at every size around the switch", () => {
  const key = crypto.getRandomValues(new Uint8Array(32));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  for (
    const size of [
      0,
      1,
      63,
      64,
      65,
      NATIVE_FROM_BYTES - 1,
      NATIVE_FROM_BYTES,
      65_536,
      65_537,
      131_072,
    ]
  ) {
    const data = new Uint8Array(size).map((_, i) => (i * 31 + 7) & 0xff);
    for (const ad of [null, new Uint8Array([1, 2, 3])]) {
      const a = seal(key, nonce, data, ad, false);
      const b = seal(key, nonce, data, ad, true);
      assertEquals(toHex(a), toHex(b), `size ${size}`);
      assertEquals(open(key, nonce, a, ad, true), data);
      assertEquals(open(key, nonce, b, ad, false), data);
      assertOk(open(key, nonce, a, ad).length === size);
    }
  }
});

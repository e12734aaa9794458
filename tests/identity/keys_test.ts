import { assertEquals, assertNotEquals, assertOk } from "../assert.ts";
import {
  fingerprint,
  generateIdentity,
  identityFromSeed,
  identitySeed,
  safetyCode,
  sign,
  verify,
} from "../../lib/identity/keys.ts";
import { sodium } from "../../lib/handshake/sodium.ts";
import { concat, fromHex, toHex, utf8 } from "../../lib/util/mod.ts";

// RFC 8032, section 7.1, tests 1 to 3 (Ed25519).
const RFC8032 = [
  {
    seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
    publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    message: "",
    signature:
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
  },
  {
    seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
    publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    message: "72",
    signature:
      "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00",
  },
  {
    seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
    publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
    message: "af82",
    signature:
      "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a",
  },
];

Deno.test("Ed25519 keys and signatures match RFC 8032", () => {
  for (const v of RFC8032) {
    const identity = identityFromSeed(fromHex(v.seed));
    assertEquals(toHex(identity.publicKey), v.publicKey);
    assertEquals(toHex(identitySeed(identity)), v.seed);
    const signature = sodium.crypto_sign_detached(fromHex(v.message), identity.secretKey);
    assertEquals(toHex(signature), v.signature);
    assertOk(sodium.crypto_sign_verify_detached(signature, fromHex(v.message), identity.publicKey));
  }
});

Deno.test("labelled signatures verify only with the same key, label and message", () => {
  const a = generateIdentity(), b = generateIdentity();
  const sig = sign(a, "label one", utf8("hello"));
  assertOk(verify(a.publicKey, "label one", utf8("hello"), sig));
  assertOk(!verify(b.publicKey, "label one", utf8("hello"), sig), "another key");
  assertOk(!verify(a.publicKey, "label two", utf8("hello"), sig), "another label");
  assertOk(!verify(a.publicKey, "label one", utf8("hellO"), sig), "another message");
  const flipped = sig.slice();
  flipped[10]! ^= 1;
  assertOk(!verify(a.publicKey, "label one", utf8("hello"), flipped), "altered signature");
  assertOk(!verify(a.publicKey.slice(1), "label one", utf8("hello"), sig), "short key");
  assertOk(!verify(new Uint8Array(32), "label one", utf8("hello"), sig), "zero key");
});

Deno.test("fingerprints read aloud in groups of five digits; safety codes match on both sides", () => {
  const a = generateIdentity(), b = generateIdentity();
  assertOk(/^\d{5}( \d{5}){5}$/.test(fingerprint(a.publicKey)), fingerprint(a.publicKey));
  assertNotEquals(fingerprint(a.publicKey), fingerprint(b.publicKey));
  assertEquals(safetyCode(a.publicKey, b.publicKey), safetyCode(b.publicKey, a.publicKey));
  assertOk(/^\d{5}( \d{5}){11}$/.test(safetyCode(a.publicKey, b.publicKey)));
  assertNotEquals(
    safetyCode(a.publicKey, b.publicKey),
    safetyCode(a.publicKey, generateIdentity().publicKey),
  );
});

// Known answers, so the format people compare aloud cannot drift between versions. Checked once
// by hand against the construction with node:crypto's SHA-512: each group is five bytes of
// SHA-512("rt fingerprint" ‖ key) (or "rt safety code" ‖ lower key ‖ higher key) read as a
// big-endian number, modulo 100000.
Deno.test("fingerprints and safety codes of fixed keys are what released versions showed", () => {
  const [one, two, three] = RFC8032.map((v) => fromHex(v.publicKey)) as [
    Uint8Array,
    Uint8Array,
    Uint8Array,
  ];
  assertEquals(fingerprint(one), "83730 94279 01776 60727 97045 36417");
  assertEquals(fingerprint(two), "99444 32708 66558 35636 82477 01387");
  const oneTwo = "59480 93263 78928 45310 46673 37341 24404 91388 89913 35729 69864 31100";
  assertEquals(safetyCode(one, two), oneTwo);
  assertEquals(safetyCode(two, one), oneTwo);
  assertEquals(
    safetyCode(three, one),
    "65410 87281 12641 13693 74704 24783 17400 54053 61154 43037 16856 31601",
  );
  // The key from its seed gives the same fingerprint as the published key.
  assertEquals(
    fingerprint(identityFromSeed(fromHex(RFC8032[0]!.seed)).publicKey),
    "83730 94279 01776 60727 97045 36417",
  );
});

/** S + L, little-endian: the same signature written non-canonically (RFC 8032 refuses it). */
function plusOrder(signature: Uint8Array): Uint8Array {
  const order = fromHex("edd3f55c1a631258d69cf7a2def9de1400000000000000000000000000000010");
  const out = signature.slice();
  let carry = 0;
  for (let i = 0; i < 32; i++) {
    const sum = out[32 + i]! + order[i]! + carry;
    out[32 + i] = sum & 0xff;
    carry = sum >> 8;
  }
  return out;
}

Deno.test("verify is as strict as libsodium: S at or past L, and weak keys, are refused", () => {
  const id = generateIdentity();
  const message = utf8("hello");
  const signature = sign(id, "rt/1 test", message);
  assertOk(verify(id.publicKey, "rt/1 test", message, signature));
  assertOk(!verify(id.publicKey, "rt/1 test", message, plusOrder(signature)), "S + L");
  // The identity point and a point of order 8: anyone's "signature" could pass for them.
  const identityPoint = new Uint8Array(32);
  identityPoint[0] = 1;
  const order8 = fromHex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a");
  for (const weak of [identityPoint, order8, new Uint8Array(32)]) {
    const forged = new Uint8Array(64);
    forged[0] = 1; // R = the identity point, S = 0: passes [S]B = R + [k]A for a zero-order A
    assertOk(!verify(weak, "rt/1 test", message, forged), toHex(weak));
  }
});

Deno.test("verify agrees with libsodium on genuine, altered and garbage signatures", () => {
  const ids = Array.from({ length: 4 }, () => generateIdentity());
  for (let i = 0; i < 400; i++) {
    const id = ids[i % ids.length]!;
    const message = crypto.getRandomValues(new Uint8Array(i % 97));
    let signature = sign(id, "rt/1 test", message);
    let key = id.publicKey;
    if (i % 4 === 1) {
      signature = signature.slice();
      signature[i % 64]! ^= 1 << (i % 8);
    } else if (i % 4 === 2) signature = crypto.getRandomValues(new Uint8Array(64));
    else if (i % 4 === 3) key = crypto.getRandomValues(new Uint8Array(32));
    let expected: boolean;
    try {
      expected = sodium.crypto_sign_verify_detached(
        signature,
        concat(utf8("rt/1 test"), new Uint8Array([0]), message),
        key,
      );
    } catch {
      expected = false;
    }
    assertEquals(verify(key, "rt/1 test", message, signature), expected, `case ${i}`);
  }
});

Deno.test("sign gives libsodium's bytes (checked against RFC 8032 above) for the same label and message", () => {
  const ids = [...RFC8032.map((v) => identityFromSeed(fromHex(v.seed))), generateIdentity()];
  for (let i = 0; i < 200; i++) {
    const id = ids[i % ids.length]!;
    const message = crypto.getRandomValues(new Uint8Array(i * 7 % 301));
    const label = `rt/1 test ${i % 3}`;
    assertEquals(
      toHex(sign(id, label, message)),
      toHex(sodium.crypto_sign_detached(
        concat(utf8(label), new Uint8Array([0]), message),
        id.secretKey,
      )),
      `case ${i}`,
    );
  }
});

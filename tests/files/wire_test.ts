import { encode } from "@msgpack/msgpack";
import { assertEquals, assertNotEquals, assertOk } from "../assert.ts";
import {
  allowedWindow,
  decodeAck,
  decodeTransfer,
  encodeAck,
  encodeTransfer,
  isStreamed,
  MAX_OFFER_FILES,
  MAX_PATH_CHARS,
  MAX_WINDOW_BYTES,
  partKey,
  StreamCipher,
  type TransferMessage,
  WINDOW_BYTES,
} from "../../lib/files/wire.ts";

const ID = new Uint8Array(16).fill(7);
const KEY = new Uint8Array(32).fill(9);
const HASH = new Uint8Array(32).fill(3);

function file(overrides: Record<string, unknown> = {}) {
  return { path: "cat.jpg", size: 10, type: "image/jpeg", hash: HASH, ...overrides };
}

function offer(overrides: Record<string, unknown> = {}) {
  return { kind: "offer", id: ID, key: KEY, files: [file()], ...overrides };
}

/** Decodes whatever `value` MessagePack-encodes to. */
function decodeRaw(value: unknown): TransferMessage | null {
  return decodeTransfer(encode(value));
}

Deno.test("every kind of control message survives encoding and decoding", () => {
  const messages: TransferMessage[] = [
    { kind: "offer", id: ID, key: KEY, files: [file(), file({ path: "a/b.txt", size: 0 })] },
    { kind: "accept", id: ID, from: [0, 5] },
    { kind: "accept", id: ID, from: [] },
    { kind: "accept", id: ID, from: [0], window: WINDOW_BYTES },
    { kind: "accept", id: ID, from: [0], window: MAX_WINDOW_BYTES },
    { kind: "reject", id: ID },
    { kind: "cancel", id: ID, reason: "cancelled" },
    { kind: "cancel", id: ID, reason: "the connection dropped", resumable: true, again: true },
    { kind: "offer", id: ID, key: KEY, files: [file()], resumes: new Uint8Array(16).fill(1) },
    { kind: "done", id: ID, ok: true },
    { kind: "done", id: ID, ok: false, reason: "hash did not match" },
  ];
  for (const message of messages) assertEquals(decodeTransfer(encodeTransfer(message)), message);
});

Deno.test("a streamed offer's files carry tags, never hashes; never a mix of the two", () => {
  const TAG = new Uint8Array(16).fill(5);
  const tagged = (overrides: Record<string, unknown> = {}) =>
    file({ hash: undefined, tag: TAG, ...overrides });
  const streamed: TransferMessage = {
    kind: "offer",
    id: ID,
    key: KEY,
    files: [
      { path: "a", size: 1, type: "text/plain", tag: TAG },
      { path: "b", size: 0, type: "text/plain", tag: TAG },
    ],
  };
  assertEquals(decodeTransfer(encodeTransfer(streamed)), streamed);
  assertOk(isStreamed(streamed.files));
  assertEquals(partKey(streamed.files[0]!), TAG);
  assertOk(!isStreamed([file()]));
  assertEquals(partKey(file()), HASH);
  const bad: [string, unknown][] = [
    ["a file with neither", offer({ files: [file({ hash: undefined })] })],
    ["a file with both", offer({ files: [file({ tag: TAG })] })],
    ["hashed, then tagged", offer({ files: [file(), tagged({ path: "b" })] })],
    ["tagged, then hashed", offer({ files: [tagged(), file({ path: "b" })] })],
    ["a short tag", offer({ files: [tagged({ tag: new Uint8Array(15) })] })],
  ];
  for (const [what, value] of bad) assertEquals(decodeRaw(value), null, what);
});

Deno.test("an offer at the limits decodes: MAX_OFFER_FILES files, a MAX_PATH_CHARS path", () => {
  const files = Array.from({ length: MAX_OFFER_FILES }, (_, i) => file({ path: `f${i}` }));
  assertEquals(decodeRaw(offer({ files }))?.kind, "offer");
  assertEquals(
    decodeRaw(offer({ files: [file({ path: "x".repeat(MAX_PATH_CHARS) })] }))?.kind,
    "offer",
  );
  assertEquals(
    decodeRaw(offer({ files: [file({ size: Number.MAX_SAFE_INTEGER })] }))?.kind,
    "offer",
  );
});

Deno.test("decodeTransfer refuses malformed offers with null, never throwing", () => {
  const bad: [string, unknown][] = [
    ["zero files", offer({ files: [] })],
    [
      "too many files",
      offer({
        files: Array.from({ length: MAX_OFFER_FILES + 1 }, (_, i) => file({ path: `f${i}` })),
      }),
    ],
    ["path too long", offer({ files: [file({ path: "x".repeat(MAX_PATH_CHARS + 1) })] })],
    ["empty path", offer({ files: [file({ path: "" })] })],
    ["negative size", offer({ files: [file({ size: -1 })] })],
    ["fractional size", offer({ files: [file({ size: 1.5 })] })],
    ["size beyond safe integers", offer({ files: [file({ size: 2 ** 60 })] })],
    ["size as text", offer({ files: [file({ size: "10" })] })],
    ["short hash", offer({ files: [file({ hash: new Uint8Array(31) })] })],
    ["hash as text", offer({ files: [file({ hash: "00".repeat(32) })] })],
    ["type too long", offer({ files: [file({ type: "x".repeat(101) })] })],
    ["short id", offer({ id: new Uint8Array(15) })],
    ["long id", offer({ id: new Uint8Array(17) })],
    ["id as array", offer({ id: Array.from(ID) })],
    ["short key", offer({ key: new Uint8Array(31) })],
    ["no key", { kind: "offer", id: ID, files: [file()] }],
    ["files not a list", offer({ files: file() })],
    ["unknown kind", { kind: "steal", id: ID }],
    ["no kind", { id: ID }],
    ["kind of the wrong type", { kind: 1, id: ID }],
    ["accept with a negative start", { kind: "accept", id: ID, from: [-1] }],
    [
      "accept with too many starts",
      { kind: "accept", id: ID, from: new Array(MAX_OFFER_FILES + 1).fill(0) },
    ],
    ["accept without starts", { kind: "accept", id: ID }],
    ["cancel with a long reason", { kind: "cancel", id: ID, reason: "x".repeat(201) }],
    ["cancel without a reason", { kind: "cancel", id: ID }],
    ["cancel with again as text", { kind: "cancel", id: ID, reason: "x", again: "yes" }],
    ["an offer resuming a short id", offer({ resumes: new Uint8Array(15) })],
    ["an offer resuming an id as text", offer({ resumes: "00".repeat(16) })],
    ["done with ok as text", { kind: "done", id: ID, ok: "yes" }],
    ["reject with a wrong id", { kind: "reject", id: new Uint8Array(8) }],
    ["an accept with a window as text", { kind: "accept", id: ID, from: [0], window: "lots" }],
    ["an accept with a negative window", { kind: "accept", id: ID, from: [0], window: -1 }],
    ["an accept with a window of 1.5 bytes", { kind: "accept", id: ID, from: [0], window: 1.5 }],
    ["not an object", "offer"],
    ["null", null],
    ["a list", [offer()]],
  ];
  for (const [why, value] of bad) {
    let decoded: TransferMessage | null = null;
    try {
      decoded = decodeRaw(value);
    } catch (error) {
      throw new Error(`${why}: threw ${error}`);
    }
    assertEquals(decoded, null, why);
  }
});

Deno.test("what rt does not know of a control message is left out: older and newer rt agree", () => {
  // A newer rt's fields are dropped by an older one, which reads an ordinary offer and cancel.
  const resumed = decodeRaw(offer({ resumes: ID, colour: "blue" }));
  assertEquals(resumed, { kind: "offer", id: ID, key: KEY, files: [file()], resumes: ID });
  const plain = decodeRaw({ kind: "cancel", id: ID, reason: "x", later: 1 });
  assertEquals(plain, { kind: "cancel", id: ID, reason: "x" });
  // An accept without a window (older rt) is an accept: the sender keeps to WINDOW_BYTES.
  assertEquals(decodeRaw({ kind: "accept", id: ID, from: [2] }), {
    kind: "accept",
    id: ID,
    from: [2],
  });
});

Deno.test("any window an accept says is read; the sender keeps between 8 and 64 MiB", () => {
  const accept = (window: number) => decodeRaw({ kind: "accept", id: ID, from: [0], window });
  assertEquals(accept(1)?.kind, "accept");
  assertEquals(accept(2 ** 40)?.kind, "accept");
  assertEquals(allowedWindow(undefined), WINDOW_BYTES);
  assertEquals(allowedWindow(1), WINDOW_BYTES);
  assertEquals(allowedWindow(3 * WINDOW_BYTES), 3 * WINDOW_BYTES);
  assertEquals(allowedWindow(2 ** 40), MAX_WINDOW_BYTES);
});

Deno.test("decodeTransfer returns null for bytes that are not MessagePack at all", () => {
  const bodies = [
    new Uint8Array(0),
    new Uint8Array([0xc1]), // never used in MessagePack
    new Uint8Array([0x81]), // a map of one entry, cut short
    new Uint8Array([0xdf, 0xff, 0xff, 0xff, 0xff]), // a huge map, cut short
    new Uint8Array([...encodeTransfer({ kind: "reject", id: ID }), 0]), // trailing byte
    crypto.getRandomValues(new Uint8Array(300)),
  ];
  for (const body of bodies) assertEquals(decodeTransfer(body), null);
});

Deno.test("StreamCipher: a frame opens in its direction, at its number, only", () => {
  const cipher = new StreamCipher(KEY, ID);
  const plaintext = new TextEncoder().encode("chunk of a file");
  const content = cipher.seal("content", 5, plaintext);
  assertEquals(cipher.open("content", 5, content), plaintext);
  assertEquals(cipher.open("acks", 5, content), null);
  assertEquals(cipher.open("content", 4, content), null);
  assertEquals(cipher.open("content", 6, content), null);
  // Numbers past 2^32 are not truncated into the nonce.
  assertEquals(cipher.open("content", 5 + 2 ** 32, content), null);
  const acks = cipher.seal("acks", 5, plaintext);
  assertNotEquals(acks, content);
  assertEquals(cipher.open("acks", 5, acks), plaintext);
  assertEquals(cipher.open("content", 5, acks), null);
  const far = cipher.seal("content", 2 ** 40 + 3, plaintext);
  assertEquals(cipher.open("content", 2 ** 40 + 3, far), plaintext);
  assertEquals(cipher.open("content", 3, far), null);
});

Deno.test("StreamCipher: another transfer id or another key opens nothing", () => {
  const cipher = new StreamCipher(KEY, ID);
  for (const size of [0, 1, 100, 4096, 64 * 1024]) {
    const plaintext = crypto.getRandomValues(new Uint8Array(Math.min(size, 65_536)));
    const frame = cipher.seal("content", 0, plaintext);
    assertEquals(frame.length, plaintext.length + 16);
    assertEquals(cipher.open("content", 0, frame), plaintext);
    const otherId = ID.slice();
    otherId[15]! ^= 1;
    const otherKey = KEY.slice();
    otherKey[0]! ^= 0x80;
    assertEquals(new StreamCipher(KEY, otherId).open("content", 0, frame), null, `${size}`);
    assertEquals(new StreamCipher(otherKey, ID).open("content", 0, frame), null, `${size}`);
  }
});

Deno.test("StreamCipher: altered, cut or too short frames open to null", () => {
  const cipher = new StreamCipher(KEY, ID);
  for (const size of [10, 8192]) {
    const frame = cipher.seal("content", 1, new Uint8Array(size).fill(1));
    for (const at of [0, size - 1, size, frame.length - 1]) {
      const flipped = frame.slice();
      flipped[at]! ^= 1;
      assertEquals(cipher.open("content", 1, flipped), null, `${size}: byte ${at}`);
    }
    assertEquals(cipher.open("content", 1, frame.subarray(0, frame.length - 1)), null);
    assertEquals(cipher.open("content", 1, frame.subarray(1)), null);
  }
  for (const length of [0, 1, 15]) {
    assertEquals(cipher.open("content", 0, new Uint8Array(length)), null);
  }
});

Deno.test("acknowledgements round trip, and only 8 bytes are one", () => {
  for (const n of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 1, 123_456_789_012, 2 ** 53 - 1]) {
    const ack = encodeAck(n);
    assertEquals(ack.length, 8);
    assertEquals(decodeAck(ack), n);
  }
  // A view into a larger buffer decodes too.
  const framed = new Uint8Array(12);
  framed.set(encodeAck(2 ** 40 + 7), 3);
  assertEquals(decodeAck(framed.subarray(3, 11)), 2 ** 40 + 7);
  for (const length of [0, 1, 7, 9, 16]) assertEquals(decodeAck(new Uint8Array(length)), null);
  // Beyond what a number holds exactly: not a count.
  assertEquals(decodeAck(new Uint8Array(8).fill(0xff)), null);
  assertEquals(decodeAck(new Uint8Array([0, 0x20, 0, 0, 0, 0, 0, 0])), null);
  assertOk(decodeAck(new Uint8Array([0, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff])) !== null);
});

import { encode } from "@msgpack/msgpack";
import { assertEquals, assertThrows } from "../assert.ts";
import {
  ClientMessage,
  decodeMessage,
  encodeMessage,
  HostHandshake,
  JoinerHandshake,
  MAX_BOX_BYTES,
  MAX_TEXT_CHARS,
  RoomMessage,
} from "../../lib/codec/messages.ts";
import { RtError } from "../../lib/errors.ts";

const invalid = (e: unknown) => e instanceof RtError && e.code === "message-invalid";

Deno.test("every message kind round-trips", () => {
  const at = 1_700_000_000_000;
  const key = new Uint8Array(32).fill(1), sig = new Uint8Array(64).fill(2);
  const roomId = new Uint8Array(16).fill(3);
  const session = new Uint8Array(16).fill(4);
  const room: RoomMessage[] = [
    { t: "welcome", name: "a", room: roomId, members: [{ name: "a", host: true, since: at, key }] },
    { t: "name-refused", reason: "taken" },
    { t: "joined", name: "b", at, key },
    { t: "joined", name: "b", at, key, can: 1 },
    { t: "left", name: "b", reason: "lost", at },
    { t: "said", from: "b", text: "hi ✓", at, seq: 3, sent: at - 5, sig },
    { t: "said", from: "b", text: "waves", at, me: true, seq: 4, sent: at, session, sig },
    { t: "dm", from: "b", box: new Uint8Array(100), at },
    { t: "who", members: [] },
    { t: "notice", text: "n" },
    { t: "closed", reason: "bye" },
  ];
  for (const m of room) assertEquals(decodeMessage(RoomMessage, encodeMessage(m)), m);
  const client: ClientMessage[] = [
    { t: "join", name: "x" },
    { t: "join", name: "x", can: 0xffff_ffff },
    { t: "say", text: "y", seq: 1, sent: at, sig },
    { t: "say", text: "z", me: true, seq: 2, sent: at, session, sig },
    { t: "dm", to: "b", box: new Uint8Array(48) },
    { t: "who" },
    { t: "bye" },
  ];
  for (const m of client) assertEquals(decodeMessage(ClientMessage, encodeMessage(m)), m);
  const share = { t: "share", v: 1, nonce: new Uint8Array(16), y: new Uint8Array(32).fill(9) };
  assertEquals(decodeMessage(JoinerHandshake, encodeMessage(share)), share);
});

Deno.test("hostile and malformed messages are refused with one error code", () => {
  const bad: unknown[] = [
    null,
    42,
    "say",
    [],
    {},
    { t: "nope" },
    { t: "say" },
    { t: "say", text: 5 },
    { t: "say", text: "x".repeat(MAX_TEXT_CHARS + 1), seq: 1, sig: new Uint8Array(64) },
    { t: "say", text: "unsigned" },
    { t: "say", text: "short sig", seq: 1, sig: new Uint8Array(63) },
    { t: "say", text: "bad seq", seq: -1, sent: 1, sig: new Uint8Array(64) },
    // Protocol 2: a room message carries its author's signed time, and its session number is
    // 16 bytes when there is one.
    { t: "say", text: "no time", seq: 1, sig: new Uint8Array(64) },
    { t: "say", text: "bad time", seq: 1, sent: -1, sig: new Uint8Array(64) },
    { t: "say", text: "odd time", seq: 1, sent: 1.5, sig: new Uint8Array(64) },
    { t: "say", text: "far time", seq: 1, sent: 2 ** 60, sig: new Uint8Array(64) },
    { t: "say", text: "t", seq: 1, sent: 1, session: new Uint8Array(15), sig: new Uint8Array(64) },
    { t: "say", text: "t", seq: 1, sent: 1, session: "0123456789abcdef", sig: new Uint8Array(64) },
    { t: "dm", to: "b", box: new Uint8Array(MAX_BOX_BYTES + 1) },
    { t: "join", name: "x".repeat(1000) },
    { t: "join", name: null },
    // What a member can do is a few bits, never names: a member cannot swell every welcome.
    { t: "join", name: "x", can: ["streamed-offers"] },
    { t: "join", name: "x", can: 2 ** 32 },
    { t: "join", name: "x", can: -1 },
    { t: "join", name: "x", can: 1.5 },
  ];
  for (const b of bad) assertThrows(() => decodeMessage(ClientMessage, encode(b)), invalid);
  const badHandshake: unknown[] = [
    { t: "share", v: 1, nonce: new Uint8Array(15), y: new Uint8Array(32) },
    { t: "share", v: 1, nonce: new Uint8Array(16), y: new Uint8Array(33) },
    { t: "share", v: 1, nonce: "0123456789abcdef", y: new Uint8Array(32) },
    { t: "confirm", confirm: new Uint8Array(31) },
  ];
  for (const b of badHandshake) {
    assertThrows(() => decodeMessage(JoinerHandshake, encode(b)), invalid);
  }
  assertThrows(
    () =>
      decodeMessage(
        HostHandshake,
        encode({ t: "hello", v: 1, app: "x", nonce: new Uint8Array(16), tries: 3 }),
      ),
    invalid,
  );
});

Deno.test("bytes that are not MessagePack are refused", () => {
  for (const bytes of [new Uint8Array(0), new Uint8Array([0xc1]), new Uint8Array([0x92, 0x01])]) {
    assertThrows(() => decodeMessage(ClientMessage, bytes), invalid);
  }
});

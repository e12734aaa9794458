/** The announcement datagram: what it carries, and every kind of junk a finder ignores. */
import fc from "fast-check";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import {
  type Announcement,
  checkRoomName,
  decodeAnnouncement,
  defaultRoomName,
  encodeAnnouncement,
  MAX_ANNOUNCEMENT_BYTES,
} from "../../lib/discovery/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { toHex } from "../../lib/util/mod.ts";

const key = generateIdentity().publicKey;
const sample: Announcement = {
  state: "open",
  room: "hana's room",
  host: "hana",
  port: 41234,
  publicKey: key,
};
const encoder = new TextEncoder();
const wire = (fields: Record<string, unknown>) =>
  encoder.encode(JSON.stringify({
    app: "rt",
    v: 1,
    state: "open",
    room: "hana's room",
    host: "hana",
    port: 41234,
    key: toHex(key),
    ...fields,
  }));

Deno.test("an announcement goes round the codec unchanged", () => {
  for (const state of ["open", "closed"] as const) {
    const bytes = encodeAnnouncement({ ...sample, state });
    assertEquals(decodeAnnouncement(bytes), { ...sample, state });
  }
});

Deno.test("the datagram is small JSON with exactly these fields, nothing secret", () => {
  const text = new TextDecoder().decode(encodeAnnouncement(sample));
  assertEquals(JSON.parse(text), {
    app: "rt",
    v: 1,
    state: "open",
    room: "hana's room",
    host: "hana",
    port: 41234,
    key: toHex(key),
  });
  assertOk(text.length < 200, text);
});

Deno.test("the longest names still fit in a datagram", () => {
  const bytes = encodeAnnouncement({
    ...sample,
    room: "😀".repeat(64),
    host: "😀".repeat(32),
  });
  assertOk(bytes.length <= MAX_ANNOUNCEMENT_BYTES, `${bytes.length} bytes`);
  assertEquals(decodeAnnouncement(bytes)?.room, "😀".repeat(64));
});

Deno.test("an announcement that is not valid is not sent", () => {
  for (
    const bad of [
      { room: "" },
      { room: "x".repeat(65) },
      { room: "evil\x1b[2J" },
      { host: "" },
      { host: "x".repeat(33) },
      { host: "a\u202eb" },
      { port: 0 },
      { port: 65536 },
      { port: 1.5 },
      { publicKey: new Uint8Array(31) },
    ]
  ) {
    assertThrows(() => encodeAnnouncement({ ...sample, ...bad }), (e) => e instanceof RangeError);
  }
});

Deno.test("junk is ignored: every field is checked", () => {
  const junk: Uint8Array[] = [
    new Uint8Array(0),
    new Uint8Array([0xff, 0xfe, 0x00]),
    encoder.encode("not json"),
    encoder.encode("null"),
    encoder.encode("[1,2,3]"),
    encoder.encode('"rt"'),
    encoder.encode("{}"),
    wire({ app: "xt" }),
    wire({ v: 2 }),
    wire({ v: "1" }),
    wire({ state: "maybe" }),
    wire({ room: "" }),
    wire({ room: "x".repeat(65) }),
    wire({ room: "bell\x07" }),
    wire({ room: "rtl\u202eoverride" }),
    wire({ room: 42 }),
    wire({ host: "" }),
    wire({ host: "h".repeat(33) }),
    wire({ host: "esc\x1b]0;pwned\x07" }),
    wire({ host: "/quit" }),
    wire({ port: 0 }),
    wire({ port: -1 }),
    wire({ port: 65536 }),
    wire({ port: 80.5 }),
    wire({ port: "80" }),
    wire({ key: toHex(key).slice(2) }),
    wire({ key: toHex(key) + "00" }),
    wire({ key: toHex(key).toUpperCase() }),
    wire({ key: "zz" + toHex(key).slice(2) }),
    wire({ password: "secret" }),
    wire({ address: "10.0.0.66" }),
  ];
  for (const [i, bytes] of junk.entries()) {
    assertEquals(decodeAnnouncement(bytes), null, `junk #${i} was accepted`);
  }
  // A field left out.
  for (const field of ["app", "v", "state", "room", "host", "port", "key"]) {
    const value = JSON.parse(new TextDecoder().decode(wire({})));
    delete value[field];
    assertEquals(decodeAnnouncement(encoder.encode(JSON.stringify(value))), null, field);
  }
});

Deno.test("a datagram over the size cap is ignored unread", () => {
  const padded = encoder.encode(
    new TextDecoder().decode(wire({})).replace("{", "{" + " ".repeat(MAX_ANNOUNCEMENT_BYTES)),
  );
  assertOk(JSON.parse(new TextDecoder().decode(padded)));
  assertEquals(decodeAnnouncement(padded), null);
});

Deno.test("names are normalised as they arrive", () => {
  const decoded = decodeAnnouncement(wire({ room: "  Cafe\u0301  ", host: " ann " }));
  assertEquals([decoded?.room, decoded?.host], ["Café", "ann"]);
});

Deno.test("room names: the default, and the rules", () => {
  assertEquals(defaultRoomName("hana"), "hana's room");
  assertEquals(checkRoomName("  Book club "), { name: "Book club" });
  assertOk("refused" in checkRoomName("   "));
  assertOk("refused" in checkRoomName("a".repeat(65)));
  assertOk("refused" in checkRoomName("tab\there"));
  assertEquals(checkRoomName("a".repeat(64)), { name: "a".repeat(64) });
});

Deno.test("fuzz: decoding never throws, and whatever it accepts encodes back the same", () => {
  const text = fc.oneof(fc.string({ maxLength: 80 }), fc.constant("hana"));
  const fields = fc.record({
    app: fc.oneof(fc.constant("rt"), fc.string({ maxLength: 4 })),
    v: fc.oneof(fc.constant(1), fc.integer()),
    state: fc.constantFrom("open", "closed", "other"),
    room: text,
    host: text,
    port: fc.oneof(fc.integer({ min: -5, max: 70000 }), fc.double()),
    key: fc.oneof(fc.constant(toHex(key)), fc.string({ maxLength: 70 })),
  }, { requiredKeys: [] });
  fc.assert(
    fc.property(fc.oneof(fields.map((f) => encoder.encode(JSON.stringify(f))), fc.uint8Array()), (
      bytes,
    ) => {
      const decoded = decodeAnnouncement(bytes);
      if (decoded !== null) assertEquals(decodeAnnouncement(encodeAnnouncement(decoded)), decoded);
    }),
    { numRuns: 2000 },
  );
});

/**
 * Fuzzing the message codec: `decodeMessage` against every schema, fed random bytes, random
 * MessagePack values, hostile MessagePack structures, and valid messages of every kind with
 * bytes or fields changed. The only allowed failure is `RtError("message-invalid")`; anything
 * accepted must pass its schema again and survive a re-encode.
 */
import fc from "fast-check";
import { encode } from "@msgpack/msgpack";
import type { z } from "zod";
import { assertEquals, assertOk } from "../assert.ts";
import {
  ClientMessage,
  decodeMessage,
  encodeMessage,
  HostHandshake,
  IdentityProof,
  JoinerHandshake,
  MAX_BOX_BYTES,
  MAX_NAME_CHARS,
  MAX_TEXT_CHARS,
  RoomMessage,
} from "../../lib/codec/messages.ts";
import { concatBytes, expectRtError, fuzzParameters, mutate, mutationsArb } from "./support.ts";

const SCHEMAS: Record<string, z.ZodType<unknown>> = {
  ClientMessage,
  RoomMessage,
  HostHandshake,
  JoinerHandshake,
  IdentityProof,
};
type SchemaName = keyof typeof SCHEMAS;

/** Every `t` of every message, and the other literals of the protocol. */
const LITERALS = [
  "hello",
  "reply",
  "retry",
  "denied",
  "share",
  "confirm",
  "mismatch",
  "identity",
  "join",
  "say",
  "dm",
  "who",
  "bye",
  "welcome",
  "name-refused",
  "joined",
  "left",
  "said",
  "notice",
  "closed",
  "rt",
  "quit",
  "lost",
  "removed",
];
/** Every field name of every message. */
const KEYS = [
  "t",
  "v",
  "app",
  "nonce",
  "tries",
  "y",
  "confirm",
  "reason",
  "key",
  "sig",
  "name",
  "text",
  "me",
  "seq",
  "sent",
  "session",
  "to",
  "box",
  "room",
  "members",
  "host",
  "since",
  "at",
  "from",
];

/** Whether every string inside `value` is well-formed UTF-16. */
function allWellFormed(value: unknown): boolean {
  if (typeof value === "string") return value.isWellFormed();
  if (value instanceof Uint8Array || value === null || typeof value !== "object") return true;
  return Object.values(value).every(allWellFormed);
}

/**
 * Decodes `payload` against every schema: each either refuses it with `message-invalid` or
 * returns a value that passes the schema again and decodes to itself after a re-encode (strings
 * that are not well-formed UTF-16 excepted: MessagePack turns lone surrogates in long strings
 * into U+FFFD). Returns the names of the schemas that accepted it.
 */
function checkDecode(payload: Uint8Array): SchemaName[] {
  const accepted: SchemaName[] = [];
  for (const [name, schema] of Object.entries(SCHEMAS)) {
    let value: unknown;
    try {
      value = decodeMessage(schema, payload);
    } catch (error) {
      expectRtError(error, "message-invalid");
      continue;
    }
    accepted.push(name);
    const again = schema.safeParse(value);
    assertOk(again.success, `${name} accepted a value its schema refuses: ${again.error}`);
    const reencoded = decodeMessage(schema, encodeMessage(value as object));
    if (allWellFormed(value)) assertEquals(reencoded, value, `${name} re-encode`);
  }
  return accepted;
}

// ---- arbitraries: valid messages of every kind ------------------------------------------

const bytesOf = (n: number) => fc.uint8Array({ minLength: n, maxLength: n });

/** Strings of `min..max` UTF-16 units: mostly short, sometimes exactly at the bounds. */
const stringUpTo = (max: number, min = 0) =>
  fc.oneof(
    {
      weight: 5,
      arbitrary: fc.string({ unit: "binary", minLength: min, maxLength: Math.min(max, 40) })
        .filter((s) => s.length >= min && s.length <= max),
    },
    { weight: 1, arbitrary: fc.constantFrom(min, max).map((n) => "é".repeat(n)) },
  );
const timeArb = fc.oneof(fc.nat(), fc.maxSafeNat(), fc.constant(1_700_000_000_000));
const triesArb = fc.integer({ min: 0, max: 10 });
const nameArb = stringUpTo(MAX_NAME_CHARS * 2, 1);
const reasonArb = stringUpTo(200);
const textArb = stringUpTo(MAX_TEXT_CHARS);
const boxArb = fc.oneof(
  { weight: 5, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.constant(MAX_BOX_BYTES).map((n) => new Uint8Array(n).fill(9)) },
);
const memberArb = fc.record(
  { name: nameArb, host: fc.boolean(), since: timeArb, key: bytesOf(32) },
  { noNullPrototype: true },
);
const membersArb = fc.array(memberArb, { maxLength: 4 });
const nonceArb = bytesOf(16);
const versionArb = fc.oneof(fc.constant(1), fc.integer());

/** One valid message of each kind, with the schema it belongs to. */
const validArb: fc.Arbitrary<{ schema: SchemaName; message: Record<string, unknown> }> = fc.oneof(
  ...([
    [
      "HostHandshake",
      fc.record({
        t: fc.constant("hello"),
        v: versionArb,
        app: fc.constant("rt"),
        nonce: nonceArb,
        tries: triesArb,
      }),
    ],
    ["HostHandshake", fc.record({ t: fc.constant("reply"), y: bytesOf(32), confirm: bytesOf(32) })],
    ["HostHandshake", fc.record({ t: fc.constant("retry"), nonce: nonceArb, tries: triesArb })],
    ["HostHandshake", fc.record({ t: fc.constant("denied"), reason: reasonArb })],
    [
      "JoinerHandshake",
      fc.record({ t: fc.constant("share"), v: versionArb, nonce: nonceArb, y: bytesOf(32) }),
    ],
    ["JoinerHandshake", fc.record({ t: fc.constant("confirm"), confirm: bytesOf(32) })],
    ["JoinerHandshake", fc.record({ t: fc.constant("mismatch") })],
    [
      "IdentityProof",
      fc.record({ t: fc.constant("identity"), key: bytesOf(32), sig: bytesOf(64) }),
    ],
    ["ClientMessage", fc.record({ t: fc.constant("join"), name: stringUpTo(MAX_NAME_CHARS * 4) })],
    [
      "ClientMessage",
      fc.record(
        {
          t: fc.constant("say"),
          text: textArb,
          me: fc.boolean(),
          seq: fc.maxSafeNat(),
          sent: fc.maxSafeNat(),
          session: bytesOf(16),
          sig: bytesOf(64),
        },
        { requiredKeys: ["t", "text", "seq", "sent", "sig"] },
      ),
    ],
    [
      "ClientMessage",
      fc.record({ t: fc.constant("dm"), to: stringUpTo(MAX_NAME_CHARS * 4), box: boxArb }),
    ],
    ["ClientMessage", fc.record({ t: fc.constantFrom("who", "bye") })],
    [
      "RoomMessage",
      fc.record({
        t: fc.constant("welcome"),
        name: nameArb,
        room: bytesOf(16),
        members: membersArb,
      }),
    ],
    ["RoomMessage", fc.record({ t: fc.constant("name-refused"), reason: reasonArb })],
    [
      "RoomMessage",
      fc.record({ t: fc.constant("joined"), name: nameArb, at: timeArb, key: bytesOf(32) }),
    ],
    [
      "RoomMessage",
      fc.record({
        t: fc.constant("left"),
        name: nameArb,
        reason: fc.constantFrom("quit", "lost", "removed"),
        at: timeArb,
      }),
    ],
    [
      "RoomMessage",
      fc.record(
        {
          t: fc.constant("said"),
          from: nameArb,
          text: textArb,
          at: timeArb,
          me: fc.boolean(),
          seq: fc.maxSafeNat(),
          sent: fc.maxSafeNat(),
          session: bytesOf(16),
          sig: bytesOf(64),
        },
        { requiredKeys: ["t", "from", "text", "at", "seq", "sent", "sig"] },
      ),
    ],
    ["RoomMessage", fc.record({ t: fc.constant("dm"), from: nameArb, box: boxArb, at: timeArb })],
    ["RoomMessage", fc.record({ t: fc.constant("who"), members: membersArb })],
    ["RoomMessage", fc.record({ t: fc.constantFrom("notice", "closed"), text: reasonArb })],
  ] as const).map(([schema, arbitrary]) =>
    (arbitrary as fc.Arbitrary<Record<string, unknown>>).map((message) => {
      // `closed` carries `reason`, `notice` carries `text`. Spreading also gives every
      // message a plain prototype, as the decoder's objects have.
      if (message.t === "closed") {
        const { text, ...rest } = message;
        return { schema, message: { ...rest, reason: text } };
      }
      return { schema, message: { ...message } };
    })
  ),
);

// ---- arbitraries: hostile values ----------------------------------------------------------

/** Strings with lone surrogates, which UTF-8 cannot carry. */
const loneSurrogateArb = fc.tuple(
  fc.string({ maxLength: 60 }),
  fc.integer({ min: 0xd800, max: 0xdfff }),
  fc.string({ maxLength: 60 }),
).map(([a, unit, b]) => a + String.fromCharCode(unit) + b);

const hugeStringArb = fc.tuple(
  fc.integer({ min: 1, max: 70_000 }),
  fc.constantFrom("a", "é", "✓", "😀"),
)
  .map(([n, s]) => s.repeat(n));

const leafArb: fc.Arbitrary<unknown> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer(),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constantFrom(-0, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 64, -(2 ** 63), 0.5, 11, -1),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }),
  fc.string({ unit: "binary", maxLength: 40 }),
  loneSurrogateArb,
  fc.constantFrom(...LITERALS),
  fc.uint8Array({ maxLength: 80 }),
  fc.constantFrom(15, 16, 17, 31, 32, 33, 63, 64, 65).chain(bytesOf),
  fc.date({ noInvalidDate: true }),
  { arbitrary: hugeStringArb, weight: 1 },
  {
    arbitrary: fc.integer({ min: MAX_BOX_BYTES - 2, max: MAX_BOX_BYTES + 2 }).map((n) =>
      new Uint8Array(n)
    ),
    weight: 1,
  },
);

const keyArb = fc.oneof(fc.constantFrom(...KEYS), fc.string({ maxLength: 8 }));

/** JSON-ish values with bytes, dates, big numbers and message-shaped objects. */
const { value: anyValueArb } = fc.letrec<{
  value: unknown;
  array: unknown[];
  object: Record<string, unknown>;
  message: Record<string, unknown>;
}>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", maxDepth: 5 },
    leafArb,
    tie("array"),
    tie("object"),
    tie("message"),
  ),
  array: fc.array(tie("value"), { maxLength: 6 }),
  object: fc.dictionary(keyArb, tie("value"), { maxKeys: 6 }),
  message: fc.tuple(
    fc.constantFrom(...LITERALS),
    fc.dictionary(keyArb, tie("value"), { maxKeys: 6 }),
  )
    .map(([t, rest]) => ({ ...rest, t })),
}));

function encodeAny(value: unknown): Uint8Array {
  return encode(value, { useBigInt64: true });
}

/** A MessagePack map written by hand, so a field can hold raw (possibly broken) bytes. */
function rawMap(fields: [string, Uint8Array][]): Uint8Array {
  const parts: Uint8Array[] = [new Uint8Array([0xdf, 0, 0, 0, fields.length])];
  for (const [key, raw] of fields) parts.push(encode(key), raw);
  return concatBytes(parts);
}

/** Hostile MessagePack: deep nesting, lying length headers, extension types, broken strings. */
const hostileRawArb: fc.Arbitrary<Uint8Array> = fc.oneof(
  // Arrays or maps nested thousands deep.
  fc.tuple(fc.integer({ min: 50, max: 20_000 }), fc.boolean()).map(([depth, maps]) => {
    const open = maps ? new Uint8Array([0x81, 0xa1, 0x61]) : new Uint8Array([0x91]);
    return concatBytes([...Array.from({ length: depth }, () => open), new Uint8Array([0xc0])]);
  }),
  // Length headers that promise far more than follows.
  fc.tuple(
    fc.constantFrom(0xdc, 0xdd, 0xde, 0xdf, 0xd9, 0xda, 0xdb, 0xc4, 0xc5, 0xc6, 0xc9),
    fc.uint8Array({ minLength: 4, maxLength: 4 }),
    fc.uint8Array({ maxLength: 16 }),
  ).map(([head, length, rest]) => concatBytes([new Uint8Array([head]), length, rest])),
  // Extension types, including the timestamp type with wrong sizes.
  fc.tuple(fc.integer({ min: -128, max: 127 }), fc.uint8Array({ maxLength: 20 })).map(
    ([type, data]) => concatBytes([new Uint8Array([0xc7, data.length, type & 0xff]), data]),
  ),
  // Strings with invalid UTF-8 (bytes after a str8 header).
  fc.uint8Array({ maxLength: 40 }).map((s) => concatBytes([new Uint8Array([0xd9, s.length]), s])),
);

/** A message of a valid kind whose one field holds hostile raw bytes. */
const hostileFieldArb = fc.tuple(validArb, fc.nat(), hostileRawArb).map(
  ([{ message }, index, raw]) => {
    const fields = Object.entries(message).map(([k, v]) => [k, encode(v)] as [string, Uint8Array]);
    const at = index % fields.length;
    fields[at] = [fields[at]![0], raw];
    return rawMap(fields);
  },
);

/** Changes one field of a message: another value, removed, renamed, or another kind. */
type FieldChange =
  | { kind: "set"; key: string; value: unknown }
  | { kind: "delete"; index: number }
  | { kind: "retag"; t: string };
const fieldChangeArb: fc.Arbitrary<FieldChange> = fc.oneof(
  fc.record({ kind: fc.constant("set" as const), key: keyArb, value: anyValueArb }),
  fc.record({ kind: fc.constant("delete" as const), index: fc.nat() }),
  fc.record({ kind: fc.constant("retag" as const), t: fc.constantFrom(...LITERALS) }),
);

function changeFields(message: Record<string, unknown>, changes: FieldChange[]) {
  const out: Record<string, unknown> = { ...message };
  for (const change of changes) {
    if (change.kind === "set") out[change.key] = change.value;
    else if (change.kind === "retag") out.t = change.t;
    else {
      const keys = Object.keys(out);
      if (keys.length > 0) delete out[keys[change.index % keys.length]!];
    }
  }
  return out;
}

// ---- properties ---------------------------------------------------------------------------

Deno.test("fuzz: decodeMessage on random bytes, at any offset in a buffer", () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        fc.uint8Array({ maxLength: 1024 }),
        // Map-shaped starts make it further into the decoder.
        fc.uint8Array({ maxLength: 64 }).map((b) => concatBytes([new Uint8Array([0x84]), b])),
      ),
      fc.nat(7),
      (bytes, offset) => {
        const buffer = new Uint8Array(offset + bytes.length);
        buffer.set(bytes, offset);
        checkDecode(buffer.subarray(offset));
      },
    ),
    fuzzParameters(1000),
  );
});

Deno.test("fuzz: decodeMessage on random MessagePack values", () => {
  fc.assert(
    fc.property(anyValueArb, (value) => {
      checkDecode(encodeAny(value));
    }),
    fuzzParameters(300),
  );
});

Deno.test("fuzz: decodeMessage on hostile MessagePack structures", () => {
  fc.assert(
    fc.property(fc.oneof(hostileRawArb, hostileFieldArb), (payload) => {
      checkDecode(payload);
    }),
    fuzzParameters(200),
  );
});

Deno.test("fuzz: valid messages of every kind round-trip through their schema", () => {
  fc.assert(
    fc.property(validArb, ({ schema, message }) => {
      const payload = encodeMessage(message);
      assertEquals(decodeMessage(SCHEMAS[schema]!, payload), message);
      assertOk(checkDecode(payload).includes(schema));
    }),
    fuzzParameters(500),
  );
});

Deno.test("fuzz: valid messages with bytes flipped, cut or inserted", () => {
  fc.assert(
    fc.property(validArb, mutationsArb, ({ message }, mutations) => {
      checkDecode(mutate(encodeMessage(message), mutations));
    }),
    fuzzParameters(1000),
  );
});

Deno.test("fuzz: valid messages with fields changed, removed or of another kind", () => {
  fc.assert(
    fc.property(
      validArb,
      fc.array(fieldChangeArb, { minLength: 1, maxLength: 3 }),
      ({ message }, changes) => {
        checkDecode(encodeAny(changeFields(message, changes)));
      },
    ),
    fuzzParameters(500),
  );
});

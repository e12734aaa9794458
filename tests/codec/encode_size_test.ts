/**
 * An encoded message owns exactly its bytes: `@msgpack/msgpack`'s `encode()` returns a view of
 * a fresh 2 KiB buffer, which every message kept alive with it (and which made every message
 * cost an allocation of 2 KiB).
 */
import { assertEquals } from "../assert.ts";
import { decodeMessage, encodeMessage, HostHandshake } from "../../lib/codec/messages.ts";

Deno.test("encodeMessage returns bytes of exactly the message's size", () => {
  const bytes = encodeMessage({ t: "denied", reason: "busy" });
  assertEquals(bytes.byteOffset, 0);
  assertEquals(bytes.buffer.byteLength, bytes.length);
  assertEquals(decodeMessage(HostHandshake, bytes), { t: "denied", reason: "busy" });
  // Messages encoded one after another do not share (or overwrite) each other's bytes.
  const other = encodeMessage({ t: "denied", reason: "full" });
  assertEquals(decodeMessage(HostHandshake, bytes), { t: "denied", reason: "busy" });
  assertEquals(decodeMessage(HostHandshake, other), { t: "denied", reason: "full" });
});

/** The host's proven key: how it is classified, when a welcome is refused, how it is shown. */
import { assertEquals, assertOk } from "../assert.ts";
import { classifyHostKey, forgedWelcome, hostKeyEvents } from "../../lib/client/host_key.ts";
import { fingerprint, generateIdentity } from "../../lib/identity/keys.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { HostKeyStatus } from "../../lib/events.ts";
import type { MemberInfo } from "../../lib/codec/messages.ts";

const hana = generateIdentity().publicKey;
const other = generateIdentity().publicKey;
const bob = generateIdentity().publicKey;

function book(verified: boolean): PeerBook {
  const peers = PeerBook.inMemory();
  peers.record("hana", hana);
  peers.record("Hana B.", hana);
  if (verified) peers.trust(hana);
  return peers;
}

Deno.test("classified by the key alone; changed only against a name expected; nothing recorded", () => {
  assertEquals(classifyHostKey(book(true), hana), {
    status: "verified",
    names: ["hana", "Hana B."],
  });
  assertEquals(classifyHostKey(book(false), hana), { status: "known", names: ["hana", "Hana B."] });
  assertEquals(classifyHostKey(book(false), other), { status: "new", names: [] });
  const expected = { name: "HANA", key: other };
  assertEquals(classifyHostKey(book(true), other, expected), { status: "key-changed", names: [] });
  assertEquals(classifyHostKey(book(true), other, { name: "kai", key: other }).status, "new");
  assertEquals(classifyHostKey(book(true), hana, expected, hana).status, "your-key");
  assertEquals(classifyHostKey(book(true), hana, expected, bob).status, "verified");
  const peers = book(false);
  classifyHostKey(peers, other, expected);
  assertEquals(peers.get(other), undefined, "the proven key is not recorded before the welcome");
});

Deno.test("the events: the status first, then a warning for a key other than announced", () => {
  const [status, ...warnings] = hostKeyEvents(book(true), other, { name: "hana", key: hana });
  assertEquals(status, {
    type: "host-key",
    fingerprint: fingerprint(other),
    status: "key-changed",
    names: [],
  });
  assertEquals(warnings.map((w) => w.type === "warning" && w.code), [
    "host-key-mismatch",
    "key-changed",
  ]);
  assertEquals(hostKeyEvents(book(true), hana, { name: "hana", key: hana }).length, 1);
  assertEquals(hostKeyEvents(book(true), other).length, 1, "no expectation: no warning");
});

Deno.test("a welcome must seat exactly one host, with the key it proved", () => {
  const seat = (name: string, key: Uint8Array, host: boolean): MemberInfo => ({
    name,
    key,
    host,
    since: 0,
  });
  const welcome = (...members: MemberInfo[]) => ({
    t: "welcome" as const,
    name: "bob",
    room: new Uint8Array(16),
    members,
  });
  assertEquals(
    forgedWelcome(welcome(seat("hana", other, true), seat("bob", bob, false)), other),
    null,
  );
  const lie = forgedWelcome(welcome(seat("hana", hana, true), seat("bob", bob, false)), other);
  assertOk(lie?.includes(fingerprint(other)) && lie.includes(fingerprint(hana)), lie ?? "");
  assertOk(forgedWelcome(welcome(seat("bob", bob, false)), other)?.includes("no host"));
  const two = forgedWelcome(welcome(seat("hana", other, true), seat("kai", hana, true)), other);
  assertOk(two?.includes("2 hosts"), two ?? "");
});

Deno.test("shown: a line for a key you met (names made harmless); nothing for new or changed", () => {
  const event = (status: HostKeyStatus, names: string[]) =>
    renderEvent({ type: "host-key", fingerprint: "1 2", status, names });
  assertEquals(event("verified", ["hana"]), "✓ The host proved a key you verified, as hana.");
  assertEquals(
    event("known", ["hana", "h\x1b[2J"]),
    "(The host proved a key you have met before, as hana, h\\x1b[2J.)",
  );
  assertEquals(event("new", []), null);
  assertEquals(event("your-key", []), null);
  assertEquals(event("key-changed", []), null, "the warning that follows says it, loudly");
});

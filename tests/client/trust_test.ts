/**
 * Keys taken on first use: a member's key is remembered the first time, a known name with
 * another key is warned about, a known key under another name is said, and a key the user
 * trusted (after comparing safety codes) stays verified until it changes.
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { Room } from "../../lib/room/mod.ts";
import { PeerBook } from "../../lib/store/mod.ts";
import { join, leaveAll, type Member } from "./room_support.ts";

type Welcome = Extract<ChatEvent, { type: "welcome" }>;

/** Each member's name and key status, as `member`'s welcome showed them. */
function statuses(member: Member): string[][] {
  const welcome = member.shown.read.find((e): e is Welcome => e.type === "welcome")!;
  return welcome.members.map((m) => [m.name, m.status]);
}

Deno.test("a first meeting is remembered; meeting again is known", async () => {
  const room = new Room();
  const peers = PeerBook.inMemory();
  const ann = await join(room, "ann", { host: true, peers });
  const bob = await join(room, "bob");
  const joined = await ann.shown.next("joined");
  assertEquals([joined.name, joined.status], ["bob", "new"]);
  assertEquals(peers.get(bob.identity.publicKey)?.names, ["bob"]);
  await bob.client.close();
  await bob.seat.close();
  const again = await join(room, "bob", { identity: bob.identity });
  assertEquals((await ann.shown.next("joined")).status, "known");
  assertEquals(ann.shown.read.filter((e) => e.type === "warning"), []);
  await leaveAll(room, ann, again);
});

Deno.test("a known name with another key is warned about until trusted", async () => {
  const room = new Room();
  const peers = PeerBook.inMemory();
  const before = generateIdentity();
  peers.record("bob", before.publicKey);
  const ann = await join(room, "ann", { host: true, peers });
  const bob = await join(room, "bob");
  assertEquals((await ann.shown.next("joined")).status, "key-changed");
  const warning = await ann.shown.next("warning");
  assertEquals([warning.code, warning.name], ["key-changed", "bob"]);
  assertOk(warning.text.includes("/verify bob"), warning.text);
  assertEquals(ann.view.statusOf("bob"), "key-changed");

  ann.client.verify("bob");
  const code = await ann.shown.next("safety-code");
  bob.client.verify("ann");
  assertEquals((await bob.shown.next("safety-code")).code, code.code, "both see one code");
  ann.client.trust("bob");
  assertEquals((await ann.shown.next("notice")).code, "trusted");
  assertEquals(ann.view.statusOf("bob"), "verified");
  assertEquals(peers.get(bob.identity.publicKey)?.verified, true);

  await leaveAll(room, ann, bob);

  // Next time, bob is verified at once.
  const room2 = new Room();
  const bob2 = await join(room2, "bob", { host: true, identity: bob.identity });
  const ann2 = await join(room2, "ann", { peers });
  assertEquals(statuses(ann2), [["bob", "verified"], ["ann", "you"]]);
  // With yet another key, the warning comes back.
  const room3 = new Room();
  const bob3 = await join(room3, "bob", { host: true });
  const ann3 = await join(room3, "ann", { peers });
  assertEquals(statuses(ann3), [["bob", "key-changed"], ["ann", "you"]]);
  assertEquals((await ann3.shown.next("warning")).code, "key-changed");
  await leaveAll(room2, bob2, ann2);
  await leaveAll(room3, bob3, ann3);
});

Deno.test("a known key under another name is said; your own key is not a peer", async () => {
  const room = new Room();
  const peers = PeerBook.inMemory();
  const known = generateIdentity();
  peers.record("robert", known.publicKey);
  const bob = await join(room, "bob", { host: true, identity: known });
  const ann = await join(room, "ann", { peers, identity: generateIdentity() });
  assertEquals(statuses(ann), [["bob", "name-changed"], ["ann", "you"]]);
  const warning = await ann.shown.next("warning");
  assertEquals(warning.text, "bob has the key you last saw as robert.");
  ann.client.trust("ann");
  assertEquals((await ann.shown.next("error")).code, "is-you");
  ann.client.trust("carol");
  assertEquals((await ann.shown.next("error")).message, 'Nobody called "carol" is in the room');
  assertEquals(peers.get(ann.identity.publicKey), undefined);
  await leaveAll(room, bob, ann);
});

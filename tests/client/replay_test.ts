/**
 * What a host relaying the room cannot do with genuine messages: show them twice, or out of
 * order. Each author session's numbers must keep rising, across room, direct and file messages.
 * (Messages from an earlier session, or dated far from the clock: `room_view_replay_test.ts`.)
 */
import { assertEquals } from "../assert.ts";
import type { RoomMessage } from "../../lib/codec/messages.ts";
import { Room } from "../../lib/room/mod.ts";
import { join, leaveAll } from "./room_support.ts";

Deno.test("a room message relayed twice is shown once", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  bob.seat.alter = (m) => m.t === "said" ? [m, m] : [m];
  ann.client.say("once");
  await bob.shown.next("message", (e) => e.text === "once");
  const warning = await bob.shown.next("warning");
  assertEquals([warning.code, warning.name], ["replayed-message", "ann"]);
  assertEquals(warning.text, "A repeated or out-of-order message from ann was dropped.");
  assertEquals(bob.shown.texts(), ["once"]);
  await leaveAll(room, ann, bob);
});

Deno.test("messages held back and relayed out of order: the older is dropped", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const held: RoomMessage[] = [];
  bob.seat.alter = (m) => {
    if (m.t !== "said") return [m];
    held.push(m);
    return held.length === 2 ? [held[1]!, held[0]!] : [];
  };
  ann.client.say("first");
  ann.client.say("second");
  await bob.shown.next("message", (e) => e.text === "second");
  const warning = await bob.shown.next("warning");
  assertEquals(warning.code, "replayed-message");
  assertEquals(bob.shown.texts(), ["second"]);
  await leaveAll(room, ann, bob);
});

Deno.test("a direct message relayed twice is shown once, and numbers run across kinds", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const direct: RoomMessage[] = [];
  bob.seat.alter = (m) => {
    if (m.t === "dm") direct.push(m);
    return [m];
  };
  ann.client.direct("bob", "just you");
  await bob.shown.next("message", (e) => e.text === "just you" && e.direct);
  ann.client.say("everyone");
  await bob.shown.next("message", (e) => e.text === "everyone");
  // Played again after a later message from the same session: its number is not new.
  bob.seat.inject(direct[0]!);
  const warning = await bob.shown.next("warning");
  assertEquals(warning.text, "A repeated or out-of-order direct message from ann was dropped.");
  assertEquals(bob.shown.texts(), ["just you", "everyone"]);
  await leaveAll(room, ann, bob);
});

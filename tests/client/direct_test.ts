/**
 * Direct and file messages are sealed for one member: the host relaying them cannot read them,
 * and another member handed the same bytes cannot open them either.
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { RoomMessage } from "../../lib/codec/messages.ts";
import { Room } from "../../lib/room/mod.ts";
import { utf8 } from "../../lib/util/mod.ts";
import { join, leaveAll } from "./room_support.ts";

Deno.test("a direct message is for its recipient only", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const carol = await join(room, "carol");
  let sealed: RoomMessage | undefined;
  bob.seat.alter = (m) => {
    if (m.t === "dm") sealed = m;
    return [m];
  };
  ann.client.direct("BOB", "the key is under the mat");
  const mine = await ann.shown.next("message");
  assertEquals([mine.own, mine.direct, mine.to], [true, true, "bob"]);
  const got = await bob.shown.next("message");
  assertEquals([got.from, got.text, got.direct], ["ann", "the key is under the mat", true]);
  // The room sent it to bob alone; the host hands carol the very same bytes.
  assertOk(sealed !== undefined && !carol.seat.delivered.some((m) => m.t === "dm"));
  assertOk(!new TextDecoder().decode((sealed as { box: Uint8Array }).box).includes("mat"));
  carol.seat.inject(sealed!);
  const warning = await carol.shown.next("warning");
  assertEquals([warning.code, warning.name], ["bad-direct-message", "ann"]);
  assertEquals(carol.shown.texts(), []);
  await leaveAll(room, ann, bob, carol);
});

Deno.test("a file-transfer message opens for its recipient only", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const carol = await join(room, "carol");
  const sealed = ann.view.sealFile("bob", utf8("an offer"));
  if (!("message" in sealed) || sealed.message.t !== "file") throw new Error(sealed.toString());
  const relayed = { t: "file" as const, from: "ann", box: sealed.message.box, at: 0 };
  const opened = bob.view.openFile(relayed);
  assertOk("body" in opened, JSON.stringify(opened));
  assertEquals([opened.from, new TextDecoder().decode(opened.body)], ["ann", "an offer"]);
  const refused = carol.view.openFile(relayed);
  assertEquals("type" in refused && refused.type === "warning" && refused.code, "bad-file-message");
  // Nor is it bob's twice.
  const again = bob.view.openFile(relayed);
  assertEquals("type" in again && again.type === "warning" && again.code, "replayed-message");
  await leaveAll(room, ann, bob, carol);
});

Deno.test("/dm sends what is said to one member until they leave", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const carol = await join(room, "carol");
  ann.client.talkTo("Bob");
  assertEquals((await ann.shown.next("dm-target")).to, "bob");
  ann.client.say("only bob");
  assertEquals((await bob.shown.next("message")).direct, true);
  await bob.client.close();
  await bob.seat.close();
  assertEquals((await ann.shown.next("dm-target")).to, null, "bob left: back to the room");
  ann.client.say("everyone");
  assertEquals(await carol.shown.next("message").then((e) => [e.text, e.direct]), [
    "everyone",
    false,
  ]);
  assertEquals(carol.shown.texts(), ["everyone"]);
  ann.client.talkTo("nobody");
  assertEquals((await ann.shown.next("error")).message, 'Nobody called "nobody" is in the room');
  await leaveAll(room, ann, carol);
});

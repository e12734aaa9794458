/**
 * What each member's rt can do, as the room says: from the welcome for those already there,
 * from "joined" for those who come later, nothing for one that said nothing.
 */
import { assertEquals } from "../assert.ts";
import { CAN_STREAMED_OFFERS } from "../../lib/codec/messages.ts";
import { Room } from "../../lib/room/mod.ts";
import { join, leaveAll } from "./room_support.ts";

Deno.test("a member's capabilities reach the others through the welcome and through joined", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true, can: CAN_STREAMED_OFFERS });
  const old = await join(room, "old");
  const cat = await join(room, "cat", { can: CAN_STREAMED_OFFERS | 0x4000 });
  // Until ann has seen cat arrive.
  while (!ann.view.can("cat", CAN_STREAMED_OFFERS)) await new Promise((r) => setTimeout(r, 1));
  const streams = (member: typeof ann, name: string) => member.view.can(name, CAN_STREAMED_OFFERS);
  // From the welcome: what those already there said.
  assertEquals([streams(cat, "ann"), streams(cat, "old")], [true, false]);
  // From joined.
  assertEquals([streams(ann, "old"), streams(ann, "cat"), streams(old, "cat")], [
    false,
    true,
    true,
  ]);
  // Only the bits said: another is not implied, nobody absent can do anything.
  assertEquals([ann.view.can("cat", 2), ann.view.can("nobody", CAN_STREAMED_OFFERS)], [
    false,
    false,
  ]);
  await leaveAll(room, ann, old, cat);
});

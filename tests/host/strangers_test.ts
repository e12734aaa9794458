/**
 * The accept loops' brake: at the cap of connections not in the room, taking more waits until
 * one of them is done (or has come into the room).
 */
import { assertEquals } from "../assert.ts";
import { Strangers } from "../../lib/host/strangers.ts";

Deno.test("strangers: under the cap at once; at it, wait until one leaves", async () => {
  const strangers = new Strangers(2);
  strangers.arrived();
  await strangers.roomForMore();
  strangers.arrived();
  let resumed = false;
  const waiting = strangers.roomForMore().then(() => resumed = true);
  // Everything that can run now has run: still waiting.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(resumed, false);
  strangers.left();
  await waiting;
  assertEquals(strangers.count, 1);
  // Every loop waiting is woken (each listener has its own).
  strangers.arrived();
  const woken: string[] = [];
  const a = strangers.roomForMore().then(() => woken.push("a"));
  const b = strangers.roomForMore().then(() => woken.push("b"));
  strangers.left();
  await Promise.all([a, b]);
  assertEquals(woken, ["a", "b"]);
});

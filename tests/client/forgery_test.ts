/**
 * What a host relaying the room cannot do to what members say: alter it, put it in another
 * member's mouth, or seat itself with a key other than the one it proved. Each is dropped and
 * said to be forged; what comes after is shown as usual.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { Room } from "../../lib/room/mod.ts";
import { join, leaveAll } from "./room_support.ts";

Deno.test("a room message altered on the way is dropped as forged", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  bob.seat.alter = (m) => [m.t === "said" && m.text === "pay me" ? { ...m, text: "pay him" } : m];
  ann.client.say("pay me");
  const warning = await bob.shown.next("warning");
  assertEquals([warning.code, warning.name], ["forged-message", "ann"]);
  ann.client.say("after");
  await bob.shown.next("message", (e) => e.text === "after");
  assertEquals(bob.shown.texts(), ["after"], "neither text of the altered one was shown");
  await leaveAll(room, ann, bob);
});

Deno.test("a message relayed as another member's is dropped as forged", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const carol = await join(room, "carol");
  carol.seat.alter = (m) => [m.t === "said" && m.from === "bob" ? { ...m, from: "ann" } : m];
  bob.client.say("I am ann");
  const warning = await carol.shown.next("warning");
  assertEquals([warning.code, warning.name], ["forged-message", "ann"]);
  // Without the relay's lie, the same message shows as bob's.
  const genuine = await ann.shown.next("message");
  assertEquals([genuine.from, genuine.text], ["bob", "I am ann"]);
  await leaveAll(room, ann, bob, carol);
});

Deno.test("the host's seat has the key it proved, not the one the room lists", async () => {
  const room = new Room();
  const proven = generateIdentity(), listed = generateIdentity();
  // The host proved `proven` on the connection, but seats itself with `listed`, and signs so.
  const host = await join(room, "ann", { host: true, identity: listed });
  const bob = await join(room, "bob", { hostKey: proven.publicKey });
  host.client.say("trust me");
  const warning = await bob.shown.next("warning");
  assertEquals([warning.code, warning.name], ["forged-message", "ann"]);
  assertEquals(bob.shown.texts(), []);
  // A joiner that took the listed key would have shown it: the check is the proven key.
  const trusting = await join(room, "carol");
  host.client.say("trust me again");
  await trusting.shown.next("message", (e) => e.text === "trust me again");
  await leaveAll(room, host, bob, trusting);
});

Deno.test("a direct message from one member relayed as another's does not open", async () => {
  const room = new Room();
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const carol = await join(room, "carol");
  bob.seat.alter = (m) => [m.t === "dm" ? { ...m, from: "ann" } : m];
  carol.client.direct("bob", "from carol");
  const warning = await bob.shown.next("warning");
  assertEquals([warning.code, warning.name], ["bad-direct-message", "ann"]);
  assertOk(!bob.shown.texts().includes("from carol"), bob.shown.describe());
  await leaveAll(room, ann, bob, carol);
});

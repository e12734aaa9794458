import { assertEquals, assertOk } from "../assert.ts";
import { Room, type RoomActivity } from "../../lib/room/room.ts";
import type { RoomMessage } from "../../lib/codec/messages.ts";

const KEY = new Uint8Array(32).fill(7);
const SIG = new Uint8Array(64).fill(1);

function seat(room: Room, options: { host?: boolean } = {}) {
  const inbox: RoomMessage[] = [];
  let disconnected = false;
  const membership = room.connect({
    deliver: (m) => inbox.push(m),
    disconnect: () => disconnected = true,
  }, { host: options.host, address: "192.0.2.9", key: KEY });
  return {
    inbox,
    membership,
    get disconnected() {
      return disconnected;
    },
    kinds: () => inbox.map((m) => m.t),
  };
}

Deno.test("joins, talk and leaves reach exactly the members present", () => {
  let now = 1000;
  const room = new Room({ now: () => now });
  const a = seat(room, { host: true });
  a.membership.receive({ t: "join", name: "Ann" });
  a.membership.receive({ t: "say", text: "before bob", seq: 1, sent: 1000, sig: SIG });
  const b = seat(room);
  b.membership.receive({ t: "join", name: "Bob" });
  now = 2000;
  const session = new Uint8Array(16).fill(7);
  b.membership.receive({ t: "say", text: "hi", seq: 1, sent: 1500, session, sig: SIG });
  assertEquals(b.kinds(), ["welcome", "said"], "bob sees nothing said before he joined");
  assertEquals(a.kinds(), ["welcome", "said", "joined", "said"]);
  // Relayed with the author's signed time and session, and the room's own time beside them.
  assertEquals(a.inbox[3], {
    t: "said",
    from: "Bob",
    text: "hi",
    at: 2000,
    seq: 1,
    sent: 1500,
    session,
    sig: SIG,
  });
  b.membership.receive({ t: "bye" });
  assertOk(b.disconnected);
  assertEquals(a.inbox.at(-1), { t: "left", name: "Bob", reason: "quit", at: 2000 });
  assertEquals(room.members().map((m) => m.name), ["Ann"]);
});

Deno.test("names are unique whatever their case or Unicode form", () => {
  const room = new Room();
  seat(room).membership.receive({ t: "join", name: "José" });
  for (const name of ["JOSÉ", "Jose\u0301", "ｊｏｓé", "  josé "]) {
    const other = seat(room);
    other.membership.receive({ t: "join", name });
    assertEquals(other.kinds(), ["name-refused"], name);
  }
});

Deno.test("invalid names are refused with a reason", () => {
  const room = new Room();
  for (const name of ["", "   ", "x".repeat(33), "a\u0007b", "evil\u202Eeman", "a\nb", "/me"]) {
    const m = seat(room);
    m.membership.receive({ t: "join", name });
    const reply = m.inbox[0];
    assertOk(reply?.t === "name-refused" && reply.reason.length > 0, JSON.stringify(name));
  }
  assertEquals(room.members(), []);
});

Deno.test("who lists members; nothing is relayed before a name is chosen", () => {
  const room = new Room();
  const a = seat(room);
  const b = seat(room);
  a.membership.receive({ t: "join", name: "a" });
  b.membership.receive({ t: "say", text: "sneaky", seq: 1, sent: 1000, sig: SIG });
  b.membership.receive({ t: "who" });
  assertEquals(a.kinds(), ["welcome"]);
  const who = b.inbox.at(-1);
  assertOk(who?.t === "who" && who.members.length === 1);
});

Deno.test("a member that cannot take messages is dropped, and the others carry on", async () => {
  const activity: RoomActivity[] = [];
  const room = new Room({ onActivity: (x) => activity.push(x) });
  const a = seat(room);
  a.membership.receive({ t: "join", name: "a" });
  const fine = seat(room);
  fine.membership.receive({ t: "join", name: "fine" });
  const brokenLink = room.connect({
    deliver: () => {
      throw new Error("queue full");
    },
    disconnect: () => {},
  }, { key: KEY });
  brokenLink.receive({ t: "join", name: "broken" });
  a.membership.receive({ t: "say", text: "hello", seq: 1, sent: 1000, sig: SIG });
  await Promise.resolve();
  assertEquals(room.members().map((m) => m.name), ["a", "fine"]);
  assertOk(activity.some((x) => x.kind === "dropped"));
  assertEquals(a.inbox.at(-1)?.t, "left");
});

Deno.test("closing tells everyone and disconnects them; late connections are turned away", () => {
  const room = new Room();
  const a = seat(room);
  a.membership.receive({ t: "join", name: "a" });
  const pending = seat(room);
  room.close();
  assertEquals(a.inbox.at(-1), { t: "closed", reason: "the host closed the room" });
  assertOk(a.disconnected && pending.disconnected);
  const late = seat(room);
  assertEquals(late.kinds(), ["closed"]);
  assertOk(late.disconnected);
});

Deno.test("file chunks reach only a recipient who opened the transfer; openings are not relayed", () => {
  const room = new Room();
  const ann = seat(room, { host: true });
  ann.membership.receive({ t: "join", name: "Ann" });
  const bob = seat(room);
  bob.membership.receive({ t: "join", name: "Bob" });
  const eve = seat(room);
  eve.membership.receive({ t: "join", name: "Eve" });
  const id = new Uint8Array(16).fill(3);
  const chunk = (n: number) => ({ t: "data" as const, id, n, body: new Uint8Array([n, 1, 2]) });
  const data = (s: ReturnType<typeof seat>) => s.inbox.filter((m) => m.t === "data");

  // Nobody asked: eve's chunks to bob, and ann's, are dropped.
  eve.membership.receive({ ...chunk(0), to: "Bob" });
  ann.membership.receive({ ...chunk(0), to: "bob" });
  assertEquals(data(bob), []);
  // Bob accepts ann's transfer: his empty frame opens it, and is not relayed.
  bob.membership.receive({ t: "data", to: "Ann", id, n: 0, body: new Uint8Array(0) });
  assertEquals(data(ann), []);
  ann.membership.receive({ ...chunk(1), to: "Bob" });
  assertEquals(data(bob).map((m) => m.t === "data" && [m.from, m.n]), [["Ann", 1]]);
  // Ann's chunk opened the way back: bob's acknowledgements reach her.
  bob.membership.receive({ ...chunk(0), to: "Ann" });
  assertEquals(data(ann).map((m) => m.t === "data" && [m.from, m.n]), [["Bob", 0]]);
  // Eve, with the same transfer id, still cannot push anything at bob.
  eve.membership.receive({ ...chunk(2), to: "Bob" });
  assertEquals(data(bob).length, 1);
});

Deno.test("a member's session number goes with its name to the others", () => {
  const room = new Room();
  const ann = seat(room, { host: true });
  const nonce = new Uint8Array(16).fill(9);
  ann.membership.receive({ t: "join", name: "Ann", nonce });
  const bob = seat(room);
  bob.membership.receive({ t: "join", name: "Bob" });
  const welcome = bob.inbox.find((m) => m.t === "welcome");
  assertOk(welcome?.t === "welcome");
  assertEquals(welcome.members.map((m) => m.nonce), [nonce, undefined]);
  const cat = seat(room);
  cat.membership.receive({ t: "join", name: "Cat", nonce: new Uint8Array(16).fill(4) });
  const joined = ann.inbox.find((m) => m.t === "joined" && m.name === "Cat");
  assertOk(joined?.t === "joined");
  assertEquals(joined.nonce, new Uint8Array(16).fill(4));
});

Deno.test("what a member's rt can do goes with its name to the others, waiting joins too", () => {
  const room = new Room({ hostFirst: true });
  const bob = seat(room);
  // Bob joins before the host is seated: what he can do waits with his name.
  bob.membership.receive({ t: "join", name: "Bob", can: 1 });
  const ann = seat(room, { host: true });
  ann.membership.receive({ t: "join", name: "Ann" });
  const welcome = bob.inbox.find((m) => m.t === "welcome");
  assertOk(welcome?.t === "welcome");
  assertEquals(welcome.members.map((m) => [m.name, m.can]).sort(), [
    ["Ann", undefined],
    ["Bob", 1],
  ]);
  const cat = seat(room);
  // Bits this rt does not know are passed on as they are.
  cat.membership.receive({ t: "join", name: "Cat", can: 0x8000_0003 });
  const joined = ann.inbox.find((m) => m.t === "joined" && m.name === "Cat");
  assertOk(joined?.t === "joined");
  assertEquals(joined.can, 0x8000_0003);
  assertEquals(room.members().find((m) => m.name === "Cat")?.can, 0x8000_0003);
  // None said: none listed.
  assertEquals(room.members().find((m) => m.name === "Ann")?.can, undefined);
});

Deno.test("hostFirst: joins wait until the host has taken its seat, then are answered", () => {
  const room = new Room({ hostFirst: true });
  const bob = seat(room);
  bob.membership.receive({ t: "join", name: "Bob" });
  const gone = seat(room);
  gone.membership.receive({ t: "join", name: "Gone" });
  gone.membership.leave("lost");
  // Nobody is welcomed into a room whose host is not there yet.
  assertEquals(bob.kinds(), []);
  assertEquals(room.members(), []);
  const ann = seat(room, { host: true });
  ann.membership.receive({ t: "join", name: "Ann" });
  assertEquals(bob.kinds(), ["welcome"]);
  const welcome = bob.inbox[0];
  assertOk(welcome?.t === "welcome");
  assertEquals(
    welcome.members.map((m) => [m.name, m.host]).sort(),
    [["Ann", true], ["Bob", false]],
  );
  assertEquals(ann.kinds(), ["welcome", "joined"]);
  // Later joins are answered at once.
  const cy = seat(room);
  cy.membership.receive({ t: "join", name: "Cy" });
  assertEquals(cy.kinds(), ["welcome"]);
});

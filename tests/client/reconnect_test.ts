/**
 * A member coming back after its connection dropped, on an in-memory room that keeps its seat:
 * what it types while away waits (`ChatClient.away`) and goes out once back (`resume`), signed
 * as it was typed, and the others take it; what is too old or too much is said not to be sent;
 * a welcome of another room is not taken for a way back; who left and joined meanwhile is told
 * (`RoomView.rejoined`). And how often rt tries to come back (`backoffMs`, `comeBack`).
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  ChatClient,
  MAX_LATE_LINES,
  MAX_LATE_MS,
  type RoomEnd,
  RoomView,
  type Session,
} from "../../lib/client/mod.ts";
import type { ClientMessage, RoomMessage } from "../../lib/codec/mod.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { generateIdentity, type Identity } from "../../lib/identity/mod.ts";
import { type MemberLink, type Membership, Room } from "../../lib/room/mod.ts";
import { PeerBook } from "../../lib/store/mod.ts";
import { AsyncQueue, withTimeout } from "../../lib/util/mod.ts";
import { backoffMs, comeBack, type Reconnect } from "../../lib/app/reconnect.ts";
import { join, leaveAll, type Member, Shown } from "./room_support.ts";

type Welcome = Extract<RoomMessage, { t: "welcome" }>;

/** One connection of a member to the room, which the test can drop as a network would. */
class Connection implements Session {
  readonly #inbox = new AsyncQueue<RoomMessage>();
  /** How the room reaches this connection. */
  readonly link: MemberLink = {
    deliver: (message) => this.#inbox.push(message),
    disconnect: () => this.#inbox.end(),
  };
  membership: Membership | null = null;
  /** Every message the member sent on this connection. */
  readonly sent: ClientMessage[] = [];

  send(message: ClientMessage): void {
    this.sent.push(message);
    this.membership!.receive(message);
  }

  ready(): null {
    return null;
  }

  next(): Promise<RoomMessage | null> {
    return this.#inbox.next();
  }

  close(): Promise<void> {
    this.membership?.leave("quit");
    this.#inbox.end();
    return Promise.resolve();
  }

  /** The connection drops: the room hears it as lost, and the member's reading ends. */
  drop(): void {
    this.membership!.leave("lost", { keepSeat: true });
    this.#inbox.end();
  }
}

/** A member that comes back after drops, on a clock the test sets. */
interface Returning {
  identity: Identity;
  client: ChatClient;
  view: RoomView;
  shown: Shown;
  clock: { now: number };
  /** Its connection now. */
  connection: Connection;
  /** Following the room on the connection now. */
  following: Promise<RoomEnd | null>;
}

/** Seats `name` as rt seats a joiner that reconnects. */
async function joinReturning(room: Room, name: string): Promise<Returning> {
  const identity = generateIdentity();
  const clock = { now: Date.now() };
  const connection = new Connection();
  connection.membership = room.connect(connection.link, { key: identity.publicKey });
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  connection.send({ t: "join", name, nonce });
  const welcome = await connection.next();
  if (welcome?.t !== "welcome") throw new Error(`${name} was not welcomed: ${welcome?.t}`);
  const view = new RoomView(welcome, {
    identity,
    peers: PeerBook.inMemory(),
    host: false,
    nonce,
    now: () => clock.now,
  });
  const shown = new Shown();
  const client = new ChatClient(connection, view, {
    show: (event) => shown.push(event),
    downloads: "/nonexistent/rt-client-tests",
    now: () => clock.now,
    reconnects: true,
  });
  const following = client.run();
  await shown.next("welcome");
  return { identity, client, view, shown, clock, connection, following };
}

/** The connection drops; the chat learns of it as rt's chat loop does, and goes away. */
async function drop(member: Returning): Promise<void> {
  member.connection.drop();
  assertEquals(await within(member.following), "lost");
  member.client.away();
}

/** Back on a new connection into the seat kept; what `resume` said. */
async function comeBackIn(room: Room, member: Returning): Promise<boolean> {
  const connection = new Connection();
  connection.membership = room.rejoin(member.connection.membership!, connection.link);
  assertOk(connection.membership, "the room took the member back");
  const welcome = await connection.next();
  assertOk(welcome?.t === "welcome" && welcome.away !== undefined, "a welcome back");
  const resumed = member.client.resume(connection, welcome);
  if (resumed) {
    member.connection = connection;
    member.following = member.client.run();
  }
  return resumed;
}

async function leave(member: Returning): Promise<void> {
  await member.client.close();
  await member.connection.close();
  assertEquals(await within(member.following), null);
}

/** Room messages `member` was delivered from `from`. */
function saidBy(member: Member, from: string) {
  return member.seat.delivered.flatMap((m) => m.t === "said" && m.from === from ? [m] : []);
}

/** Waits until `member` was shown `text` from `from`, so that everything sent before it came. */
async function heard(member: Member, from: string, text: string): Promise<void> {
  await within(member.shown.next("message", (e) => e.from === from && e.text === text));
}

/** `promise`, or a failure after a while: a broken behaviour fails the test, not hangs it. */
function within<T>(promise: Promise<T>): Promise<T> {
  return withTimeout(promise, 10_000, () => new Error("waited too long"));
}

const warnings = (shown: Shown) => shown.read.filter((e) => e.type === "warning");
const errors = (shown: Shown) =>
  shown.read.flatMap((e) => e.type === "error" ? [e as Extract<ChatEvent, { type: "error" }>] : []);

Deno.test("a dropped connection is not said to be lost when rt comes back by itself", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  cat.connection.drop();
  assertEquals(await cat.following, "lost");
  cat.client.away();
  assertOk(cat.client.isAway);
  // The chat says it is reconnecting instead; the client itself shows no error.
  assertEquals(errors(cat.shown), []);
  assertOk(await comeBackIn(room, cat));
  assertOk(!cat.client.isAway);
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("lines typed while away wait, then go out in order as they were signed, and are taken", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  const typedAt = cat.clock.now;
  cat.client.say("one");
  cat.clock.now += 1_000;
  cat.client.say("waves", true);
  cat.clock.now += 1_000;
  cat.client.direct("bob", "just you");
  // Nothing went anywhere: the old connection is gone, and nothing was sent on it.
  assertEquals(saidBy(bob, "cat"), []);
  assertEquals(cat.connection.sent.map((m) => m.t), ["join"]);

  cat.clock.now += 5_000;
  assertOk(await comeBackIn(room, cat));
  assertEquals(cat.connection.sent.map((m) => m.t), ["say", "say", "dm"]);
  await heard(bob, "cat", "just you");
  // Signed when typed (the signature covers `sent`), not again when sent: and bob took them.
  assertEquals(saidBy(bob, "cat").map((m) => [m.text, m.sent, m.seq]), [
    ["one", typedAt, 1],
    ["waves", typedAt + 1_000, 2],
  ]);
  const fromCat = bob.shown.read.filter((e) => e.type === "message" && e.from === "cat");
  assertEquals(fromCat.map((e) => e.type === "message" && [e.text, e.action, e.direct]), [
    ["one", false, false],
    ["waves", true, false],
    ["just you", false, true],
  ]);
  await heard(ann, "cat", "waves");
  // Not one was dropped as a replay, nor anything after them.
  ann.client.say("welcome back");
  await heard(bob, "ann", "welcome back");
  assertEquals(warnings(bob.shown), []);
  assertEquals(warnings(ann.shown), []);
  const back = await within(cat.shown.next("reconnected"));
  assertEquals([back.late, back.dropped], [3, 0]);
  assertOk(back.text.includes("3 lines typed meanwhile sent now"), back.text);
  await leave(cat);
  await leaveAll(room, ann, bob);
});

Deno.test("back in the room, the member follows it on the new connection and talks as before", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  cat.client.say("before");
  await heard(ann, "cat", "before");
  const mark = ann.shown.read.length;
  await drop(cat);
  assertOk(await comeBackIn(room, cat));
  // The others saw one notice, and cat neither leave nor join.
  const notice = await within(ann.shown.next("notice"));
  assertOk(notice.text.startsWith("cat reconnected after"), notice.text);
  ann.client.say("hello again");
  await within(cat.shown.next("message", (e) => e.text === "hello again"));
  // Numbers go on from where they were: a new one is taken.
  cat.client.say("after");
  await heard(ann, "cat", "after");
  const since = ann.shown.read.slice(mark);
  assertEquals(since.filter((e) => e.type === "left" || e.type === "joined"), []);
  assertEquals(warnings(ann.shown), []);
  assertEquals(cat.shown.read.filter((e) => e.type === "welcome").length, 1, "welcomed once");
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("a line typed longer ago than MAX_LATE_MS is shown as not sent", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  // Still within the five minutes the others take as fresh: only the client's rule holds it.
  cat.clock.now = Date.now() - MAX_LATE_MS - 2_000;
  cat.client.say("stale");
  cat.clock.now = Date.now();
  cat.client.say("fresh");
  assertOk(await comeBackIn(room, cat));
  const notSent = await within(cat.shown.next("error"));
  assertEquals(notSent.code, "not-sent");
  assertOk(notSent.message.includes('"stale"'), notSent.message);
  assertOk(notSent.message.includes("too long ago"), notSent.message);
  const back = await within(cat.shown.next("reconnected"));
  assertEquals([back.late, back.dropped], [1, 1]);
  await heard(ann, "cat", "fresh");
  assertEquals(saidBy(ann, "cat").map((m) => m.text), ["fresh"]);
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("more than MAX_LATE_LINES lines typed while away: the rest are shown as not sent", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  const typed = Array.from({ length: MAX_LATE_LINES + 2 }, (_, i) => `line ${i + 1}`);
  for (const line of typed) cat.client.say(line);
  // Said at once, as each is typed.
  const over = [await within(cat.shown.next("error")), await within(cat.shown.next("error"))];
  assertEquals(over.map((e) => e.code), ["not-sent", "not-sent"]);
  assertOk(over[0]!.message.includes(`"line ${MAX_LATE_LINES + 1}"`), over[0]!.message);
  assertOk(over[1]!.message.includes(`at most ${MAX_LATE_LINES} lines`), over[1]!.message);
  assertOk(await comeBackIn(room, cat));
  const back = await within(cat.shown.next("reconnected"));
  assertEquals([back.late, back.dropped], [MAX_LATE_LINES, 2]);
  await heard(ann, "cat", `line ${MAX_LATE_LINES}`);
  assertEquals(saidBy(ann, "cat").map((m) => m.text), typed.slice(0, MAX_LATE_LINES));
  assertEquals(warnings(ann.shown), []);
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("a welcome of another room, or for another name, is no way back", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  cat.client.say("kept");
  const members = room.members();
  const strangers: Welcome[] = [
    // A host started again: a new room id, whatever the name.
    { t: "welcome", name: "cat", room: crypto.getRandomValues(new Uint8Array(16)), members },
    // The same room, but another seat.
    { t: "welcome", name: "cat2", room: room.id, members },
  ];
  for (const welcome of strangers) {
    const elsewhere = new Connection();
    assertEquals(cat.client.resume(elsewhere, welcome), false);
    assertEquals(elsewhere.sent, [], "nothing typed goes to that room");
  }
  assertOk(cat.client.isAway, "still away");
  assertEquals(cat.shown.read.filter((e) => e.type === "reconnected"), []);
  // The real way back still works, and takes what was kept.
  assertOk(await comeBackIn(room, cat));
  await heard(ann, "cat", "kept");
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("coming back tells who left and who joined meanwhile, and their messages are taken", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const eve = await join(room, "eve");
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  // Meanwhile: bob leaves; eve leaves and joins again (rt started again: the same key, a new
  // session); dan joins.
  for (const gone of [bob, eve]) {
    await gone.client.close();
    await gone.seat.close();
  }
  const eve2 = await join(room, "eve", { identity: eve.identity, peers: eve.peers });
  const dan = await join(room, "dan");
  assertOk(await comeBackIn(room, cat));
  await within(cat.shown.next("reconnected"));
  const changes = cat.shown.read.filter((e) => e.type === "left" || e.type === "joined");
  assertEquals(
    changes.map((e) => e.type === "left" || e.type === "joined" ? [e.type, e.name] : []),
    [
      ["left", "bob"],
      ["left", "eve"],
      ["joined", "eve"],
      ["joined", "dan"],
    ],
  );
  // The seats are up to date: messages of eve's new session, and dan's, are genuine to cat.
  eve2.client.say("I am new");
  dan.client.say("me too");
  await within(cat.shown.next("message", (e) => e.from === "eve" && e.text === "I am new"));
  await within(cat.shown.next("message", (e) => e.from === "dan" && e.text === "me too"));
  assertEquals(warnings(cat.shown), [], "not a changed key, nor a replay");
  assertEquals(cat.view.names().sort(), ["ann", "cat", "dan", "eve"]);
  await leave(cat);
  await leaveAll(room, ann, eve2, dan);
});

Deno.test("rejoined: nothing changed meanwhile, nothing to tell; another room, null", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const cat = await joinReturning(room, "cat");
  const welcome: Welcome = { t: "welcome", name: "cat", room: room.id, members: room.members() };
  assertEquals(cat.view.rejoined(welcome), []);
  assertEquals(cat.view.rejoined({ ...welcome, room: new Uint8Array(16) }), null);
  assertEquals(cat.view.rejoined({ ...welcome, name: "ann" }), null);
  await leave(cat);
  await leaveAll(room, ann);
});

Deno.test("backoffMs: soon at first, then growing to every 30 s, and no more", () => {
  const waits = Array.from({ length: 20 }, (_, i) => backoffMs(i));
  assertEquals(waits[0], 500);
  for (let i = 1; i < waits.length; i++) assertOk(waits[i]! >= waits[i - 1]!, `try ${i}`);
  assertOk(waits.slice(0, 6).every((ms) => ms < 30_000), "a few quick tries first");
  assertEquals(waits.slice(6), Array(14).fill(30_000));
  assertEquals(backoffMs(10_000), 30_000);
});

Deno.test("comeBack: retries until a final answer, and gives up at once when aborted", async () => {
  const tries: number[] = [];
  const final: ChatEvent = { type: "closed", reason: "gone" };
  const started = Date.now();
  const outcome = await comeBack(() => {
    tries.push(Date.now() - started);
    return Promise.resolve(tries.length < 2 ? { retry: "not yet" } : { final });
  }, new AbortController().signal);
  assertEquals(outcome, { final });
  assertEquals(tries.length, 2);
  // Waited before each try: 0.5 s, then 1 s more (timers may fire a little early, not late).
  assertOk(tries[0]! >= 450 && tries[1]! >= 1_400, JSON.stringify(tries));

  const stop = new AbortController();
  let asked = 0;
  const waiting = comeBack(() => {
    asked++;
    return Promise.resolve({ retry: "never" });
  }, stop.signal);
  stop.abort();
  assertEquals(await waiting, null);
  assertEquals(asked, 0, "no try after the member left");
});

Deno.test("comeBack: a session that comes back after the member left is closed", async () => {
  const stop = new AbortController();
  let closed = false;
  const session: Session = {
    send() {},
    ready: () => null,
    next: () => Promise.resolve(null),
    close: () => {
      closed = true;
      return Promise.resolve();
    },
  };
  const welcome: Welcome = { t: "welcome", name: "cat", room: new Uint8Array(16), members: [] };
  const outcome = await comeBack(() => {
    stop.abort();
    return Promise.resolve({ session, welcome });
  }, stop.signal);
  assertEquals(outcome, null);
  assertOk(closed);
});

Deno.test("comeBack gives up once the host can no longer be keeping the seat", async () => {
  // A clock that jumps a minute at each reading: the host keeps seats for 30 s.
  let clock = 0;
  const now = () => (clock += 60_000);
  let tries = 0;
  const reconnect: Reconnect = Object.assign(() => {
    tries++;
    return Promise.resolve({ retry: "nothing listens there" } as const);
  }, { keepMs: 30_000 });
  const outcome = await comeBack(reconnect, new AbortController().signal, now);
  assertOk(outcome !== null && "final" in outcome, JSON.stringify(outcome));
  const said = outcome.final;
  assertEquals(said.type === "error" && said.code, "gave-up");
  assertOk(said.type === "error" && /30 s/.test(said.message), JSON.stringify(said));
  assertEquals(tries, 0, "no try once the seat can be gone");
});

Deno.test("who left meanwhile is no longer talked to: /dm falls back to the room", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const cat = await joinReturning(room, "cat");
  cat.client.talkTo("bob");
  await drop(cat);
  await bob.client.close();
  await bob.seat.close();
  // Someone else takes the name meanwhile.
  const bob2 = await join(room, "bob");
  assertOk(await comeBackIn(room, cat));
  assertEquals((await within(cat.shown.next("dm-target"))).to, "bob", "as asked, before the drop");
  assertEquals((await within(cat.shown.next("dm-target"))).to, null, "ended by bob's leaving");
  cat.client.say("to everyone");
  await heard(ann, "cat", "to everyone");
  const heardByAnn = ann.shown.read.find((e) => e.type === "message" && e.text === "to everyone");
  assertOk(heardByAnn?.type === "message" && !heardByAnn.direct);
  await leave(cat);
  await leaveAll(room, ann, bob2);
});

// A BUG (lib/client/chat_client.ts, `resume`): a direct line typed while away is sent once back
// whatever happened to its recipient meanwhile. When they left and someone else took the name,
// the room hands the line (sealed to the old key) to the newcomer, who is shown a warning that
// a message "claiming to be from cat could not be opened or verified", and cat is told the line
// was sent. It should be shown as not sent, as a line too old is.
Deno.test("a direct line typed while away to one who left meanwhile is shown as not sent", async () => {
  const room = new Room({ graceMs: 60_000 });
  const ann = await join(room, "ann", { host: true });
  const bob = await join(room, "bob");
  const cat = await joinReturning(room, "cat");
  await drop(cat);
  cat.client.direct("bob", "psst");
  await bob.client.close();
  await bob.seat.close();
  const bob2 = await join(room, "bob");
  assertOk(await comeBackIn(room, cat));
  const back = await within(cat.shown.next("reconnected"));
  ann.client.say("sync");
  await heard(bob2, "ann", "sync");
  const dms = bob2.seat.delivered.flatMap((m) => m.t === "dm" ? [m.from] : []);
  assertEquals(dms, [], "nothing for the new bob");
  assertEquals(warnings(bob2.shown), []);
  assertEquals([back.late, back.dropped], [0, 1]);
  const notSent = errors(cat.shown).find((e) => e.code === "not-sent");
  assertOk(notSent?.message.includes('"psst"'), JSON.stringify(cat.shown.read));
  await leave(cat);
  await leaveAll(room, ann, bob2);
});

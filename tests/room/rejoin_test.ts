/**
 * A member whose connection dropped keeps its seat for `graceMs` and may come back into it
 * (`Room.rejoin`): the others see one notice, not a leave and a join. In memory, with a clock
 * the test sets; the grace itself runs on real (short) timers.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Room, type RoomActivity } from "../../lib/room/mod.ts";
import type { RoomMessage } from "../../lib/codec/mod.ts";
import { withTimeout } from "../../lib/util/mod.ts";

const SIG = new Uint8Array(64).fill(1);
/** Short enough to wait out in a test, long enough that nothing runs out by accident. */
const GRACE_MS = 60;

/** A link the test reads: what it was delivered, and whether the room let it go. */
function link() {
  const inbox: RoomMessage[] = [];
  let disconnected = false;
  return {
    inbox,
    deliver: (m: RoomMessage) => void inbox.push(m),
    disconnect: () => void (disconnected = true),
    get disconnected() {
      return disconnected;
    },
    kinds: () => inbox.map((m) => m.t),
  };
}

type Link = ReturnType<typeof link>;

/** A room with a clock the test moves, and its activity as it comes. */
function roomWith(options: { graceMs?: number } = {}) {
  const clock = { now: 1_000 };
  const activity: RoomActivity[] = [];
  const waiters: { kind: RoomActivity["kind"]; resolve: () => void }[] = [];
  const room = new Room({
    now: () => clock.now,
    graceMs: options.graceMs ?? GRACE_MS,
    onActivity: (a) => {
      activity.push(a);
      for (const w of waiters.filter((w) => w.kind === a.kind)) w.resolve();
    },
  });
  /** Waits for the next activity of `kind` (the grace running out is a timer). */
  const next = (kind: RoomActivity["kind"]) => {
    const { promise, resolve } = Promise.withResolvers<void>();
    waiters.push({ kind, resolve });
    return withTimeout(promise, 5_000, () => new Error(`no "${kind}" activity`));
  };
  return { room, clock, activity, next };
}

/** Connects a member on a fresh link and has it join as `name`. */
function seat(
  room: Room,
  name: string | null,
  options: { host?: boolean; key?: Uint8Array } = {},
) {
  const l = link();
  // Each member has its own key unless told: the room treats the same key as the same person.
  const key = options.key ?? crypto.getRandomValues(new Uint8Array(32));
  const membership = room.connect(l, { key, host: options.host, address: "192.0.2.1" });
  if (name !== null) membership.receive({ t: "join", name });
  return { link: l, membership };
}

/** How the host says a connection dropped (no goodbye, a reset, silence): keep the seat. */
const DROPPED = { keepSeat: true };

const say = (text: string) => ({ t: "say" as const, text, seq: 1, sent: 1_000, sig: SIG });

/** What arrived on `l` since index `from`. */
function since(l: Link, from: number): RoomMessage[] {
  return l.inbox.slice(from);
}

/** How many timers `fn` started and left pending (neither fired nor cleared). */
function timersLeftBy(fn: () => void): number {
  const { setTimeout: set, clearTimeout: clear } = globalThis;
  type Id = ReturnType<typeof setTimeout>;
  const pending = new Set<Id>();
  globalThis.setTimeout = ((callback: () => void, ms?: number) => {
    const id: Id = set(() => {
      pending.delete(id);
      callback();
    }, ms);
    pending.add(id);
    return id;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((id?: Id) => {
    if (id !== undefined) pending.delete(id);
    clear(id);
  }) as typeof clearTimeout;
  try {
    fn();
  } finally {
    globalThis.setTimeout = set;
    globalThis.clearTimeout = clear;
  }
  for (const id of pending) clear(id);
  return pending.size;
}

/** Waits a little longer than the grace, for tests that check that nothing happened. */
function pastGrace(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, GRACE_MS * 2));
}

Deno.test("a dropped member keeps its seat and name until the grace runs out, then leaves as lost", async () => {
  const { room, activity, next } = roomWith();
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const mark = ann.link.inbox.length;
  bob.membership.leave("lost", DROPPED);
  // The old connection is let go, but nobody is told: the seat waits for Bob.
  assertOk(bob.link.disconnected, "the dropped connection is ended");
  assertEquals(since(ann.link, mark), []);
  assertOk(bob.membership.seated);
  assertEquals(room.members().map((m) => m.name), ["Ann", "Bob"]);
  assertEquals(activity.at(-1), { kind: "away", name: "Bob", address: "192.0.2.1" });
  // Nobody else may take the name while the seat is kept.
  const impostor = seat(room, "bob");
  assertEquals(impostor.link.kinds(), ["name-refused"]);

  const left = next("left");
  await left;
  assertEquals(since(ann.link, mark).map((m) => m.t), ["left"]);
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "lost", at: 1_000 });
  assertOk(!bob.membership.seated);
  assertEquals(room.members().map((m) => m.name), ["Ann"]);
  // Now the name is free again.
  const newBob = seat(room, "Bob");
  assertEquals(newBob.link.kinds(), ["welcome"]);
  room.close();
});

Deno.test("the same key joining afresh while away takes the seat over: a new session", () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const key = crypto.getRandomValues(new Uint8Array(32));
  const bob = seat(room, "Bob", { key });
  bob.membership.leave("lost", DROPPED);
  const mark = ann.link.inbox.length;
  // rt started again on Bob's computer: a plain join, with the password, the same key.
  const restarted = seat(room, "Bob", { key });
  assertEquals(restarted.link.kinds(), ["welcome"]);
  // The others see the old session leave and the new one join (its messages sign a new one).
  assertEquals(since(ann.link, mark).map((m) => m.t), ["left", "joined"]);
  assertOk(!bob.membership.seated);
  assertEquals(room.rejoin(bob.membership, link()), null, "the old seat is gone");
  assertEquals(activity.filter((a) => a.kind === "left").length, 1);
  room.close();
});

Deno.test("the same key cannot take a seat that is still connected", () => {
  const { room } = roomWith({ graceMs: 60_000 });
  const key = crypto.getRandomValues(new Uint8Array(32));
  seat(room, "Bob", { key });
  assertEquals(seat(room, "Bob", { key }).link.kinds(), ["name-refused"]);
  room.close();
});

Deno.test("while away, what the room says is not delivered, and a direct message is answered with a notice", () => {
  const { room } = roomWith();
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  const bobSaw = bob.link.inbox.length;
  ann.membership.receive(say("anyone there?"));
  ann.membership.receive({ t: "dm", to: "bob", box: new Uint8Array(40) });
  assertEquals(bob.link.inbox.length, bobSaw, "nothing reaches the dropped connection");
  const reply = ann.link.inbox.at(-1);
  assertOk(reply?.t === "notice", JSON.stringify(reply));
  assertOk(reply.text.startsWith("Bob is away"), reply.text);
  assertOk(reply.text.includes("did not get it"), reply.text);
  room.close();
});

Deno.test("coming back: a welcome saying how long it was away, one notice to the others, no left or joined", () => {
  const { room, clock, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const cat = seat(room, "Cat");
  const annMark = ann.link.inbox.length, catMark = cat.link.inbox.length;
  bob.membership.leave("lost", DROPPED);
  clock.now += 7_400;
  const back = link();
  const membership = room.rejoin(bob.membership, back, { address: "198.51.100.4" });
  assertOk(membership, "taken back");
  assertEquals(back.inbox, [{
    t: "welcome",
    name: "Bob",
    room: room.id,
    members: room.members(),
    away: 7_400,
  }]);
  // Rounded to whole seconds; exactly one notice each, and no leave or join.
  for (const [other, mark] of [[ann.link, annMark], [cat.link, catMark]] as const) {
    assertEquals(since(other, mark), [{ t: "notice", text: "Bob reconnected after 7 s" }]);
  }
  assertEquals(activity.at(-1), {
    kind: "back",
    name: "Bob",
    awayMs: 7_400,
    address: "198.51.100.4",
  });
  assertEquals(room.addressOf("Bob"), "198.51.100.4");
  // Back to normal both ways, on the new link.
  ann.membership.receive(say("welcome back"));
  assertEquals(back.inbox.at(-1)?.t, "said");
  membership.receive(say("thanks"));
  const said = ann.link.inbox.at(-1);
  assertOk(said?.t === "said" && said.from === "Bob" && said.text === "thanks");
  assertOk(membership.seated && membership.name === "Bob");
  room.close();
});

Deno.test("a member back in its seat is not removed when the old grace would have run out", async () => {
  // The timer is cleared (the test's op sanitizer would also catch one left running).
  const { room, activity } = roomWith();
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  const back = link();
  assertOk(room.rejoin(bob.membership, back));
  await pastGrace();
  assertEquals(ann.link.inbox.filter((m) => m.t === "left"), []);
  assertEquals(activity.filter((a) => a.kind === "left"), []);
  assertEquals(room.members().map((m) => m.name), ["Ann", "Bob"]);
  room.close();
});

Deno.test("the replaced membership does nothing once the member is back on a new link", () => {
  const { room } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  const back = link();
  const current = room.rejoin(bob.membership, back)!;
  const mark = ann.link.inbox.length;
  // The old connection's loop ending late, or a message still read from it: all ignored.
  bob.membership.receive(say("from the old connection"));
  bob.membership.receive({ t: "bye" });
  bob.membership.leave("lost", DROPPED);
  bob.membership.leave("quit");
  assertEquals(since(ann.link, mark), []);
  assertOk(!back.disconnected, "the new link is not let go");
  assertOk(current.seated);
  // The dm answer proves the member is not away either.
  ann.membership.receive({ t: "dm", to: "Bob", box: new Uint8Array(40) });
  assertEquals(back.inbox.at(-1)?.t, "dm");
  room.close();
});

Deno.test("coming back before the host saw the old connection drop lets the old one go", () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const mark = ann.link.inbox.length;
  const back = link();
  const current = room.rejoin(bob.membership, back);
  assertOk(current);
  assertOk(bob.link.disconnected, "the old connection is ended");
  const welcome = back.inbox[0];
  assertOk(welcome?.t === "welcome" && welcome.away === 0);
  assertEquals(since(ann.link, mark), [{ t: "notice", text: "Bob reconnected after 0 s" }]);
  // Its loop then ends: that is no drop, and no leave.
  bob.membership.leave("lost", DROPPED);
  assertEquals(since(ann.link, mark).length, 1);
  assertEquals(activity.filter((a) => a.kind === "away"), []);
  room.close();
});

Deno.test("a second drop after coming back keeps the seat again, and away counts from it", () => {
  const { room, clock } = roomWith({ graceMs: 60_000 });
  seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  clock.now += 5_000;
  const first = room.rejoin(bob.membership, link())!;
  clock.now += 2_000;
  first.leave("lost", DROPPED);
  assertOk(first.seated, "the seat is kept again");
  clock.now += 1_000;
  const again = link();
  // The first membership still names the seat (the host keeps it to take the member back).
  assertOk(room.rejoin(bob.membership, again));
  const welcome = again.inbox[0];
  assertOk(welcome?.t === "welcome" && welcome.away === 1_000, JSON.stringify(welcome));
  room.close();
});

Deno.test("a member whose link flaps is said to be back at most once a minute", () => {
  const { room, clock, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  let bob = seat(room, "Bob").membership;
  const mark = ann.link.inbox.length;
  const flap = (awayMs: number) => {
    bob.leave("lost", DROPPED);
    clock.now += awayMs;
    bob = room.rejoin(bob, link())!;
  };
  flap(5_000);
  flap(2_000);
  flap(3_000);
  // A minute after the last notice (at 5 s + 2 s + 3 s + 55 s + 1 s): said again.
  clock.now += 55_000;
  flap(1_000);
  assertEquals(since(ann.link, mark), [
    { t: "notice", text: "Bob reconnected after 5 s" },
    { t: "notice", text: "Bob reconnected after 1 s" },
  ]);
  // The host's log still hears each one.
  assertEquals(activity.filter((a) => a.kind === "back").length, 4);
  room.close();
});

Deno.test("no way back for a member that has left, never joined, or whose room closed", async () => {
  const { room, next } = roomWith();
  seat(room, "Ann", { host: true });
  const quitter = seat(room, "Quitter");
  quitter.membership.receive({ t: "bye" });
  assertEquals(room.rejoin(quitter.membership, link()), null);
  const nameless = seat(room, null);
  nameless.membership.leave("lost", DROPPED);
  assertEquals(room.rejoin(nameless.membership, link()), null);
  const late = seat(room, "Late");
  late.membership.leave("lost", DROPPED);
  await next("left");
  const tooLate = link();
  assertEquals(room.rejoin(late.membership, tooLate), null);
  assertEquals(tooLate.inbox, [], "nothing is delivered to a link not taken");
  const away = seat(room, "Away");
  away.membership.leave("lost", DROPPED);
  room.close();
  assertEquals(room.rejoin(away.membership, link()), null);
});

Deno.test("a member the room cut off (its link threw) leaves at once, not after the grace", async () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  let full = false;
  const choking = {
    deliver: () => {
      if (full) throw new Error("queue full");
    },
    disconnect: () => {},
  };
  const bob = room.connect(choking, { key: new Uint8Array(32) });
  bob.receive({ t: "join", name: "Bob" });
  full = true;
  ann.membership.receive(say("a lot"));
  await Promise.resolve();
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "lost", at: 1_000 });
  assertOk(!bob.seated);
  assertEquals(activity.filter((a) => a.kind === "away"), []);
  // Its connection's loop then ends as a drop: no second leave, and no way back.
  bob.leave("lost", DROPPED);
  assertEquals(ann.link.inbox.filter((m) => m.t === "left").length, 1);
  assertEquals(room.rejoin(bob, link()), null);
  room.close();
});

Deno.test("the host's own seat, a member without a name, and one that said goodbye leave at once", () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const nameless = seat(room, null);
  nameless.membership.leave("lost", DROPPED);
  assertEquals(room.size, 2, "the nameless connection is gone");
  const cat = seat(room, "Cat");
  cat.membership.leave("quit");
  assertEquals(bob.link.inbox.at(-1), { t: "left", name: "Cat", reason: "quit", at: 1_000 });
  ann.membership.leave("lost", DROPPED);
  assertEquals(bob.link.inbox.at(-1), { t: "left", name: "Ann", reason: "lost", at: 1_000 });
  assertOk(!ann.membership.seated);
  assertEquals(activity.filter((a) => a.kind === "away"), []);
  assertEquals(room.members().map((m) => m.name), ["Bob"]);
  room.close();
});

Deno.test("a connection that ended otherwise than by dropping (a broken protocol) leaves at once", () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  // Lost, but the host did not say the seat is to be kept: garbage, a frame cut short.
  bob.membership.leave("lost");
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "lost", at: 1_000 });
  assertOk(!bob.membership.seated);
  assertEquals(activity.filter((a) => a.kind === "away"), []);
  room.close();
});

Deno.test("a member cut off for stalling keeps its seat where seats are kept", () => {
  const { room, activity } = roomWith({ graceMs: 60_000 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const mark = ann.link.inbox.length;
  // A stalled link is as often a link that went down as a slow one: Bob may come back.
  assertOk(room.cutOff("bob", "you take file data too slowly"));
  assertOk(bob.link.disconnected);
  assertEquals(bob.link.inbox.filter((m) => m.t === "closed"), [], "nothing said to it");
  assertEquals(since(ann.link, mark), []);
  assertEquals(activity.at(-1)?.kind, "away");
  assertOk(room.rejoin(bob.membership, link()));
  // Nobody of that name, or the host: nothing cut off.
  assertEquals(room.cutOff("Nobody", "why"), false);
  assertEquals(room.cutOff("Ann", "why"), false);
  room.close();
});

Deno.test("without a grace, a member cut off for stalling is removed and told why", () => {
  const { room } = roomWith({ graceMs: 0 });
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  assertOk(room.cutOff("Bob", "you take file data too slowly"));
  assertEquals(bob.link.inbox.at(-1), { t: "closed", reason: "you take file data too slowly" });
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "removed", at: 1_000 });
  room.close();
});

Deno.test("the host may remove a member who is away: it leaves at once as removed", async () => {
  const { room, activity } = roomWith();
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  assertEquals(room.remove("Bob", "bye")?.name, "Bob");
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "removed", at: 1_000 });
  await pastGrace();
  assertEquals(activity.filter((a) => a.kind === "left").length, 1, "the grace no longer runs");
  assertEquals(room.rejoin(bob.membership, link()), null);
  room.close();
});

Deno.test("closing the room during a grace ends it: no leave comes afterwards", async () => {
  const { room, activity } = roomWith();
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  room.close();
  assertOk(!bob.membership.seated);
  const annSaw = ann.link.inbox.length;
  await pastGrace();
  assertEquals(ann.link.inbox.length, annSaw);
  assertEquals(activity.filter((a) => a.kind === "left"), []);
});

Deno.test("closing the room during a long grace stops its timer at once", () => {
  // A timer left running would keep a host that closed its room from exiting for the grace.
  const { room } = roomWith({ graceMs: 60_000 });
  seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  const left = timersLeftBy(() => {
    bob.membership.leave("lost", DROPPED);
    room.close();
  });
  assertEquals(left, 0);
});

Deno.test("with no grace (the default) a dropped member leaves at once", () => {
  const room = new Room({ now: () => 5 });
  assertEquals(room.graceMs, 0);
  const ann = seat(room, "Ann", { host: true });
  const bob = seat(room, "Bob");
  bob.membership.leave("lost", DROPPED);
  assertEquals(ann.link.inbox.at(-1), { t: "left", name: "Bob", reason: "lost", at: 5 });
  assertOk(!bob.membership.seated);
  assertEquals(room.rejoin(bob.membership, link()), null);
  assertEquals(seat(room, "Bob").link.kinds(), ["welcome"]);
  room.close();
});

Deno.test("a room line sent again after coming back is relayed once", () => {
  const { room } = roomWith();
  const ann = seat(room, "ann");
  const bob = seat(room, "bob");
  const line = (seq: number, text: string) => ({ ...say(text), seq });
  bob.membership.receive(line(7, "before the drop"));
  bob.membership.leave("lost", DROPPED);
  const back = link();
  const again = room.rejoin(bob.membership, back)!;
  const from = ann.link.inbox.length;
  // Bob cannot tell whether 7 got through before his connection died: he sends it again, and
  // what he typed meanwhile (8). The room relays 8 only.
  again.receive(line(7, "before the drop"));
  again.receive(line(8, "typed while away"));
  const relayed = since(ann.link, from).flatMap((m) => m.t === "said" ? [m.text] : []);
  assertEquals(relayed, ["typed while away"]);
});

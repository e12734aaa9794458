/**
 * The host's resumption secrets (`Resumptions`): one per seat, proven in place of the password,
 * used once, and good only with the identity key it was given to. Then the same through a real
 * host on loopback: the welcome carries the way back, and a member who drops comes back on it.
 */
import { assertEquals, assertNotEquals, assertOk, assertRejects } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { type HostLimits, type HostNotice, RoomHost } from "../../lib/host/mod.ts";
import { Resumptions } from "../../lib/host/resumptions.ts";
import { resumptionPrs } from "../../lib/handshake/mod.ts";
import { connectTcp, FramedConnection, joinHost, Refused } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import type { RoomMessage } from "../../lib/codec/mod.ts";
import { generateIdentity, type Identity } from "../../lib/identity/mod.ts";
import { withTimeout } from "../../lib/util/mod.ts";

const ANN_KEY = new Uint8Array(32).fill(1);
const BOB_KEY = new Uint8Array(32).fill(2);

/** A room (with a grace, so seats outlast drops) and two named members' seats. */
function twoSeats() {
  const room = new Room({ graceMs: 60_000 });
  const link = { deliver() {}, disconnect() {} };
  const ann = room.connect(link, { key: ANN_KEY });
  ann.receive({ t: "join", name: "ann" });
  const bob = room.connect(link, { key: BOB_KEY });
  bob.receive({ t: "join", name: "bob" });
  return { room, ann, bob, resumptions: new Resumptions(room.id) };
}

Deno.test("a secret is issued per seat, its PRS is bound to the room, and its key claims the seat", () => {
  const { room, ann, bob, resumptions } = twoSeats();
  const a = resumptions.issue(ann, ANN_KEY);
  const b = resumptions.issue(bob, BOB_KEY);
  assertEquals([a.id.length, a.secret.length], [16, 32]);
  assertNotEquals(a.id, b.id);
  assertNotEquals(a.secret, b.secret);
  assertEquals(resumptions.prs(a.id), resumptionPrs(room.id, a.secret));
  // The same secret in another room proves something else: it cannot be taken elsewhere.
  assertNotEquals(resumptionPrs(new Uint8Array(16), a.secret), resumptionPrs(room.id, a.secret));
  assertEquals(resumptions.prs(new Uint8Array(16)), null, "an unknown handle");
  assertEquals(resumptions.claim(b.id, BOB_KEY), { seat: bob });
  assertEquals(resumptions.claim(a.id, ANN_KEY), { seat: ann });
  room.close();
});

Deno.test("a secret proven with another member's key claims nothing, and its member still comes back", () => {
  const { room, ann, resumptions } = twoSeats();
  const a = resumptions.issue(ann, ANN_KEY);
  // Bob (or whoever took ann's secret) proves it, but with his own key: no seat.
  assertEquals(resumptions.claim(a.id, BOB_KEY), { refused: "key" });
  // The thief does not lock ann out: her secret still works with her key.
  assertEquals(resumptions.claim(a.id, ANN_KEY), { seat: ann });
  room.close();
});

Deno.test("a handle the room never gave claims nothing", () => {
  const { room, resumptions } = twoSeats();
  assertEquals(resumptions.claim(new Uint8Array(16), ANN_KEY), { refused: "key" });
  room.close();
});

Deno.test("each seat keeps only its newest secret and the one before it", () => {
  const { room, ann, resumptions } = twoSeats();
  const first = resumptions.issue(ann, ANN_KEY);
  const second = resumptions.issue(ann, ANN_KEY);
  const third = resumptions.issue(ann, ANN_KEY);
  assertEquals(resumptions.size, 2);
  assertEquals(resumptions.prs(first.id), null);
  assertEquals(resumptions.claim(first.id, ANN_KEY), { refused: "key" });
  assertOk(resumptions.prs(second.id) !== null);
  assertOk(resumptions.prs(third.id) !== null);
  room.close();
});

Deno.test("the secret used stays good until the next one is: a welcome lost on the way locks nobody out", () => {
  const { room, ann, resumptions } = twoSeats();
  const used = resumptions.issue(ann, ANN_KEY);
  assertEquals(resumptions.claim(used.id, ANN_KEY), { seat: ann });
  // The welcome back carries a new secret, but the link drops again before ann gets it.
  const lost = resumptions.issue(ann, ANN_KEY);
  assertEquals(resumptions.claim(used.id, ANN_KEY), { seat: ann });
  // Ann proved she never had the newer one: it is void.
  assertEquals(resumptions.prs(lost.id), null);
  assertEquals(resumptions.claim(lost.id, ANN_KEY), { refused: "key" });
  // Once she uses the next one she got, the old one is void.
  const next = resumptions.issue(ann, ANN_KEY);
  assertEquals(resumptions.claim(next.id, ANN_KEY), { seat: ann });
  assertEquals(resumptions.prs(used.id), null);
  assertEquals(resumptions.size, 1);
  room.close();
});

Deno.test("a claim voids only that seat's other secrets", () => {
  const { room, ann, bob, resumptions } = twoSeats();
  const a = resumptions.issue(ann, ANN_KEY);
  const b1 = resumptions.issue(bob, BOB_KEY);
  const b2 = resumptions.issue(bob, BOB_KEY);
  assertEquals(resumptions.claim(b2.id, BOB_KEY), { seat: bob });
  assertEquals(resumptions.prs(b1.id), null);
  assertEquals(resumptions.claim(a.id, ANN_KEY), { seat: ann });
  room.close();
});

Deno.test("a member who has left is not taken back, even with its own key", () => {
  const { room, ann, resumptions } = twoSeats();
  const a = resumptions.issue(ann, ANN_KEY);
  ann.receive({ t: "bye" });
  assertOk(!ann.seated);
  assertEquals(resumptions.claim(a.id, ANN_KEY), { refused: "gone" });
  assertEquals(resumptions.size, 0, "its secrets are forgotten");
  room.close();
});

Deno.test("with people coming and going, the secrets held stay about twice the seats in use", () => {
  const { room, ann, bob, resumptions } = twoSeats();
  resumptions.issue(ann, ANN_KEY);
  const b = resumptions.issue(bob, BOB_KEY);
  const link = { deliver() {}, disconnect() {} };
  let first: Uint8Array | null = null;
  for (let i = 0; i < 2000; i++) {
    const key = new Uint8Array(32).fill(9);
    key[0] = i & 0xff;
    key[1] = i >> 8;
    const passer = room.connect(link, { key })!;
    passer.receive({ t: "join", name: `passer${i}` });
    const issued = resumptions.issue(passer, key).id;
    first ??= issued;
    passer.receive({ t: "bye" });
  }
  // Looked for once the seats held double (16 at the least): those who left are let go.
  assertOk(resumptions.size <= 32, `held ${resumptions.size} after 2,000 came and went`);
  assertEquals(resumptions.prs(first!), null);
  assertOk(resumptions.prs(b.id) !== null, "those still in the room keep theirs");
  room.close();
});

// ---- through a host on loopback ------------------------------------------------------------

/**
 * A host on loopback whose room keeps a dropped member's seat for a minute. Its notices are
 * delivered asynchronously: read them after `host.close()`, which waits for them.
 */
function openRoom(graceMs = 60_000, limits: HostLimits = {}) {
  const notices: HostNotice[] = [];
  const room = new Room({ graceMs });
  const host = RoomHost.start(room, {
    password: () => "pw",
    identity: generateIdentity(),
    bind: "127.0.0.1",
    port: 0,
    limits,
    onNotice: (n) => notices.push(n),
  });
  return { room, host, notices };
}

/** Connects to the host and proves the password, or `resume` in its place. */
async function connect(
  port: number,
  identity: Identity,
  resume?: { handle: Uint8Array; prs: Uint8Array },
) {
  const framed = new FramedConnection(await connectTcp("127.0.0.1", port));
  try {
    const secure = await joinHost(framed, {
      identity,
      password: () => Promise.resolve("pw"),
      ...(resume ? { resume } : {}),
      timeoutMs: 10_000,
    });
    return { secure, session: new RemoteSession(secure) };
  } catch (error) {
    framed.close();
    throw error;
  }
}

async function until<T extends RoomMessage["t"]>(
  session: RemoteSession,
  t: T,
): Promise<Extract<RoomMessage, { t: T }>> {
  const reading = (async () => {
    while (true) {
      const m = await session.next();
      if (m === null) throw new Error(`the session ended before ${t}`);
      if (m.t === t) return m as Extract<RoomMessage, { t: T }>;
    }
  })();
  return await withTimeout(reading, 10_000, () => new Error(`no ${t}`));
}

/** The way back a welcome gave, as a joiner proves it. */
function wayBack(room: Room, welcome: Extract<RoomMessage, { t: "welcome" }>) {
  assertOk(welcome.resume, "the welcome carries a way back");
  return { handle: welcome.resume.id, prs: resumptionPrs(room.id, welcome.resume.secret) };
}

Deno.test("through the host: a member whose connection dropped comes back on the welcome's secret", async () => {
  const { room, host } = openRoom();
  const annId = generateIdentity(), bobId = generateIdentity();
  const ann = await connect(host.port, annId);
  ann.session.send({ t: "join", name: "ann" });
  await until(ann.session, "welcome");
  const bob = await connect(host.port, bobId);
  bob.session.send({ t: "join", name: "bob" });
  const welcome = await until(bob.session, "welcome");
  await until(ann.session, "joined");
  // The connection drops (no goodbye).
  bob.secure.close();
  const back = await connect(host.port, bobId, wayBack(room, welcome));
  const again = await until(back.session, "welcome");
  assertEquals(again.name, "bob");
  assertOk(typeof again.away === "number");
  // Each welcome carries a new secret.
  assertOk(again.resume);
  assertNotEquals(again.resume.id, welcome.resume!.id);
  const notice = await until(ann.session, "notice");
  assertOk(/^bob reconnected after \d+ s$/.test(notice.text), notice.text);
  back.session.send({ t: "say", text: "back", seq: 1, sent: 1, sig: new Uint8Array(64) });
  const said = await until(ann.session, "said");
  assertOk(said.from === "bob" && said.text === "back");
  assertEquals(room.members().map((m) => m.name), ["ann", "bob"]);
  await host.close();
  await Promise.all([ann.session.close(), back.session.close()]);
});

Deno.test("through the host: a secret proven with another key is turned away as a wrong guess", async () => {
  // One wrong guess blocks the address: what shows that the turn-away counted as one.
  const { room, host, notices } = openRoom(60_000, { blockAfterGuesses: 1 });
  const bobId = generateIdentity();
  const bob = await connect(host.port, bobId);
  bob.session.send({ t: "join", name: "bob" });
  const welcome = await until(bob.session, "welcome");
  bob.secure.close();
  // Someone who got bob's secret, with a key of their own.
  const thief = await connect(host.port, generateIdentity(), wayBack(room, welcome));
  const closed = await until(thief.session, "closed");
  assertOk(closed.reason.includes("join again with the password"), closed.reason);
  assertEquals(room.members().map((m) => m.name), ["bob"], "bob's seat is still kept");
  await thief.session.close();
  await assertRejects(
    () => connect(host.port, generateIdentity()),
    (e) => e instanceof Refused && e.refusal === "blocked",
  );
  await host.close();
  assertOk(notices.some((n) => n.code === "denied" && n.text.includes("another key")));
});

Deno.test("through the host: a room without a grace gives no way back", async () => {
  const { host } = openRoom(0);
  const ann = await connect(host.port, generateIdentity());
  ann.session.send({ t: "join", name: "ann" });
  const welcome = await until(ann.session, "welcome");
  assertEquals(welcome.resume, undefined);
  await host.close();
  await ann.session.close();
});

Deno.test("through the host: a secret the room does not know is refused as expired, and counted", async () => {
  const { host, notices } = openRoom(60_000, { blockAfterGuesses: 1 });
  const made = {
    handle: new Uint8Array(16),
    prs: resumptionPrs(new Uint8Array(16), new Uint8Array(32)),
  };
  await assertRejects(
    () => connect(host.port, generateIdentity(), made),
    (e) => e instanceof Refused && e.refusal === "expired",
  );
  // Counted as a wrong guess: with one allowed, the address is blocked now.
  await assertRejects(
    () => connect(host.port, generateIdentity()),
    (e) => e instanceof Refused && e.refusal === "blocked",
  );
  await host.close();
  assertOk(notices.some((n) => n.code === "expired"), JSON.stringify(notices));
});

Deno.test("through the host: a member back after its seat was given up is told to join again, no guess spent", async () => {
  const { room, host, notices } = openRoom(100, { blockAfterGuesses: 1 });
  const bobId = generateIdentity();
  const bob = await connect(host.port, bobId);
  bob.session.send({ t: "join", name: "bob" });
  const welcome = await until(bob.session, "welcome");
  bob.secure.close();
  await withTimeout(
    (async () => {
      while (room.members().length > 0) await new Promise((r) => setTimeout(r, 20));
    })(),
    10_000,
    () => new Error("bob's seat was kept too long"),
  );
  const late = await connect(host.port, bobId, wayBack(room, welcome));
  const closed = await until(late.session, "closed");
  assertOk(closed.reason.includes("join again with the password"), closed.reason);
  await late.session.close();
  // Not a wrong guess: with one allowed, bob may still join with the password.
  const again = await connect(host.port, bobId);
  again.session.send({ t: "join", name: "bob" });
  await until(again.session, "welcome");
  await host.close();
  assertOk(notices.some((n) => n.code === "expired" && n.text.includes("no longer kept")));
  await again.session.close();
});

Deno.test("through the host: a locked room takes back a member whose connection dropped, not a newcomer", async () => {
  const { room, host } = openRoom();
  const bobId = generateIdentity();
  const bob = await connect(host.port, bobId);
  bob.session.send({ t: "join", name: "bob" });
  const welcome = await until(bob.session, "welcome");
  host.locked = true;
  bob.secure.close();
  await assertRejects(
    () => connect(host.port, generateIdentity()),
    (e) => e instanceof Refused && e.refusal === "locked",
  );
  const back = await connect(host.port, bobId, wayBack(room, welcome));
  assertEquals((await until(back.session, "welcome")).name, "bob");
  await host.close();
  await back.session.close();
});

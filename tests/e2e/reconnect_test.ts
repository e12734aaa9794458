/**
 * A member whose link to the host drops comes back by itself, through the real program: a TCP
 * relay on loopback stands for the link (Wi-Fi, a sleeping laptop) and is cut and restored.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { check, E2e, type Event, type RtProcess } from "./harness.ts";
import { Relay } from "./relay.ts";

/** Events of `type` about `name` seen by `p` from event `since` on. */
function about(p: RtProcess, since: number, name: string): Event[] {
  return p.events.slice(since).filter((e) =>
    (e.type === "joined" || e.type === "left") && e.name === name
  );
}

/** Starts bob through `relay`, the password in a file deleted once he is in. */
async function bobThrough(e2e: E2e, relay: Relay, args: string[] = []): Promise<RtProcess> {
  const folder = e2e.home();
  const file = `${folder}/password.txt`;
  await Deno.writeTextFile(file, "pw\n");
  const bob = e2e.spawn(
    "bob",
    ["127.0.0.1", String(relay.port), "--name", "bob", "--password-file", file, ...args],
    { home: e2e.home() },
  );
  await bob.next("welcome", (e) => e.name === "bob");
  // From here rt has no way to the password: coming back must not need it.
  await Deno.remove(file);
  return bob;
}

Deno.test("a joiner whose link drops comes back by itself, without the password", async () => {
  await using e2e = new E2e();
  const { process: hana, port } = await e2e.host({ name: "hana" });
  await using relay = Relay.open(port);
  const bob = await bobThrough(e2e, relay);
  const fingerprint = bob.all("welcome")[0]!.fingerprint;
  const alice = await e2e.join(port, "alice");
  await bob.next("joined", (e) => e.name === "alice");
  await bob.type("before the drop");
  await alice.next("message", (e) => e.from === "bob" && e.text === "before the drop");
  const aliceSince = alice.events.length;
  const hanaSince = hana.events.length;
  const bobSince = bob.events.length;

  relay.cut();
  const reconnecting = await bob.next("reconnecting", () => true, { since: bobSince });
  assertOk(/reconnecting/i.test(reconnecting.text), reconnecting.text);
  // Typed while away: sent once back, in order.
  await bob.type("typed while away 1");
  await bob.type("typed while away 2");
  await alice.type("said while bob was away");
  await hana.next("message", (e) => e.text === "said while bob was away", { since: hanaSince });
  await new Promise((resolve) => setTimeout(resolve, 1500));
  relay.restore();

  const back = await bob.next("reconnected", () => true, { since: bobSince, timeoutMs: 20_000 });
  assertEquals([back.late, back.dropped], [2, 0], back.text);
  assertOk(back.awayMs >= 1000, `away ${back.awayMs} ms`);
  for (const text of ["typed while away 1", "typed while away 2"]) {
    await alice.next("message", (e) => e.from === "bob" && e.text === text, { since: aliceSince });
  }
  const order = alice.all("message").filter((e) => e.from === "bob").map((e) => e.text);
  assertEquals(order.slice(-2), ["typed while away 1", "typed while away 2"]);
  // The others saw one notice, and no leave or join.
  for (const p of [alice, hana]) {
    const since = p === alice ? aliceSince : hanaSince;
    const notice = await p.next("notice", (e) => /^bob reconnected after \d+ s$/.test(e.text), {
      since,
    });
    assertOk(notice);
    assertEquals(about(p, since, "bob"), [], p.label);
    const notices = p.events.slice(since).filter((e) =>
      e.type === "notice" && e.text.startsWith("bob reconnected")
    );
    assertEquals(notices.length, 1, p.label);
  }
  // Bob kept his name and key, was not welcomed as someone new, and was not shown what was
  // said while he was away (no history is kept).
  assertEquals(bob.events.slice(bobSince).filter((e) => e.type === "welcome"), []);
  assertOk(
    !bob.events.slice(bobSince).some((e) =>
      e.type === "message" && e.text.includes("bob was away")
    ),
  );
  await bob.type("/whois bob");
  await bob.type("after coming back");
  const after = await alice.next("message", (e) => e.text === "after coming back");
  assertEquals(after.from, "bob");
  const members = (await bob.type("/who"), await bob.next("who", () => true, { since: bobSince }));
  const me = members.members.find((m) => m.name === "bob")!;
  assertEquals(me.fingerprint, fingerprint);
  check(e2e, relay.accepted === 2, `${relay.accepted} connections through the relay`);
  await bob.type("/quit");
  assertEquals((await bob.exit()).code, 0);
  await alice.next("left", (e) => e.name === "bob" && e.reason === "quit");
});

Deno.test("removed or refused: no coming back", async () => {
  await using e2e = new E2e();
  const { process: hana, port } = await e2e.host({ name: "hana" });
  await using relay = Relay.open(port);
  const bob = await bobThrough(e2e, relay);
  // Removed by the host: the room ended for bob, which is not a drop.
  await hana.type("/kick bob");
  const closed = await bob.next("closed");
  assertOk(/removed/.test(closed.reason), closed.reason);
  assertEquals((await bob.exit()).code, 0);
  assertEquals(bob.all("reconnecting"), []);
  check(e2e, relay.accepted === 1, `${relay.accepted} connections: bob came back`);
});

Deno.test("--no-reconnect: a drop ends rt, as before", async () => {
  await using e2e = new E2e();
  const { port } = await e2e.host({ name: "hana" });
  await using relay = Relay.open(port);
  const bob = await bobThrough(e2e, relay, ["--no-reconnect"]);
  relay.cut();
  const lost = await bob.next("error", (e) => e.code === "connection-lost");
  assertOk(/Lost the room/.test(lost.message), lost.message);
  assertEquals((await bob.exit()).code, 1);
  assertEquals(bob.all("reconnecting"), []);
});

Deno.test("a host started again is a new room: rt says so and does not join it", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  const first = await e2e.host({ name: "hana", home });
  await using relay = Relay.open(first.port);
  const bob = await bobThrough(e2e, relay);
  relay.cut();
  await bob.next("reconnecting");
  // While bob is away, the room closes; the host opens a new one on the same port.
  await first.process.type("/quit");
  assertEquals((await first.process.exit()).code, 0);
  const again = e2e.spawn(
    "hana2",
    ["--bind", "127.0.0.1", "--port", String(first.port), "--no-upnp", "--name", "hana"],
    { password: "pw", home },
  );
  await again.next("welcome", (e) => e.name === "hana");
  relay.restore();
  const gone = await bob.next("error", (e) => e.code === "room-gone", { timeoutMs: 40_000 });
  assertOk(/new room/.test(gone.message), gone.message);
  assertEquals((await bob.exit()).code, 1);
  // The new room never saw bob.
  assertEquals(again.all("joined"), []);
  await again.interrupt();
  await again.exit();
});

Deno.test("a replayed way back is refused, and counts as a guess", async () => {
  await using e2e = new E2e();
  const { process: hana, port } = await e2e.host({ name: "hana" });
  await using relay = Relay.open(port);
  const bob = await bobThrough(e2e, relay);
  const dropAndReturn = async () => {
    const since = bob.events.length;
    relay.cut();
    await bob.next("reconnecting", () => true, { since });
    relay.restore();
    await bob.next("reconnected", () => true, { since, timeoutMs: 20_000 });
  };
  await dropAndReturn();
  // What a listener on the path heard of bob's way back: his first handshake message, which
  // names his secret. Played again from the listener's own connection, it proves nothing:
  // the host's half of the exchange is new each time.
  const heard = relay.heard[1]!;
  const length = new DataView(heard.buffer, heard.byteOffset).getUint32(0);
  const share = heard.subarray(0, 4 + length);
  const replay = async () => {
    const peer = await e2e.connect(port);
    await peer.read(4096); // the host's greeting
    await peer.write(share);
    const answer = await peer.read(4096);
    peer.close();
    return new TextDecoder().decode(answer ?? new Uint8Array());
  };
  let since = hana.events.length;
  const first = await replay();
  assertOk(!first.includes("denied"), `the host answered: ${JSON.stringify(first)}`);
  const guess = await hana.next("notice", (e) => e.code === "wrong-password", { since });
  assertOk(/guess 1 from this address/.test(guess.text), guess.text);
  // Once bob has come back with the next secret, the one heard is void altogether.
  await dropAndReturn();
  since = hana.events.length;
  const second = await replay();
  assertOk(second.includes("expired"), `the host answered: ${JSON.stringify(second)}`);
  const counted = await hana.next("notice", (e) => e.code === "expired", { since });
  assertOk(/counted as a wrong password guess/.test(counted.text), counted.text);
  // Bob is still in, untouched.
  await bob.type("still here");
  await hana.next("message", (e) => e.from === "bob" && e.text === "still here");
});

Deno.test("a locked room takes back a member whose link dropped, and nobody new", async () => {
  await using e2e = new E2e();
  const { process: hana, port } = await e2e.host({ name: "hana" });
  await using relay = Relay.open(port);
  const bob = await bobThrough(e2e, relay);
  await hana.type("/lock");
  await hana.next("notice", (e) => e.code === "locked");
  relay.cut();
  await bob.next("reconnecting");
  relay.restore();
  await bob.next("reconnected", () => true, { timeoutMs: 20_000 });
  const carol = e2e.joiner(port, { label: "carol", name: "carol" });
  const refused = await carol.next("error");
  assertEquals(refused.code, "locked");
  assertEquals((await carol.exit()).code, 1);
  await bob.type("back in a locked room");
  await hana.next("message", (e) => e.from === "bob" && e.text === "back in a locked room");
});

import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { type HostNotice, RoomHost } from "../../lib/host/mod.ts";
import { connectTcp, FramedConnection, joinHost } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import { RtError } from "../../lib/errors.ts";
import type { RoomMessage } from "../../lib/codec/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";

function openRoom(password = "pw") {
  const notices: HostNotice[] = [];
  const room = new Room();
  const host = RoomHost.start(room, {
    password: () => password,
    identity: generateIdentity(),
    bind: "127.0.0.1",
    port: 0,
    onNotice: (n) => notices.push(n),
  });
  return { room, host, notices };
}

async function join(port: number, passwords: string[]) {
  const framed = new FramedConnection(await connectTcp("127.0.0.1", port));
  const wrong: number[] = [];
  try {
    const secure = await joinHost(framed, {
      identity: generateIdentity(),
      password: ({ attempt }) => Promise.resolve(passwords[attempt - 1] ?? "none"),
      onWrongPassword: (left) => wrong.push(left),
    });
    return { session: new RemoteSession(secure), wrong };
  } catch (error) {
    framed.close();
    throw error;
  }
}

async function until(session: RemoteSession, t: RoomMessage["t"]): Promise<RoomMessage> {
  while (true) {
    const m = await session.next();
    if (m === null) throw new Error(`session ended before ${t}`);
    if (m.t === t) return m;
  }
}

Deno.test("joiners authenticate, pick names and talk through the host", async () => {
  const { host } = openRoom();
  const a = await join(host.port, ["pw"]);
  a.session.send({ t: "join", name: "alice" });
  assertEquals((await until(a.session, "welcome")).t, "welcome");
  const b = await join(host.port, ["wrong", "pw"]);
  assertEquals(b.wrong, [2]);
  b.session.send({ t: "join", name: "ALICE" });
  const refused = await until(b.session, "name-refused");
  assertOk(refused.t === "name-refused" && refused.reason.includes("taken"));
  b.session.send({ t: "join", name: "bob" });
  await until(b.session, "welcome");
  await until(a.session, "joined");
  b.session.send({ t: "say", text: "hello", seq: 1, sent: 1, sig: new Uint8Array(64) });
  const said = await until(a.session, "said");
  assertOk(said.t === "said" && said.from === "bob" && said.text === "hello");
  await b.session.close();
  const left = await until(a.session, "left");
  assertOk(left.t === "left" && left.name === "bob" && left.reason === "quit");
  await host.close();
  assertEquals((await until(a.session, "closed")).t, "closed");
  await a.session.close();
});

Deno.test("three wrong passwords close the connection and notify the host", async () => {
  const { host, notices } = openRoom();
  await assertRejects(
    () => join(host.port, ["a", "b", "c"]),
    (e) => e instanceof RtError && e.code === "denied",
  );
  await new Promise((r) => setTimeout(r, 50));
  assertEquals(notices.map((n) => n.code), [
    "wrong-password",
    "wrong-password",
    "wrong-password",
    "denied",
  ]);
  assertEquals(notices[0]!.address, "127.0.0.1");
  await host.close();
});

Deno.test("a recipient that keeps the relay of file chunks waiting too long is dropped; the sender talks again", async () => {
  const room = new Room();
  const host = RoomHost.start(room, {
    password: () => "pw",
    identity: generateIdentity(),
    bind: "127.0.0.1",
    port: 0,
    limits: { relayWaitMs: 1000 },
    onNotice: () => {},
  });
  const member = async (name: string, readAhead?: number) => {
    const framed = new FramedConnection(
      await connectTcp("127.0.0.1", host.port),
      readAhead ? { readAhead } : {},
    );
    const secure = await joinHost(framed, {
      identity: generateIdentity(),
      password: () => Promise.resolve("pw"),
    });
    const session = new RemoteSession(secure);
    session.send({ t: "join", name });
    await until(session, "welcome");
    return session;
  };
  const ann = await member("ann");
  const bob = await member("bob");
  // Vic accepts a transfer from ann (the empty opening frame), then reads nothing more.
  const vic = await member("vic", 1);
  const id = crypto.getRandomValues(new Uint8Array(16));
  vic.send({ t: "data", to: "ann", id, n: 0, body: new Uint8Array(0) });
  await until(bob, "joined");
  await new Promise((resolve) => setTimeout(resolve, 100));
  // Ann sends chunks until the host stops taking them (it waits for vic).
  const body = new Uint8Array(128 * 1024 + 16);
  for (let n = 0; n < 1024; n++) {
    const ready = ann.ready("vic");
    const room = ready === null || await Promise.race([
      ready.then(() => true),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 300)),
    ]);
    if (!room) break;
    ann.send({ t: "data", to: "vic", id, n, body });
  }
  ann.send({ t: "say", text: "still there?", seq: 1, sent: 1, sig: new Uint8Array(64) });
  // Vic is dropped once the relay has waited its budget; then ann's message gets through.
  const seen: string[] = [];
  while (!seen.includes("said")) {
    const m = await bob.next();
    assertOk(m !== null, "bob's session ended");
    if (m.t === "left") seen.push(`left ${m.name} ${m.reason}`);
    if (m.t === "said") seen.push("said");
  }
  assertEquals(seen, ["left vic removed", "said"]);
  await Promise.all([ann.close(), bob.close(), vic.close()]);
  await host.close();
});

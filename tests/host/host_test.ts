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
  b.session.send({ t: "say", text: "hello", seq: 1, sig: new Uint8Array(64) });
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

import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { type HostNotice, RoomHost } from "../../lib/host/mod.ts";
import { connectTcp, FramedConnection, joinHost } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import { RtError } from "../../lib/errors.ts";
import type { RoomMessage } from "../../lib/codec/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { withTimeout } from "../../lib/util/mod.ts";

/** The host's notices as they come, and a wait for one of them. */
class Notices {
  readonly list: HostNotice[] = [];
  #waiters: { code: string; resolve: (notice: HostNotice) => void }[] = [];

  push(notice: HostNotice): void {
    this.list.push(notice);
    for (const waiter of this.#waiters.filter((w) => w.code === notice.code)) {
      waiter.resolve(notice);
    }
    this.#waiters = this.#waiters.filter((w) => w.code !== notice.code);
  }

  /** The first notice with `code` (already come, or the next to come). */
  next(code: string): Promise<HostNotice> {
    const seen = this.list.find((n) => n.code === code);
    if (seen) return Promise.resolve(seen);
    const { promise, resolve } = Promise.withResolvers<HostNotice>();
    this.#waiters.push({ code, resolve });
    return withTimeout(promise, 15_000, () => new Error(`no "${code}" notice: ${this.codes()}`));
  }

  codes(): string[] {
    return this.list.map((n) => n.code);
  }
}

function openRoom(password = "pw") {
  const notices = new Notices();
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
  // The joiner hears the verdict before the host's notices are out: wait for the last of them.
  await notices.next("denied");
  await host.close();
  assertEquals(notices.codes(), ["wrong-password", "wrong-password", "wrong-password", "denied"]);
  assertEquals(notices.list[0]!.address, "127.0.0.1");
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
  // Vic accepts a transfer from ann (the empty opening frame), then reads nothing more. What
  // vic says next reaches bob only after the host has taken the opening frame in.
  const vic = await member("vic", 1);
  const id = crypto.getRandomValues(new Uint8Array(16));
  vic.send({ t: "data", to: "ann", id, n: 0, body: new Uint8Array(0) });
  vic.send({ t: "say", text: "send it", seq: 1, sent: 1, sig: new Uint8Array(64) });
  // What bob hears, as it comes.
  const seen: string[] = [];
  let heard = Promise.withResolvers<void>();
  const watching = (async () => {
    while (!seen.includes("said ann")) {
      const m = await bob.next();
      if (m === null) throw new Error(`bob's session ended; bob heard ${seen}`);
      if (m.t === "left") seen.push(`left ${m.name} ${m.reason}`);
      if (m.t === "said") seen.push(`said ${m.from}`);
      heard.resolve();
      heard = Promise.withResolvers<void>();
    }
  })();
  const bobHears = (what: string) =>
    withTimeout(
      (async () => {
        while (!seen.includes(what)) await heard.promise;
      })(),
      15_000,
      () => new Error(`bob did not hear "${what}": ${seen}`),
    );
  const vicLeft = () => seen.some((s) => s.startsWith("left vic"));
  await bobHears("said vic");
  // Ann sends chunks as fast as her connection takes them, until vic is gone: the host waits
  // for vic once its queue is full, and drops it once the relay has waited its budget, which
  // frees ann's connection again. However large the system's buffers, vic reads none of it.
  const body = new Uint8Array(128 * 1024 + 16);
  let n = 0;
  for (; !vicLeft() && n < 4096; n++) {
    const ready = ann.ready("vic");
    if (ready) {
      await withTimeout(ready, 15_000, () => new Error(`ann stuck after ${n} chunks: ${seen}`));
    }
    ann.send({ t: "data", to: "vic", id, n, body });
  }
  assertOk(vicLeft(), `vic took ${n} chunks of 128 KiB without being dropped`);
  ann.send({ t: "say", text: "still there?", seq: 1, sent: 1, sig: new Uint8Array(64) });
  // Vic was dropped for making the relay wait; then ann's message got through.
  await withTimeout(watching, 15_000, () => new Error(`bob saw ${seen}`));
  assertEquals(seen, ["said vic", "left vic removed", "said ann"]);
  await Promise.all([ann.close(), bob.close(), vic.close()]);
  await host.close();
});

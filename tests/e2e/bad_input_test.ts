/**
 * Bad input on raw TCP connections, end to end: for each, the host prints a notice about that
 * connection, stays up, and its members can still talk.
 */
import { generateIdentity } from "../../lib/identity/keys.ts";
import { assertEquals } from "../assert.ts";
import { FramedConnection, joinHost } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import { bytes, check, E2e, frame, type RawPeer, type RtProcess } from "./harness.ts";

/** The size of the host's `hello` frame is well under this. */
const HELLO_MAX = 1024;

Deno.test("bad input on raw connections: noticed, survived, the room keeps talking", async (t) => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({
    name: "hana",
    // A member whose connection ends mid-frame dropped, as far as the host can tell: its seat
    // is kept for it, here for a second.
    args: ["--handshake-timeout", "1", "--keep-seats", "1"],
  });
  const alice = await e2e.join(port, "alice");
  const bob = await e2e.join(port, "bob");
  let round = 0;

  /** alice and bob still exchange messages through the host, and the host is up. */
  async function stillTalking(after: string): Promise<void> {
    round++;
    const there = `${after} ${round}: alice to bob`;
    const back = `${after} ${round}: bob to alice`;
    await alice.type(there);
    await bob.next("message", (e) => e.from === "alice" && e.text === there);
    await bob.type(back);
    await alice.next("message", (e) => e.from === "bob" && e.text === back);
    await host.next("message", (e) => e.text === back);
    check(e2e, host.exited === null, `the host exited after ${after}`);
  }

  /**
   * Runs one bad connection, then waits for the host's notice about it (the first notice
   * printed since) and checks its code and address.
   */
  async function badConnection(
    what: string,
    code: string,
    misbehave: (peer: RawPeer) => Promise<void>,
  ): Promise<void> {
    const since = host.events.length;
    const peer = await e2e.connect(port);
    await misbehave(peer);
    const notice = await host.next("notice", undefined, { since, what: `the notice for ${what}` });
    assertEquals(notice.code, code, `notice code for ${what}: ${JSON.stringify(notice)}`);
    assertEquals(notice.address, "127.0.0.1");
    peer.close();
    await stillTalking(what);
  }

  /** The host answered the connection with its greeting, then closed it on its side. */
  async function hostClosed(peer: RawPeer): Promise<void> {
    const end = await peer.readToEnd();
    check(e2e, end.bytes > 0 && end.bytes < HELLO_MAX, `unexpected reply: ${JSON.stringify(end)}`);
  }

  await t.step("garbage bytes in a frame", async () => {
    await badConnection("garbage", "message-invalid", async (peer) => {
      // 0xc1 is never valid MessagePack.
      await peer.write(frame(bytes(0xc1, 0xde, 0xad, 0xbe, 0xef, 0x00, 0xff, 0x13)));
      await hostClosed(peer);
    });
  });

  await t.step("a well-formed message of the wrong kind", async () => {
    await badConnection("wrong message", "message-invalid", async (peer) => {
      // MessagePack {"t": "say", "text": "hi"}: not a handshake message.
      const say = bytes(0x82, 0xa1, 0x74, 0xa3, 0x73, 0x61, 0x79, 0xa4, 0x74, 0x65, 0x78, 0x74);
      await peer.write(frame(new Uint8Array([...say, 0xa2, 0x68, 0x69])));
      await hostClosed(peer);
    });
  });

  await t.step("an oversize length prefix", async () => {
    await badConnection("oversize", "frame-too-large", async (peer) => {
      await peer.write(bytes(0xff, 0xff, 0xff, 0xff));
      await hostClosed(peer);
    });
  });

  await t.step("plain text (an HTTP request)", async () => {
    await badConnection("http", "frame-too-large", async (peer) => {
      await peer.write(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
      await hostClosed(peer);
    });
  });

  await t.step("a truncated frame, then the end of the stream", async () => {
    await badConnection("truncated", "frame-truncated", async (peer) => {
      await peer.write(frame(bytes(1, 2, 3, 4, 5), 100));
      await peer.closeWrite();
      await hostClosed(peer);
    });
  });

  await t.step("a connection that says nothing (--handshake-timeout 1)", async () => {
    await badConnection("silence", "handshake-timeout", async (peer) => {
      await hostClosed(peer);
    });
  });

  await t.step("a peer that vanishes mid-frame (goes silent, never closes)", async () => {
    await badConnection("vanish", "handshake-timeout", async (peer) => {
      // Half of a frame, then nothing: no more bytes and no close, as when a peer's machine
      // or network dies. Only the deadline can end it.
      await peer.write(frame(bytes(0x84, 0xa1, 0x74), 60));
      await hostClosed(peer);
    });
  });

  /**
   * Authenticates on a raw connection with rt's own client code and joins as `name`; the
   * test then misbehaves on the socket underneath.
   */
  async function member(name: string) {
    const peer = await e2e.connect(port);
    const framed = new FramedConnection(peer.conn);
    try {
      const secure = await joinHost(framed, {
        identity: generateIdentity(),
        password: () => Promise.resolve("pw"),
      });
      new RemoteSession(secure).send({ t: "join", name });
      await alice.next("joined", (e) => e.name === name);
    } catch (error) {
      framed.close();
      throw error;
    }
    return { peer, framed };
  }

  await t.step("a member sends garbage instead of a sealed frame", async () => {
    const since = host.events.length;
    const { peer, framed } = await member("eve");
    await peer.write(frame(new Uint8Array(48).fill(0x5a)));
    const notice = await host.next("notice", undefined, { since });
    assertEquals([notice.code, notice.address], ["decrypt-failed", "127.0.0.1"]);
    check(e2e, notice.text.includes("eve"), `notice does not name eve: ${notice.text}`);
    for (const p of [alice, bob]) {
      assertEquals((await p.next("left", (e) => e.name === "eve")).reason, "lost");
    }
    await framed.done;
    framed.close();
    await stillTalking("member garbage");
  });

  await t.step("a member vanishes mid-frame", async () => {
    const since = host.events.length;
    const { peer, framed } = await member("mallory");
    await peer.write(frame(bytes(1, 2, 3, 4), 500));
    await peer.closeWrite();
    const notice = await host.next("notice", (e) => e.code !== "away", { since });
    assertEquals([notice.code, notice.address], ["frame-truncated", "127.0.0.1"]);
    // A drop, as far as the host can tell: mallory's seat is kept (for a second here).
    await host.next("notice", (e) => e.code === "away" && e.text.startsWith("mallory"), { since });
    for (const p of [alice, bob]) {
      assertEquals((await p.next("left", (e) => e.name === "mallory")).reason, "lost");
    }
    await framed.done;
    framed.close();
    await stillTalking("member vanished");
  });

  await t.step("many bad connections at once", async () => {
    const since = host.events.length;
    const peers = await Promise.all(Array.from({ length: 8 }, () => e2e.connect(port)));
    await Promise.all(peers.map((p) => p.write(bytes(0xff, 0xff, 0xff, 0xff))));
    await Promise.all(peers.map(hostClosed));
    await host.next("notice", (e) => e.code === "frame-too-large", { since, count: 8 });
    for (const p of peers) p.close();
    await stillTalking("burst");
  });

  await t.step("the room closes cleanly afterwards", async () => {
    await host.interrupt();
    for (const p of [alice, bob]) {
      await p.next("closed");
      assertEquals((await p.exit()).code, 0, `${p.label}'s exit\n${p.describe()}`);
    }
    assertEquals((await host.exit()).code, 0, `host's exit\n${host.describe()}`);
    noCrash(host);
  });
});

Deno.test("a joiner that dies is seen to leave once its seat is no longer kept", async () => {
  await using e2e = new E2e();
  // A process that dies looks like a link that drops: its seat is kept for it to come back,
  // here for 2 s, and then it leaves.
  const { process: host, port } = await e2e.host({ name: "hana", args: ["--keep-seats", "2"] });
  const alice = await e2e.join(port, "alice");
  const bob = await e2e.join(port, "bob");
  const since = alice.events.length;
  bob.kill("SIGKILL");
  const exit = await bob.exit();
  const died = performance.now();
  assertEquals(exit.signal, "SIGKILL");
  for (const p of [host, alice]) {
    const left = await p.next("left", (e) => e.name === "bob");
    assertEquals(left.reason, "lost");
  }
  const waited = performance.now() - died;
  check(e2e, waited > 1000, `bob left ${waited.toFixed(0)} ms after dying: his seat was not kept`);
  // Meanwhile nothing was said of him: a drop is not a leave until the seat goes.
  assertEquals(alice.events.slice(since).filter((e) => e.type === "notice"), []);
  await alice.type("still here");
  await host.next("message", (e) => e.text === "still here");
  await host.interrupt();
  assertEquals((await alice.exit()).code, 0);
  assertEquals((await host.exit()).code, 0);
  noCrash(host);
});

/** Nothing on stderr: no crash, no uncaught error, no unhandled rejection. */
function noCrash(host: RtProcess): void {
  assertEquals(host.stderr, "", `host's stderr\n${host.describe()}`);
  assertEquals(host.nonJson, [], "host's stdout");
}

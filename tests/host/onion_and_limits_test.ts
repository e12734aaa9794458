/**
 * The host over real loopback sockets: the onion service's own listener (its joiners are not
 * judged by Tor's loopback address), the short deadline for a first guess, and notices about
 * connections at a bounded rate.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { type HostNotice, type HostOptions, RoomHost } from "../../lib/host/mod.ts";
import { connectTcp, FramedConnection, joinHost, Refused } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";

function openRoom(options: Partial<HostOptions> = {}) {
  const notices: HostNotice[] = [];
  const host = RoomHost.start(new Room(), {
    password: () => "pw",
    identity: generateIdentity(),
    bind: "127.0.0.1",
    port: 0,
    onNotice: (n) => notices.push(n),
    ...options,
  });
  return { host, notices };
}

/** Tries to join with `passwords` (one per try); the refusal, or null once in. */
async function tryJoin(port: number, passwords: string[]): Promise<Refused | null> {
  const framed = new FramedConnection(await connectTcp("127.0.0.1", port));
  try {
    const secure = await joinHost(framed, {
      identity: generateIdentity(),
      password: ({ attempt }) => Promise.resolve(passwords[attempt - 1] ?? "none"),
    });
    await new RemoteSession(secure).close();
    return null;
  } catch (error) {
    if (error instanceof Refused) return error;
    throw error;
  } finally {
    framed.close();
    await framed.done;
  }
}

Deno.test("the onion service's joiners have a listener of their own and are not blocked by Tor's address", async () => {
  const { host, notices } = openRoom({ onion: true });
  try {
    const onionPort = host.onionPort;
    assertOk(onionPort !== null && onionPort !== host.port, `onion port ${onionPort}`);
    // Four rounds of three wrong guesses through Tor: twelve, twice what blocks an address.
    for (let i = 0; i < 4; i++) {
      const refused = await tryJoin(onionPort, ["a", "b", "c"]);
      assertEquals(refused?.refusal, "wrong-password");
    }
    // Nobody is blocked: the next onion joiner and a local one both get in.
    assertEquals(await tryJoin(onionPort, ["pw"]), null);
    assertEquals(await tryJoin(host.port, ["pw"]), null);
    assertEquals(host.blocked(), []);
    assertOk(!notices.some((n) => n.code === "blocked"), JSON.stringify(notices));
    const wrong = notices.filter((n) => n.code === "wrong-password");
    assertEquals(wrong.length, 12);
    for (const n of wrong) {
      assertEquals(n.address, "onion");
      assertOk(n.text.includes("through Tor") && !n.text.includes("127.0.0.1"), n.text);
    }
  } finally {
    await host.close();
  }
});

Deno.test("without --tor there is no onion listener", async () => {
  const { host } = openRoom();
  assertEquals(host.onionPort, null);
  await host.close();
});

Deno.test("a connection that never makes a first guess is closed at the short deadline, not the long one", async () => {
  const { host, notices } = openRoom({ handshakeTimeoutMs: 60_000, firstGuessTimeoutMs: 300 });
  try {
    const conn = await connectTcp("127.0.0.1", host.port);
    // Read the greeting and then whatever comes, until the host closes.
    const buffer = new Uint8Array(4096);
    while ((await conn.read(buffer)) !== null) { /* the greeting */ }
    conn.close();
    while (!notices.some((n) => n.code === "handshake-timeout")) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    while (host.pending > 0) await new Promise((resolve) => setTimeout(resolve, 10));
    // A joiner with the password at hand is not held to it after a wrong first try.
    assertEquals(await tryJoin(host.port, ["wrong", "pw"]), null);
  } finally {
    await host.close();
  }
});

Deno.test("notices about connections come at a bounded rate; what is left out is counted", async () => {
  // The holder's handshake must outlast the test, however slow the machine.
  const { host, notices } = openRoom({
    limits: { maxPendingPerAddress: 1 },
    firstGuessTimeoutMs: 120_000,
    handshakeTimeoutMs: 120_000,
  });
  let turnedAway = 0;
  // Returns once the host has closed it: it has made up its mind about the notice by then
  // (the refusal is decided before the connection is ended).
  const refusedConnection = async () => {
    const conn = await connectTcp("127.0.0.1", host.port);
    const buffer = new Uint8Array(4096);
    while ((await conn.read(buffer)) !== null) { /* the refusal */ }
    conn.close();
    turnedAway++;
  };
  const leftOut = () =>
    notices.filter((n) => n.code === "suppressed")
      .reduce((sum, n) => sum + Number(/^(\d+) more notices?/.exec(n.text)?.[1]), 0);
  const refused = () => notices.filter((n) => n.code === "refused").length;
  try {
    // One silent connection holds the address's only place; 400 more are turned away, faster
    // than notices are given (a burst of 250, then 5 a second).
    const holder = await connectTcp("127.0.0.1", host.port);
    // Greeted: it is in the handshake, holding the place.
    assertOk(((await holder.read(new Uint8Array(4096))) ?? 0) > 0, "the holder was not greeted");
    const started = performance.now();
    for (let i = 0; i < 400; i += 50) {
      await Promise.all(Array.from({ length: 50 }, refusedConnection));
    }
    const seconds = (performance.now() - started) / 1000;
    assertOk(refused() < turnedAway, `${refused()} "refused" notices for ${turnedAway}`);
    assertOk(refused() <= 250 + 5 * seconds + 1, `${refused()} notices in ${seconds} s`);
    // Once the rate allows again, the next notice comes after one that counts the rest.
    while (turnedAway < 2_000 && leftOut() + refused() < turnedAway) await refusedConnection();
    assertEquals(leftOut() + refused(), turnedAway);
    // Each count comes just before the notice that was let through.
    const codes = notices.map((n) => n.code);
    assertOk(codes.includes("suppressed"), "nothing was said of the notices left out");
    codes.forEach((code, i) => {
      if (code === "suppressed") assertEquals(codes[i + 1], "refused", `${codes.slice(i - 1)}`);
    });
    holder.close();
  } finally {
    await host.close();
  }
});

/**
 * A bug that ends a connection's work on the host is told to the host as a bug, over real
 * loopback sockets; it is not swallowed, and the room goes on for everyone else.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Room } from "../../lib/room/mod.ts";
import { type HostNotice, RoomHost } from "../../lib/host/mod.ts";
import { connectTcp, FramedConnection, joinHost } from "../../lib/transport/mod.ts";
import { RemoteSession } from "../../lib/client/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { withTimeout } from "../../lib/util/mod.ts";

/** A room with a bug: the second connection to it fails as a bug would. */
class BuggyRoom extends Room {
  #connections = 0;
  override connect(...args: Parameters<Room["connect"]>): ReturnType<Room["connect"]> {
    if (++this.#connections === 2) {
      const broken = undefined as unknown as { link: () => void };
      broken.link(); // TypeError: Cannot read properties of undefined
    }
    return super.connect(...args);
  }
}

async function join(port: number, name: string): Promise<RemoteSession> {
  const framed = new FramedConnection(await connectTcp("127.0.0.1", port));
  const secure = await joinHost(framed, {
    identity: generateIdentity(),
    password: () => Promise.resolve("pw"),
  });
  const session = new RemoteSession(secure);
  session.send({ t: "join", name });
  return session;
}

Deno.test("a bug that ends a member's connection is told to the host as one; the others go on", async () => {
  const notices: HostNotice[] = [];
  const internal = Promise.withResolvers<HostNotice>();
  const host = RoomHost.start(new BuggyRoom(), {
    password: () => "pw",
    identity: generateIdentity(),
    bind: "127.0.0.1",
    port: 0,
    onNotice: (n) => {
      notices.push(n);
      if (n.code === "internal") internal.resolve(n);
    },
  });
  try {
    const ann = await join(host.port, "ann");
    assertEquals((await ann.next())?.t, "welcome");
    const bob = await join(host.port, "bob");
    // Bob's connection ends without a word...
    assertEquals(await withTimeout(bob.next(), 15_000, () => new Error("bob still there")), null);
    // ...and the host is told why, as a bug.
    const told = await withTimeout(
      internal.promise,
      15_000,
      () => new Error(`${notices.map((n) => n.code)}`),
    );
    assertEquals(told.address, "127.0.0.1");
    assertOk(
      /^Closed connection from 127\.0\.0\.1: internal error in rt \(TypeError: .*\); please report it$/
        .test(told.text),
      told.text,
    );
    // The room goes on.
    const cat = await join(host.port, "cat");
    assertEquals((await cat.next())?.t, "welcome");
    assertEquals((await ann.next())?.t, "joined");
    await Promise.all([ann.close(), bob.close(), cat.close()]);
  } finally {
    await host.close();
  }
});

/**
 * A connection reset while it waits to be accepted makes the system's `accept` fail ("not
 * connected"). That is one lost connection, not a closed listener: before, one such reset
 * (any flood of garbage connections makes some) stopped the room from accepting anyone.
 */
import { assertEquals } from "../assert.ts";
import { listenTcp } from "../../lib/transport/tcp.ts";
import { resetConnection } from "../e2e/flood_tools.ts";

Deno.test("connections reset before they are accepted do not stop the listener", async () => {
  const listening = listenTcp({ bind: "127.0.0.1", port: 0 });
  // Nothing accepts yet: these wait in the system's queue and are reset there.
  for (let i = 0; i < 3; i++) await resetConnection(listening.port);
  const good = await Deno.connect({ hostname: "127.0.0.1", port: listening.port });
  const accepts = listening.accept()[Symbol.asyncIterator]();
  const first = await accepts.next();
  try {
    assertEquals(first.done, false, "the listener stopped after a reset connection");
    if (!first.done) {
      assertEquals(first.value.port, (good.localAddr as Deno.NetAddr).port);
      first.value.conn.close();
    }
  } finally {
    good.close();
    listening.close();
    // The merged accepts end once the listener is closed.
    assertEquals((await accepts.next()).done, true);
  }
});

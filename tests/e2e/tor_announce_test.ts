/**
 * A room hosted with `--tor` is not announced on the LAN (an announcement would tell everyone
 * nearby where the Tor-hidden room is), and the host is told so. On a small LAN of network
 * namespaces (needs root and iproute2; skipped without them), with `rt find` listening on it.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Lan, netnsAvailable, NsProcess } from "./netns.ts";

Deno.test({
  name: "--tor: the room is not announced on the LAN, and the host is told why",
  ignore: !netnsAvailable(),
  async fn() {
    await using lan = await Lan.create(2);
    // No Tor in the namespace: hosting goes on without the onion service (an `error` says so).
    const host = new NsProcess("hana", lan.namespaces[0]!, [
      "--port",
      "0",
      "--no-upnp",
      "--name",
      "hana",
      "--tor",
      "--tor-control",
      "127.0.0.1:9",
    ], { password: "a strong enough password for this room" });
    const finder = new NsProcess("finder", lan.namespaces[1]!, ["find", "--wait", "3"]);
    try {
      await host.next("error", (e) => e.code === "tor");
      const told = await host.next("notice", (e) => e.code === "not-announced");
      assertOk(/Tor/.test(told.text), told.text);
      assertOk(
        !host.events.some((e) => e.type === "notice" && e.code === "announced"),
        host.describe(),
      );
      await finder.closeStdin();
      assertEquals(await finder.exit(), 1, finder.describe());
      const rooms = finder.events.find((e) => e.type === "rooms");
      assertEquals(rooms?.type === "rooms" ? rooms.rooms : null, [], finder.describe());
      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
    } finally {
      await finder.dispose();
      await host.dispose();
    }
  },
});

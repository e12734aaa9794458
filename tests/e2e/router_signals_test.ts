/**
 * What rt opened on a real router (miniupnpd in network namespaces, see `tests/lab/`) is
 * removed however the host ends: Ctrl+C (SIGINT) and a closed terminal (SIGHUP) as well as
 * SIGTERM (`router_test.ts`). And a room bound to this computer only opens nothing on the
 * router: nobody else could reach it. Needs root, miniupnpd, nftables; skipped without them.
 */
import { assertEquals } from "../assert.ts";
import { NsProcess } from "./netns.ts";
import { labAvailable, RouterLab } from "./router_lab.ts";

const ignore = !labAvailable();

for (const signal of ["SIGINT", "SIGHUP"] as const) {
  Deno.test({
    name: `${signal} closes the room and removes the router's mapping`,
    ignore,
    sanitizeResources: false,
    fn: async () => {
      await using lab = await RouterLab.up("natpmp");
      const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
        password: "pw",
      });
      try {
        const router = await host.next("router");
        assertEquals(router.status, "mapped", host.describe());
        assertEquals((await lab.mappings()).length, 1);
        host.kill(signal);
        // 0: rt left its room as /quit does (it was not killed by the signal).
        assertEquals(await host.exit(), 0, host.describe());
        assertEquals(await lab.mappings(), [], `a forwarding left after ${signal}`);
      } finally {
        await host.dispose();
      }
    },
  });
}

Deno.test({
  name: "a room bound to 127.0.0.1 asks the router for nothing",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("natpmp");
    const host = new NsProcess(
      "hana",
      lab.lan,
      ["--bind", "127.0.0.1", "--name", "hana", "--no-announce"],
      { password: "pw" },
    );
    try {
      const listening = await host.next("listening");
      assertEquals(listening.router, "off", host.describe());
      await host.next("welcome");
      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
      // Whatever rt asked of the router would have been answered before the room closed.
      assertEquals(host.events.filter((e) => e.type === "router"), [], host.describe());
      assertEquals(await lab.mappings(), [], "a forwarding for a room nobody else can reach");
    } finally {
      await host.dispose();
    }
  },
});

/**
 * Past carrier-grade NAT, against a real home router (miniupnpd in network namespaces, see
 * tests/lab/router_lab.sh): the provider shares the router's IPv4 address (its WAN is
 * 100.64.0.2), so no port mapping can let anyone in over IPv4; but the home has IPv6, whose
 * firewall the router opens for one port when asked (a pinhole: UPnP IGD v2's
 * WANIPv6FirewallControl, or PCP). The real host runs on the home computer; a real joiner on
 * the internet side joins over IPv6 with the command the host printed; the pinhole is in the
 * router's firewall while the room is open and gone after /quit, Ctrl+C and SIGTERM.
 *
 * Needs root, iproute2, nftables, miniupnpd and miniupnpc (.ci/run installs them).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { NsProcess } from "./netns.ts";
import { chatFromInternet, labAvailable, LAN_COMPUTER_V6, RouterLab } from "./router_lab.ts";

const ignore = !labAvailable();
const V6_HEX = "20010db8007700000000000000000002";

type Ending = "/quit" | "SIGINT" | "SIGTERM";

/**
 * One room: the host opens a pinhole and prints the IPv6 command; (with `joiner`) someone on
 * the internet side joins with it and talks; the host ends as said; the pinhole is gone.
 */
async function room(
  lab: RouterLab,
  options: { ending: Ending; joiner: boolean; method: string; label: string },
): Promise<Record<string, unknown>> {
  const { label } = options;
  const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
    password: "pw",
  });
  let ivan: NsProcess | null = null;
  try {
    const router = await host.next("router");
    const port = router.port;
    const v6 = router.ipv6;
    assertEquals(v6.status, "opened", `${label}\n${host.describe()}`);
    assertEquals(v6.address, LAN_COMPUTER_V6, label);
    assertEquals(v6.port, port, `${label}: the same port through the firewall`);
    assertEquals(v6.method, options.method, label);
    assertEquals(v6.command, `rt ${LAN_COMPUTER_V6} ${port}`, label);
    assertOk(
      router.paths.some((p) => p.kind === "ipv6-pinhole" && p.command === v6.command),
      `${label}: the pinhole is among the paths\n${JSON.stringify(router.paths)}`,
    );
    assertEquals(await lab.pinholes(), [`dport ${port} to ${V6_HEX}`], `${label}: one pinhole`);
    assertOk((await lab.wan6Probe(port)) !== "", `${label}: reachable from outside over IPv6`);
    if (options.joiner) {
      ivan = await chatFromInternet(lab, host, LAN_COMPUTER_V6, port, "hello over IPv6");
      await ivan.closeStdin();
      assertEquals(await ivan.exit(), 0, ivan.describe());
    }
    if (options.ending === "/quit") await host.type("/quit");
    else host.kill(options.ending);
    assertEquals(await host.exit(), 0, `${label}\n${host.describe()}`);
    assertEquals(await lab.pinholes(), [], `${label}: no pinhole left after ${options.ending}`);
    assertEquals(await lab.wan6Probe(port), "", `${label}: closed to the outside again`);
    return router as unknown as Record<string, unknown>;
  } finally {
    await ivan?.dispose();
    await host.dispose();
  }
}

Deno.test({
  name: "carrier-grade NAT with IPv6: a pinhole, the IPv6 command, a join from outside, " +
    "and no pinhole left after /quit, Ctrl+C or SIGTERM",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("igd2+natpmp", { ipv6: true, cgnat: true });
    for (const ending of ["/quit", "SIGINT", "SIGTERM"] as const) {
      const router = await room(lab, {
        ending,
        joiner: ending === "/quit",
        // Both protocols open the one pinhole; PCP, one round trip, answers first.
        method: "PCP",
        label: `CGNAT, ${ending}`,
      });
      // Over IPv4 nobody can come in: the provider's NAT, named as such.
      assertEquals(router.status, "cgnat");
      assertEquals(router.externalAddress, "100.64.0.2");
      assertEquals(router.command, `rt ${LAN_COMPUTER_V6} ${router.port}`);
      assertEquals(await lab.mappings(), []);
    }
    // What a person reads.
    const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
      password: "pw",
      json: false,
    });
    try {
      await host.waitForText(`rt ${LAN_COMPUTER_V6} `);
      await host.waitForText("They need IPv6 too");
      await host.waitForText("carrier-grade NAT; your router's outside address is 100.64.0.2");
      await host.waitForText("rt --tor");
      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
      assertEquals(await lab.pinholes(), []);
    } finally {
      await host.dispose();
    }
  },
});

Deno.test({
  name: "carrier-grade NAT with IPv6 on a router without PCP: the pinhole comes from UPnP alone",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("igd2", { ipv6: true, cgnat: true });
    // miniupnpd answers PCP over IPv6 even with NAT-PMP and PCP off: its answers are kept
    // from the home computer instead.
    await lab.noPcp();
    const router = await room(lab, {
      ending: "/quit",
      joiner: true,
      method: "UPnP IGD v2",
      label: "UPnP only",
    });
    assertEquals(router.status, "cgnat");
  },
});

Deno.test({
  name: "a router without UPnP: PCP alone maps IPv4 and opens the IPv6 pinhole",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("natpmp", { ipv6: true });
    for (const ending of ["/quit", "SIGTERM"] as const) {
      const router = await room(lab, {
        ending,
        joiner: ending === "/quit",
        method: "PCP",
        label: `PCP alone, ${ending}`,
      });
      assertEquals(router.status, "mapped");
      assertEquals(router.method, "PCP");
      // With a public IPv4 address, that is the command; the pinhole is a second path.
      assertEquals(router.command, `rt 11.22.33.1 ${router.port}`);
      assertEquals(
        (router.paths as { kind: string }[]).map((p) => p.kind),
        ["ipv4-mapping", "ipv6-pinhole"],
      );
      assertEquals(await lab.mappings(), [], "no IPv4 forwarding left either");
    }
  },
});

Deno.test({
  name: "carrier-grade NAT without IPv6: said as the provider's shared address, not a refusal",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("igd2+natpmp", { cgnat: true });
    const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
      password: "pw",
      json: false,
    });
    try {
      await host.waitForText("shares one IPv4 address among many customers");
      await host.waitForText("carrier-grade NAT; your router's outside address is 100.64.0.2");
      await host.waitForText("rt --tor");
      assertOk(!host.describe().includes("refused"), host.describe());
      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
    } finally {
      await host.dispose();
    }
    const jsonHost = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
      password: "pw",
    });
    try {
      const router = await jsonHost.next("router");
      assertEquals(router.status, "cgnat", jsonHost.describe());
      assertEquals(router.externalAddress, "100.64.0.2");
      assertEquals(router.command, undefined, "no command that could work");
      assertEquals(router.ipv6.status, "no-ipv6");
      await jsonHost.closeStdin();
      assertEquals(await jsonHost.exit(), 0);
      assertEquals(await lab.mappings(), []);
    } finally {
      await jsonHost.dispose();
    }
  },
});

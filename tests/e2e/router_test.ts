/**
 * Port mapping against a real home router: miniupnpd in network namespaces (see
 * tests/lab/router_lab.sh), in each of its modes. The real host runs in the LAN namespace; what
 * it reports must be true on the router: the forwarding is in the router's rules, a UPnP client
 * lists it, and a connection from the "internet" namespace reaches the host through it; once
 * the host closes, nothing is left on the router.
 *
 * Each mode runs the whole cycle (host starts, mapping checked, host closes, mapping gone)
 * ten times in one lab. miniupnpd answers PCP and NAT-PMP on one port: rt asks PCP first, and
 * NAT-PMP only when PCP is not answered (the lab drops PCP to show that). On routers that speak
 * both UPnP and port control (the usual miniupnpd), both protocols may answer and map the very
 * same forwarding; some cycles make each protocol's
 * answer come first on purpose (some of the LAN computer's requests are dropped for a while,
 * see `race` in router_lab.sh), so that the loser always maps the port too, after the winner:
 * whatever it does after losing must leave the winner's forwarding in place, and closing must
 * still remove it.
 *
 * Needs root, iproute2, nftables, miniupnpd and miniupnpc (.ci/run installs them).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { NsProcess } from "./netns.ts";
import { chatFromInternet, labAvailable, RouterLab } from "./router_lab.ts";

const LAN_COMPUTER = "10.77.0.2";
const CYCLES = 6;

const ignore = !labAvailable();

/** Polls `check` until it holds (a failure names `what`). */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = 20_000) {
  const start = Date.now();
  while (!(await check())) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The router's log lines that ask to remove the forwarding of `port`, by any protocol. */
function removals(log: string, port: number): string[] {
  return log.split("\n").filter((line) =>
    line.includes(`DeletePortMapping: external port: ${port},`) ||
    line.includes(`NAT-PMP port mapping request : 0->${LAN_COMPUTER}:${port} tcp lifetime=0s`) ||
    line.includes(`PCP: TCP port ${port} mapping removed`)
  );
}

/** Whether the router's log shows port control (PCP, or NAT-PMP) mapping `port`. */
function controlMapped(log: string, port: number): boolean {
  return log.includes(`PCP MAP: added mapping TCP ${port}->${LAN_COMPUTER}:${port} `) ||
    log.includes(`NAT-PMP port mapping request : ${port}->${LAN_COMPUTER}:${port} tcp lifetime=`);
}

/** What the router must show while the host's port is mapped, by every means it has. */
async function assertForwarded(lab: RouterLab, port: number, upnp: boolean, when: string) {
  assertEquals(
    await lab.mappings(),
    [`dport ${port} dnat ip to ${LAN_COMPUTER}:${port}`],
    `${when}: the router forwards the port, once`,
  );
  if (upnp) {
    const listed = await lab.upnpcList();
    assertOk(
      listed.includes(`${port}->${LAN_COMPUTER}:${port}`),
      `${when}: upnpc lists it\n${listed}`,
    );
  }
  // The internet side dials the router's WAN address, which stands for 11.22.33.1; the host
  // greets whoever connects, so bytes coming back are the host's.
  assertOk(
    (await lab.wanProbe(port)) !== "",
    `${when}: a connection from outside reaches the host`,
  );
}

/**
 * Which protocol answers first: as it happens, or one on purpose, with the other one mapping
 * the same port after it (router_lab.sh's `race`).
 */
type Race = "as-it-happens" | "pcp-first" | "upnp-first";

/** One cycle: the host starts, its mapping is checked, it closes, the mapping is gone. */
async function cycle(
  lab: RouterLab,
  mode: string,
  options: {
    race: Race;
    joiner: boolean;
    label: string;
    end?: "stdin" | "SIGTERM";
    /** The router seems to speak NAT-PMP only (its PCP answers never come). */
    noPcp?: boolean;
  },
): Promise<void> {
  const upnp = mode !== "natpmp";
  const version = mode.startsWith("igd1") ? "UPnP IGD v1" : "UPnP IGD v2";
  // PCP, or NAT-PMP when PCP stays silent.
  const control = options.noPcp ? ["NAT-PMP"] : ["PCP", "NAT-PMP"];
  const expected = options.race === "pcp-first"
    ? control
    : options.race === "upnp-first"
    ? [version]
    : mode === "natpmp"
    ? (options.noPcp ? ["NAT-PMP"] : ["PCP"])
    : mode.endsWith("+natpmp")
    ? [version, ...control]
    : [version];
  let { label } = options;
  // The log of this cycle only: earlier cycles' lines are about other rooms.
  const logStart = (await lab.log()).length;
  const log = async () => (await lab.log()).slice(logStart);
  if (options.race !== "as-it-happens") await lab.race(options.race);
  if (options.noPcp) await lab.noPcp();
  const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
    password: "pw",
  });
  let ivan: NsProcess | null = null;
  try {
    const router = await host.next("router");
    assertEquals(router.status, "mapped", `${label}\n${host.describe()}`);
    assertOk(expected.includes(router.method!), `${label}: ${router.method}`);
    assertEquals(router.externalAddress, "11.22.33.1");
    assertEquals(router.command, `rt 11.22.33.1 ${router.externalPort}`);
    const port = router.externalPort!;
    assertEquals(port, router.port, "the same port outside as inside");
    label += `, ${router.method} reported`;
    if (options.race === "pcp-first") {
      // The loser, UPnP, gets through now and maps the same port.
      await until(
        "UPnP to map the port too",
        async () =>
          (await log()).includes(`AddPortMapping: ext port ${port} to ${LAN_COMPUTER}:${port} `),
      );
    } else if (options.race === "upnp-first") {
      await lab.release();
      await until("port control to map the port too", async () => controlMapped(await log(), port));
    }
    await assertForwarded(lab, port, upnp, label);
    if (options.joiner) {
      ivan = await chatFromInternet(lab, host, "203.0.113.1", port, "hello from outside");
      // Checked again, after a while.
      await assertForwarded(lab, port, upnp, `${label}, after the chat`);
    }
    // A loser that cleans up after mapping (as rt once did) has asked by now: the router's log
    // would show it.
    assertEquals(
      removals(await log(), port),
      [],
      `${label}: nothing asked the router to remove the forwarding while the room was open`,
    );
    if (options.end === "SIGTERM") host.kill("SIGTERM");
    else await host.closeStdin();
    assertEquals(await host.exit(), 0, host.describe());
    if (ivan) assertEquals(await ivan.exit(), 0, ivan.describe());
    assertEquals(await lab.mappings(), [], `${label}: no forwarding left on the router`);
    if (upnp) {
      // And as a UPnP client sees it: upnpc lists no mapping.
      const listed = await lab.upnpcList();
      assertOk(!listed.includes(`${port}->${LAN_COMPUTER}`), `${label}\n${listed}`);
    }
  } finally {
    await ivan?.dispose();
    await host.dispose();
    await lab.release();
  }
}

for (
  const [mode, name] of [
    ["igd1", "UPnP IGD v1"],
    ["igd2", "UPnP IGD v2"],
    ["natpmp", "PCP (and NAT-PMP)"],
    ["igd1+natpmp", "UPnP IGD v1 and PCP"],
    ["igd2+natpmp", "UPnP IGD v2 and PCP"],
  ]
) {
  const both = mode!.endsWith("+natpmp");
  Deno.test({
    name: `${name}: ${CYCLES} times the router opens the port, it is really open from outside, ` +
      `and it closes after${both ? ", whichever protocol answers first" : ""}`,
    ignore,
    sanitizeResources: false,
    fn: async () => {
      await using lab = await RouterLab.up(mode!);
      for (let i = 0; i < CYCLES; i++) {
        // On a router with both, every third cycle each protocol wins on purpose.
        const race: Race = !both
          ? "as-it-happens"
          : (["upnp-first", "pcp-first", "upnp-first"] as const)[i % 3]!;
        // The first cycle lets a real joiner in from outside and chats.
        await cycle(lab, mode!, {
          race,
          joiner: i === 0,
          label: `${mode} cycle ${i + 1} (${race})`,
        });
      }
    },
  });
}

Deno.test({
  name: "a router that speaks NAT-PMP but not PCP: rt falls back to NAT-PMP, and closes after",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("natpmp");
    for (let i = 0; i < 3; i++) {
      await cycle(lab, "natpmp", {
        race: "as-it-happens",
        joiner: i === 0,
        label: `NAT-PMP only, cycle ${i + 1}`,
        noPcp: true,
      });
    }
  },
});

Deno.test({
  name: "SIGTERM closes the room and removes the mapping, whichever protocol answered first",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("igd1+natpmp");
    for (const race of ["pcp-first", "upnp-first"] as const) {
      await cycle(lab, "igd1+natpmp", {
        race,
        joiner: false,
        label: `SIGTERM, ${race}`,
        end: "SIGTERM",
      });
    }
  },
});

for (
  const [mode, status, says] of [
    ["refuse", "refused", "refused to open the port"],
    ["silent", "unavailable", "no router answered"],
  ]
) {
  Deno.test({
    name: `a router that ${
      mode === "refuse" ? "refuses" : "never answers"
    }: said plainly, with what to do`,
    ignore,
    sanitizeResources: false,
    fn: async () => {
      await using lab = await RouterLab.up(mode!);
      const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
        password: "pw",
        json: false,
      });
      try {
        await host.waitForText("You are in the room as hana");
        await host.waitForText(says!);
        await host.waitForText("forward TCP port");
        await host.closeStdin();
        assertEquals(await host.exit(), 0, host.describe());
        assertEquals(await lab.mappings(), []);
      } finally {
        await host.dispose();
      }
      const jsonHost = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
        password: "pw",
      });
      try {
        const router = await jsonHost.next("router");
        assertEquals(router.status, status, jsonHost.describe());
        assertEquals(router.forwardTo, "10.77.0.2");
        await jsonHost.closeStdin();
        await jsonHost.exit();
      } finally {
        await jsonHost.dispose();
      }
    },
  });
}

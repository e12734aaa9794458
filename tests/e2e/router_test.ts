/**
 * Port mapping against a real home router: miniupnpd in network namespaces (see
 * tests/lab/router_lab.sh), in each of its modes. The real host runs in the LAN namespace; a
 * joiner in the "internet" namespace reaches it through the router; afterwards the router has
 * no forwarding left. Needs root, iproute2, nftables and miniupnpd (.ci/run installs them).
 */
import { assertEquals, assertOk } from "../assert.ts";
import { netnsAvailable, NsProcess } from "./netns.ts";
import { available } from "./programs.ts";

const LAB = new URL("../lab/router_lab.sh", import.meta.url).pathname;
const decoder = new TextDecoder();

function labAvailable(): boolean {
  return netnsAvailable() && ["miniupnpd", "nft", "ss"].every(available);
}

const ignore = !labAvailable();

/** One router lab, with its own namespace names. */
class RouterLab implements AsyncDisposable {
  readonly prefix = `r${crypto.randomUUID().slice(0, 5)}`;

  get lan(): string {
    return `${this.prefix}lan`;
  }

  get inet(): string {
    return `${this.prefix}inet`;
  }

  async #run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("bash", {
      args: [LAB, ...args],
      env: { RTLAB_PREFIX: this.prefix },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`router lab ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
    }
    return decoder.decode(out.stdout);
  }

  static async up(mode: string): Promise<RouterLab> {
    const lab = new RouterLab();
    try {
      await lab.#run("up", mode);
    } catch (error) {
      await lab.#run("down").catch(() => {});
      throw error;
    }
    return lab;
  }

  /** The router's forwardings, e.g. `dport 41234 dnat ip to 10.77.0.2:41234`. */
  async mappings(): Promise<string[]> {
    return (await this.#run("mappings")).split("\n").filter((l) => l.trim() !== "");
  }

  /** What `upnpc -l` (miniupnpc, the reference client) lists, run on the LAN computer. */
  async upnpcList(): Promise<string> {
    return await this.#run("exec", "lan", "upnpc", "-l");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#run("down");
  }
}

for (
  const [mode, method] of [["igd1", "UPnP IGD v1"], ["igd2", "UPnP IGD v2"], ["natpmp", "NAT-PMP"]]
) {
  Deno.test({
    name:
      `${method}: the router opens the port, a joiner from outside gets in, the port closes after`,
    ignore,
    sanitizeResources: false,
    fn: async () => {
      await using lab = await RouterLab.up(mode!);
      const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
        password: "pw",
      });
      let ivan: NsProcess | null = null;
      try {
        const router = await host.next("router");
        assertEquals(router.status, "mapped", host.describe());
        assertEquals(router.method, method);
        assertEquals(router.externalAddress, "11.22.33.1");
        assertEquals(router.command, `rt 11.22.33.1 ${router.externalPort}`);
        const port = router.externalPort!;
        assertOk(
          (await lab.mappings()).some((m) => m.includes(`dport ${port} dnat ip to 10.77.0.2:`)),
          "the router forwards the port",
        );
        // The internet side dials the router's WAN address, which stands for 11.22.33.1.
        ivan = new NsProcess("ivan", lab.inet, ["203.0.113.1", String(port), "--name", "ivan"], {
          password: "pw",
        });
        await ivan.next("welcome");
        await host.next("joined", (e) => e.name === "ivan");
        await ivan.type("hello from outside");
        await host.next("message", (e) => e.text === "hello from outside");
        await host.type("welcome in");
        await ivan.next("message", (e) => e.text === "welcome in");
        await host.closeStdin();
        assertEquals(await host.exit(), 0, host.describe());
        assertEquals(await ivan.exit(), 0, ivan.describe());
        assertEquals(await lab.mappings(), [], "no forwarding left on the router");
        if (mode !== "natpmp") {
          // And as a UPnP client sees it: upnpc lists no mapping.
          const listed = await lab.upnpcList();
          assertOk(!listed.includes(`${port}->10.77.0.2`), listed);
        }
      } finally {
        await ivan?.dispose();
        await host.dispose();
      }
    },
  });
}

Deno.test({
  name: "SIGTERM closes the room and removes the mapping",
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
      host.kill("SIGTERM");
      assertEquals(await host.exit(), 0, host.describe());
      assertEquals(await lab.mappings(), [], "no forwarding left after SIGTERM");
    } finally {
      await host.dispose();
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

/**
 * The router lab (tests/lab/router_lab.sh, a real miniupnpd) with a hostile device on the LAN
 * that answers rt's UPnP search first and claims to be the router (tests/e2e/
 * hostile_upnp_device.ts). rt must ask only the default gateway: the port is opened by the real
 * router, with its real public address, and the hostile device is never sent a request.
 * Needs root, iproute2, nftables and miniupnpd.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { childEnv } from "./harness.ts";
import { NsProcess } from "./netns.ts";
import { labAvailable, RouterLab } from "./router_lab.ts";

const DEVICE = new URL("./hostile_upnp_device.ts", import.meta.url).pathname;
const HOSTILE = "10.77.0.3";
const decoder = new TextDecoder();

const ignore = !labAvailable();

async function run(program: string, args: string[]) {
  const out = await new Deno.Command(program, { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
  }
  return decoder.decode(out.stdout);
}

/** The hostile device, running in `namespace`, with what it printed. */
class HostileDevice implements AsyncDisposable {
  readonly events: { type: string; path?: string; from?: string }[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #reading: Promise<void>;

  constructor(namespace: string) {
    const child = new Deno.Command("ip", {
      args: ["netns", "exec", namespace, Deno.execPath(), "run", "--allow-net", DEVICE, HOSTILE],
      env: childEnv(),
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#child = child;
    this.#reading = (async () => {
      let pending = "";
      for await (const text of child.stdout.pipeThrough(new TextDecoderStream())) {
        pending += text;
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          this.events.push(JSON.parse(pending.slice(0, newline)));
          pending = pending.slice(newline + 1);
        }
      }
    })();
  }

  async until(type: string): Promise<void> {
    for (let i = 0; i < 400 && !this.events.some((e) => e.type === type); i++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    assertOk(this.events.some((e) => e.type === type), `the hostile device never said ${type}`);
  }

  async [Symbol.asyncDispose](): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // Exited.
    }
    await this.#child.status;
    await this.#reading;
  }
}

Deno.test({
  name: "UPnP: a hostile device that answers first is ignored; the real router opens the port",
  ignore,
  sanitizeResources: false,
  fn: async () => {
    await using lab = await RouterLab.up("igd2");
    await run("ip", ["-n", lab.lan, "addr", "add", `${HOSTILE}/24`, "dev", "eth0"]);
    await using device = new HostileDevice(lab.lan);
    await device.until("ready");
    const host = new NsProcess("hana", lab.lan, ["--name", "hana", "--no-announce"], {
      password: "pw",
    });
    try {
      const router = await host.next("router");
      // The hostile device heard the search and answered it...
      assertOk(device.events.some((e) => e.type === "search"), JSON.stringify(device.events));
      // ...but the port was opened by the real router, which reported its real address.
      assertEquals(router.status, "mapped", host.describe());
      assertEquals(router.method, "UPnP IGD v2");
      assertEquals(router.externalAddress, "11.22.33.1", host.describe());
      const mappings = await lab.mappings();
      assertOk(
        mappings.some((m) => m.includes(`dport ${router.externalPort} dnat ip to 10.77.0.2:`)),
        mappings.join("\n"),
      );
      await host.closeStdin();
      assertEquals(await host.exit(), 0, host.describe());
      assertEquals(await lab.mappings(), [], "nothing left");
    } finally {
      await host.dispose();
    }
    assertEquals(
      device.events.filter((e) => e.type === "request"),
      [],
      "the hostile device was never asked anything",
    );
  },
});

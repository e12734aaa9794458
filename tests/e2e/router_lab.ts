/**
 * The home-router lab of tests/lab/router_lab.sh (miniupnpd in network namespaces), driven from
 * the tests: one lab per test, with its own namespace names, torn down at the end.
 */
import { netnsAvailable, NsProcess } from "./netns.ts";
import { available } from "./programs.ts";

const LAB = new URL("../lab/router_lab.sh", import.meta.url).pathname;
const decoder = new TextDecoder();

/** Whether this machine can run the lab: root, namespaces, miniupnpd, nftables, miniupnpc. */
export function labAvailable(): boolean {
  return netnsAvailable() && ["miniupnpd", "nft", "ss", "upnpc"].every(available);
}

/** How the lab's networks are built. */
export interface LabOptions {
  /** IPv6 on every link, with a firewall only pinholes open. */
  ipv6?: boolean;
  /** The router's WAN in the provider's shared space (100.64.0.2), with no public address. */
  cgnat?: boolean;
}

/** The home computer's IPv6 address in the lab. */
export const LAN_COMPUTER_V6 = "2001:db8:77::2";

/** One router lab, with its own namespace names. */
export class RouterLab implements AsyncDisposable {
  readonly prefix = `r${crypto.randomUUID().slice(0, 5)}`;
  /** IPv6 and carrier-grade NAT, as the lab was brought up with. */
  readonly options: LabOptions;

  private constructor(options: LabOptions) {
    this.options = options;
  }

  get lan(): string {
    return `${this.prefix}lan`;
  }

  get inet(): string {
    return `${this.prefix}inet`;
  }

  async #run(...args: string[]): Promise<string> {
    const out = await new Deno.Command("bash", {
      args: [LAB, ...args],
      env: {
        RTLAB_PREFIX: this.prefix,
        IPV6: this.options.ipv6 ? "yes" : "no",
        CGNAT: this.options.cgnat ? "yes" : "no",
      },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      throw new Error(`router lab ${args.join(" ")}: ${decoder.decode(out.stderr)}`);
    }
    return decoder.decode(out.stdout);
  }

  /** A lab whose router runs in `mode` (see router_lab.sh). */
  static async up(mode: string, options: LabOptions = {}): Promise<RouterLab> {
    const lab = new RouterLab(options);
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

  /** The router's IPv6 pinholes, e.g. `dport 41234 to 20010db8007700000000000000000002`. */
  async pinholes(): Promise<string[]> {
    return (await this.#run("pinholes")).split("\n").filter((l) => l.trim() !== "");
  }

  /** As {@link wanProbe}, to the home computer's IPv6 address (through the router's firewall). */
  async wan6Probe(port: number): Promise<string> {
    try {
      return (await this.#run("wan6-probe", String(port))).trim();
    } catch {
      return "";
    }
  }

  /** Drops the LAN computer's PCP requests: the router seems to speak NAT-PMP only. */
  async noPcp(): Promise<void> {
    await this.#run("no-pcp");
  }

  /** What `upnpc -l` (miniupnpc, the reference client) lists, run on the LAN computer. */
  async upnpcList(): Promise<string> {
    return await this.#run("upnp-list");
  }

  /** The router's log so far. */
  async log(): Promise<string> {
    return await this.#run("log");
  }

  /** The first bytes a connection from the internet side to `port` gets, in hex ("" if none). */
  async wanProbe(port: number): Promise<string> {
    try {
      return (await this.#run("wan-probe", String(port))).trim();
    } catch {
      return "";
    }
  }

  /** Makes one protocol answer first, the other map the same port after it (router_lab.sh). */
  async race(first: "pcp-first" | "upnp-first"): Promise<void> {
    await this.#run("race", first);
  }

  /** Lets every request through again. */
  async release(): Promise<void> {
    await this.#run("release");
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#run("down");
  }
}

/**
 * A joiner on the internet side of `lab` joins the room of `host` at `address` `port` and both
 * say something the other reads: the way in works for real. Returns the joiner, still in.
 */
export async function chatFromInternet(
  lab: RouterLab,
  host: NsProcess,
  address: string,
  port: number,
  hello: string,
): Promise<NsProcess> {
  const ivan = new NsProcess("ivan", lab.inet, [address, String(port), "--name", "ivan"], {
    password: "pw",
  });
  try {
    await ivan.next("welcome");
    await host.next("joined", (e) => e.name === "ivan");
    await ivan.type(hello);
    await host.next("message", (e) => e.text === hello);
    await host.type("welcome in");
    await ivan.next("message", (e) => e.text === "welcome in");
  } catch (error) {
    await ivan.dispose();
    throw error;
  }
  return ivan;
}

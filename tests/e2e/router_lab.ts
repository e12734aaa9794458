/**
 * The home-router lab of tests/lab/router_lab.sh (miniupnpd in network namespaces), driven from
 * the tests: one lab per test, with its own namespace names, torn down at the end.
 */
import { netnsAvailable } from "./netns.ts";
import { available } from "./programs.ts";

const LAB = new URL("../lab/router_lab.sh", import.meta.url).pathname;
const decoder = new TextDecoder();

/** Whether this machine can run the lab: root, namespaces, miniupnpd, nftables, miniupnpc. */
export function labAvailable(): boolean {
  return netnsAvailable() && ["miniupnpd", "nft", "ss", "upnpc"].every(available);
}

/** One router lab, with its own namespace names. */
export class RouterLab implements AsyncDisposable {
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
  async race(first: "natpmp-first" | "upnp-first"): Promise<void> {
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

/**
 * A small LAN on one machine for end-to-end tests: network namespaces, each with one veth
 * into a bridge that lives in a namespace of its own, and the real `rt` run inside them
 * (`ip netns exec`), with the permission flags and private folder the harness gives it, and
 * driven by the harness's driver.
 *
 * Needs root and iproute2; {@link netnsAvailable} says whether to run such tests at all.
 *
 * @module
 */
import type { ChatEvent } from "../../lib/events.ts";
import { RtDriver } from "./rt_driver.ts";
import { rtCommand, rtEnv, tempHome } from "./rt_launch.ts";

const decoder = new TextDecoder();

/** Whether this process may build namespaces: it runs as root and `ip` is there. */
export function netnsAvailable(): boolean {
  if (Deno.build.os !== "linux") return false;
  try {
    const id = new Deno.Command("id", { args: ["-u"], stdout: "piped", stderr: "null" })
      .outputSync();
    if (decoder.decode(id.stdout).trim() !== "0") return false;
    return new Deno.Command("ip", { args: ["-V"], stdout: "null", stderr: "null" }).outputSync()
      .success;
  } catch {
    return false;
  }
}

/** Turns IPv6 on in namespace `ns` (for the links made after). */
async function enableIpv6(ns: string): Promise<void> {
  for (const conf of ["all", "default"]) {
    const out = await new Deno.Command("ip", {
      args: ["netns", "exec", ns, "sysctl", "-qw", `net.ipv6.conf.${conf}.disable_ipv6=0`],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!out.success) throw new Error(`sysctl failed: ${decoder.decode(out.stderr).trim()}`);
  }
}

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${decoder.decode(out.stderr).trim()}`);
  }
}

/** The addresses a {@link Lan}'s namespaces get. */
export interface LanOptions {
  /** Each an IPv4 address in 10.231.0.0/24 ({@link Lan.address}). Default: true. */
  ipv4?: boolean;
  /**
   * Each an IPv6 address in fd00:77::/64 too ({@link Lan.address6}), usable at once (no
   * duplicate address detection). Default: false. IPv6 is turned on in the namespaces whenever
   * `ipv6` is set or `ipv4` is false; each link also has its link-local address
   * ({@link Lan.linkLocal}).
   */
  ipv6?: boolean;
}

/**
 * Namespaces on one bridge, each with one IPv4 address in 10.231.0.0/24 (or, with
 * {@link LanOptions}, IPv6 addresses, or no IPv4 at all).
 */
export class Lan {
  /** The namespaces, one per member of the LAN. */
  readonly namespaces: string[];
  readonly #bridgeNs: string;
  readonly #made: string[] = [];
  readonly #id: string;
  readonly #options: LanOptions;

  private constructor(id: string, size: number, options: LanOptions) {
    this.#id = id;
    this.#bridgeNs = `${id}-lan`;
    this.namespaces = Array.from({ length: size }, (_, i) => `${id}-n${i}`);
    this.#options = options;
  }

  /** Builds a LAN of `size` namespaces with unique names; on failure removes what it made. */
  static async create(size: number, options: LanOptions = {}): Promise<Lan> {
    const id = `rt${crypto.randomUUID().slice(0, 6)}`;
    const lan = new Lan(id, size, options);
    try {
      await lan.#build(id);
    } catch (error) {
      await lan.cleanup();
      throw error;
    }
    return lan;
  }

  async #build(id: string): Promise<void> {
    const br = this.#bridgeNs;
    await ip("netns", "add", br);
    this.#made.push(br);
    // No multicast snooping: without an IGMP querier on this LAN it would be guesswork.
    await ip("-n", br, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
    await ip("-n", br, "link", "set", "br0", "up");
    for (const [i, ns] of this.namespaces.entries()) {
      await ip("netns", "add", ns);
      this.#made.push(ns);
      const { ipv4 = true, ipv6 = false } = this.#options;
      // Before the link is made, which takes the namespace's defaults.
      if (ipv6 || !ipv4) await enableIpv6(ns);
      const inside = `${id}v${i}`, port = `${id}p${i}`;
      // Made in the namespace, so nothing is ever left in the root namespace.
      await ip("-n", ns, "link", "add", inside, "type", "veth", "peer", "name", port, "netns", br);
      await ip("-n", br, "link", "set", port, "master", "br0", "up");
      if (ipv4) await ip("-n", ns, "addr", "add", `${this.address(i)}/24`, "dev", inside);
      if (ipv6) {
        await ip("-n", ns, "-6", "addr", "add", `${this.address6(i)}/64`, "dev", inside, "nodad");
      }
      await ip("-n", ns, "link", "set", inside, "up");
      await ip("-n", ns, "link", "set", "lo", "up");
    }
  }

  /**
   * Takes namespace `i`'s link to the LAN down, or brings it back up: as a cable pulled or
   * Wi-Fi lost, nothing is said to either end of a connection across it.
   */
  async link(i: number, state: "up" | "down"): Promise<void> {
    await ip("-n", this.namespaces[i]!, "link", "set", `${this.#id}v${i}`, state);
  }

  /** Limits what namespace `i` receives over its link to `rate` (e.g. `40mbit`), as a slow link. */
  async shape(i: number, rate: string): Promise<void> {
    const tc = await new Deno.Command("tc", {
      args: [
        "-n",
        this.namespaces[i]!,
        "qdisc",
        "add",
        "dev",
        `${this.#id}v${i}`,
        "root",
        "tbf",
        "rate",
        rate,
        "burst",
        "64kb",
        "latency",
        "400ms",
      ],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!tc.success) throw new Error(`tc failed: ${decoder.decode(tc.stderr).trim()}`);
  }

  /** The IPv4 address of namespace `i`. */
  address(i: number): string {
    return `10.231.0.${i + 1}`;
  }

  /** The IPv6 address of namespace `i` (with {@link LanOptions.ipv6}). */
  address6(i: number): string {
    return `fd00:77::${i + 1}`;
  }

  /** The name of namespace `i`'s link to the LAN, inside that namespace. */
  linkName(i: number): string {
    return `${this.#id}v${i}`;
  }

  /**
   * The link-local IPv6 address of namespace `i`'s link (without its zone), once the system
   * has checked it is unique on the LAN and it can be used.
   */
  async linkLocal(i: number, timeoutMs = 10_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      const out = await new Deno.Command("ip", {
        args: ["-n", this.namespaces[i]!, "-6", "-o", "addr", "show", "dev", this.linkName(i)],
        stdout: "piped",
        stderr: "piped",
      }).output();
      const line = decoder.decode(out.stdout).split("\n").find((l) => / scope link/.test(l));
      const address = line && !/tentative/.test(line)
        ? /inet6 ([0-9a-f:]+)\//.exec(line)?.[1]
        : null;
      if (address) return address;
      if (Date.now() > deadline) {
        throw new Error(`no link-local address: ${decoder.decode(out.stdout)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  /** Deletes every namespace made (their links go with them). Idempotent. */
  async cleanup(): Promise<void> {
    for (const ns of this.#made.splice(0).reverse()) {
      try {
        await ip("netns", "del", ns);
      } catch (error) {
        console.error(`Could not delete namespace ${ns}: ${error}`);
      }
    }
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/** A namespace of its own with nothing but loopback: a computer with no network at all. */
export class NoNetwork implements AsyncDisposable {
  readonly namespace: string;
  #made = false;

  private constructor(namespace: string) {
    this.namespace = namespace;
  }

  static async create(): Promise<NoNetwork> {
    const offline = new NoNetwork(`rt${crypto.randomUUID().slice(0, 6)}-off`);
    await ip("netns", "add", offline.namespace);
    offline.#made = true;
    await ip("-n", offline.namespace, "link", "set", "lo", "up");
    return offline;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    if (!this.#made) return;
    this.#made = false;
    await ip("netns", "del", this.namespace);
  }
}

/** `deno task start`, as the README starts rt (it installs the locked dependencies first). */
export const START_TASK: string[] = [Deno.execPath(), "task", "--quiet", "start"];

/** How long an `NsProcess` waits by default: a namespace's first start may be slow. */
const NS_TIMEOUT_MS = 20_000;

/** One `rt` running in a namespace, driven as the harness drives it. */
export class NsProcess {
  readonly #rt: RtDriver;

  constructor(
    label: string,
    namespace: string,
    args: string[],
    options: {
      json?: boolean;
      password?: string;
      /** How rt is started, before `args`: by default as the tests run it, with `RUN_FLAGS`. */
      program?: string[];
      /** More environment. */
      env?: Record<string, string>;
    } = {},
  ) {
    const home = tempHome();
    const rt = options.program ?? rtCommand();
    this.#rt = new RtDriver({
      label,
      command: [
        "ip",
        "netns",
        "exec",
        namespace,
        ...rt,
        ...args,
        ...(options.json ?? true ? ["--json"] : []),
      ],
      ...rtEnv({ home, password: options.password, env: options.env }),
      removeOnExit: home,
    });
  }

  get label(): string {
    return this.#rt.label;
  }

  /** Every JSON event printed so far, in order. */
  get events(): ChatEvent[] {
    return this.#rt.events;
  }

  /** The process id (rt's own: `ip netns exec` becomes rt). */
  get pid(): number {
    return this.#rt.pid;
  }

  /** Everything printed on stdout so far. */
  get stdout(): string {
    return this.#rt.stdout;
  }

  /** Everything printed on stderr so far. */
  get stderr(): string {
    return this.#rt.stderr;
  }

  /** What the process printed, for failure messages. */
  describe(): string {
    return this.#rt.describe();
  }

  /** Waits for an event of `type` that passes `match`. */
  next<T extends ChatEvent["type"]>(
    type: T,
    match: (event: Extract<ChatEvent, { type: T }>) => boolean = () => true,
    timeoutMs = NS_TIMEOUT_MS,
  ): Promise<Extract<ChatEvent, { type: T }>> {
    return this.#rt.next(type, match, { timeoutMs });
  }

  /** Waits until the text appears on stdout. */
  waitForText(text: string, timeoutMs = NS_TIMEOUT_MS): Promise<void> {
    return this.#rt.waitForText(text, timeoutMs);
  }

  /** Types one line. */
  type(line: string): Promise<void> {
    return this.#rt.type(line);
  }

  /** Sends a signal (`ip netns exec` runs rt in its own process, so rt gets it). */
  kill(signal: Deno.Signal): void {
    this.#rt.kill(signal);
  }

  /** Closes stdin: the host closes its room, a member leaves. */
  closeStdin(): Promise<void> {
    return this.#rt.closeStdin();
  }

  /** Waits for the exit (SIGKILL after `timeoutMs`) and returns its code. */
  async exit(timeoutMs = NS_TIMEOUT_MS): Promise<number> {
    return (await this.#rt.exit(timeoutMs)).code;
  }

  /** Ends the process if still running, and releases its streams. */
  dispose(): Promise<void> {
    return this.#rt.dispose();
  }
}

/**
 * A small LAN on one machine for end-to-end tests: network namespaces, each with one veth
 * into a bridge that lives in a namespace of its own, and the real `rt` run inside them
 * (`ip netns exec`), with the permission flags and private folder the harness gives it.
 *
 * Needs root and iproute2; {@link netnsAvailable} says whether to run such tests at all.
 *
 * @module
 */
import { childEnv, ROOT, RUN_FLAGS, tempHome } from "./harness.ts";
import type { ChatEvent } from "../../lib/tui/events.ts";

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

async function ip(...args: string[]): Promise<void> {
  const out = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  if (!out.success) {
    throw new Error(`ip ${args.join(" ")} failed: ${decoder.decode(out.stderr).trim()}`);
  }
}

/** Namespaces on one bridge, each with one IPv4 address in 10.231.0.0/24. */
export class Lan {
  /** The namespaces, one per member of the LAN. */
  readonly namespaces: string[];
  readonly #bridgeNs: string;
  readonly #made: string[] = [];

  private constructor(id: string, size: number) {
    this.#bridgeNs = `${id}-lan`;
    this.namespaces = Array.from({ length: size }, (_, i) => `${id}-n${i}`);
  }

  /** Builds a LAN of `size` namespaces with unique names; on failure removes what it made. */
  static async create(size: number): Promise<Lan> {
    const id = `rt${crypto.randomUUID().slice(0, 6)}`;
    const lan = new Lan(id, size);
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
      const inside = `${id}v${i}`, port = `${id}p${i}`;
      // Made in the namespace, so nothing is ever left in the root namespace.
      await ip("-n", ns, "link", "add", inside, "type", "veth", "peer", "name", port, "netns", br);
      await ip("-n", br, "link", "set", port, "master", "br0", "up");
      await ip("-n", ns, "addr", "add", `${this.address(i)}/24`, "dev", inside);
      await ip("-n", ns, "link", "set", inside, "up");
      await ip("-n", ns, "link", "set", "lo", "up");
    }
  }

  /** The IPv4 address of namespace `i`. */
  address(i: number): string {
    return `10.231.0.${i + 1}`;
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

/** A clean environment for `rt`, as the harness gives it. */
function nsEnv(extra: Record<string, string>): Record<string, string> {
  return { ...childEnv(), ...extra };
}

/** `deno task start`, as the README starts rt (it installs the locked dependencies first). */
export const START_TASK: string[] = [Deno.execPath(), "task", "--quiet", "start"];

/** One `rt` running in a namespace. */
export class NsProcess {
  readonly label: string;
  readonly events: ChatEvent[] = [];
  #stdout = "";
  #stderr = "";
  #pending = "";
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinClosed = false;
  readonly #done: Promise<Deno.CommandStatus>;
  #status: Deno.CommandStatus | null = null;

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
    this.label = label;
    const home = tempHome();
    const json = options.json ?? true;
    const rt = options.program ?? [Deno.execPath(), "run", ...RUN_FLAGS, "main.ts"];
    const command = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        namespace,
        ...rt,
        ...args,
        ...(json ? ["--json"] : []),
      ],
      cwd: ROOT,
      env: nsEnv({
        ...options.env,
        RT_HOME: home,
        ...(options.password === undefined ? {} : { RT_PASSWORD: options.password }),
      }),
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    });
    this.#child = command.spawn();
    this.#stdin = this.#child.stdin.getWriter();
    const readers = Promise.all([
      this.#read(this.#child.stdout, (text) => this.#takeStdout(text)),
      this.#read(this.#child.stderr, (text) => this.#stderr += text),
    ]);
    this.#done = this.#child.status.then(async (status) => {
      await readers;
      this.#takeStdout("\n");
      Deno.removeSync(home, { recursive: true });
      this.#status = status;
      return status;
    });
  }

  async #read(stream: ReadableStream<Uint8Array>, take: (text: string) => void): Promise<void> {
    for await (const text of stream.pipeThrough(new TextDecoderStream())) take(text);
  }

  #takeStdout(text: string): void {
    this.#stdout += text;
    this.#pending += text;
    let newline: number;
    while ((newline = this.#pending.indexOf("\n")) >= 0) {
      const line = this.#pending.slice(0, newline);
      this.#pending = this.#pending.slice(newline + 1);
      if (line.trim() === "") continue;
      try {
        this.events.push(JSON.parse(line));
      } catch {
        // Not JSON: the terminal form; kept in `stdout`.
      }
    }
  }

  /** Everything printed on stdout so far. */
  get stdout(): string {
    return this.#stdout;
  }

  /** Everything printed on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** What the process printed, for failure messages. */
  describe(): string {
    return `[${this.label}] stdout:\n${this.#stdout}\n[${this.label}] stderr:\n${this.#stderr}\n` +
      `[${this.label}] ${this.#status ? `exited with code ${this.#status.code}` : "running"}`;
  }

  /** Waits for an event of `type` that passes `match`. */
  async next<T extends ChatEvent["type"]>(
    type: T,
    match: (event: Extract<ChatEvent, { type: T }>) => boolean = () => true,
    timeoutMs = 20_000,
  ): Promise<Extract<ChatEvent, { type: T }>> {
    const start = Date.now();
    while (true) {
      const found = this.events.find((e): e is Extract<ChatEvent, { type: T }> =>
        e.type === type && match(e as Extract<ChatEvent, { type: T }>)
      );
      if (found) return found;
      if (this.#status || Date.now() - start > timeoutMs) {
        throw new Error(`no "${type}" event (${match})\n${this.describe()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Waits until the text appears on stdout. */
  async waitForText(text: string, timeoutMs = 20_000): Promise<void> {
    const start = Date.now();
    while (!this.#stdout.includes(text)) {
      if (this.#status || Date.now() - start > timeoutMs) {
        throw new Error(`no "${text}" on stdout\n${this.describe()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** Types one line. */
  async type(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  /** Sends a signal (`ip netns exec` runs rt in its own process, so rt gets it). */
  kill(signal: Deno.Signal): void {
    try {
      this.#child.kill(signal);
    } catch {
      // Already gone.
    }
  }

  /** Closes stdin: the host closes its room, a member leaves. */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch {
      // Gone already.
    }
  }

  /** Waits for the exit (SIGKILL after `timeoutMs`) and returns its code. */
  async exit(timeoutMs = 20_000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs));
    const status = await Promise.race([this.#done, late]);
    clearTimeout(timer);
    await this.closeStdin();
    if (status === null) {
      await this.dispose();
      throw new Error(`[${this.label}] did not exit within ${timeoutMs} ms\n${this.describe()}`);
    }
    return status.code;
  }

  /** Ends the process if still running, and releases its streams. */
  async dispose(): Promise<void> {
    if (!this.#status) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited in between.
      }
    }
    await this.#done;
    await this.closeStdin();
  }
}

/**
 * End-to-end harness: runs the real `rt` (`main.ts`) as subprocesses over loopback, reads its
 * `--json` events from stdout, and types lines on its stdin.
 *
 * Every process and socket a test opens goes through an {@link E2e} scope, which ends them all
 * in `cleanup()` (or `await using`), so Deno's op and resource sanitizers stay on.
 *
 * @module
 */
import { join } from "node:path";
import { rtPermissionFlags } from "../../.github/release/task_flags.ts";
import type { ChatEvent } from "../../lib/tui/events.ts";

/** The repository root (where `main.ts` and `deno.json` are). */
export const ROOT: URL = new URL("../../", import.meta.url);

/**
 * What `deno run` gets before `main.ts`: `--cached-only` (rt never contacts a registry once
 * installed) and exactly the permission flags of the `compile` task, which the executable gets
 * and the `start` and `install` tasks share. A grant rt lacks fails here, not on a user's machine.
 */
export const RUN_FLAGS: string[] = ["--cached-only", ...rtPermissionFlags()];

/** How long `waitFor` waits by default. Generous: it only matters when a test fails. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** One event printed by `rt --json`. */
export type Event = ChatEvent;

/** The exit of a process. */
export interface Exit {
  code: number;
  signal: Deno.Signal | null;
}

/** Options of one `rt` process. */
export interface RtOptions {
  /** A label for failure messages, e.g. `host` or `alice`. */
  label: string;
  /** Arguments after `main.ts`. */
  args: string[];
  /** `RT_PASSWORD`; left out: unset. */
  password?: string;
  /** Add `--json` (default: true). */
  json?: boolean;
  /**
   * rt's folder (`RT_HOME`: identity key, known peers). Left out: a fresh temporary folder,
   * removed when the process has exited. Give the same folder to two runs to be the same person.
   */
  home?: string;
  /** More environment for `rt` (e.g. `RT_PROXY`). */
  env?: Record<string, string>;
  /** How rt is told where `home` is (see {@link homeEnvironment}); default `RT_HOME`. */
  homeVariable?: HomeVariable;
  /** Writing allowed only in rt's folder (`home`), not anywhere as the executable may. */
  writeOnlyHome?: boolean;
  /**
   * What starts rt, before `--json` and `args`: by default `deno run` with `RUN_FLAGS` and the
   * checkout's `main.ts`; e.g. rt from a registry, or an installed one.
   */
  program?: string[];
  /** The working folder (default: the checkout). */
  cwd?: string | URL;
}

/** The environment variables that decide where rt keeps its files. */
export type HomeVariable = "RT_HOME" | "HOME" | "XDG_CONFIG_HOME";

/**
 * The environment that tells rt where `home` is. `RT_HOME` is rt's folder itself. Otherwise
 * `home` is a person's fresh home on every system (`HOME`, `USERPROFILE`, and `APPDATA` within
 * it, as on Windows), so that rt can never reach the test machine's own; `XDG_CONFIG_HOME`
 * adds a config folder inside it, which rt uses on Linux and other Unix systems.
 */
export function homeEnvironment(variable: HomeVariable, home: string): Record<string, string> {
  if (variable === "RT_HOME") return { RT_HOME: home };
  const person = { HOME: home, USERPROFILE: home, APPDATA: join(home, "AppData", "Roaming") };
  return variable === "HOME" ? person : { ...person, XDG_CONFIG_HOME: join(home, "config") };
}

/** A fresh folder for rt's files, under the system's temporary directory. */
export function tempHome(): string {
  return Deno.makeTempDirSync({ prefix: "rt-e2e-home-" });
}

const encoder = new TextEncoder();

let cachedDenoDir: string | undefined;

/**
 * The folder of Deno's cache that this test run uses. Children get it by name: by default it
 * lies under `HOME`, which some tests change, and rt runs with `--cached-only`.
 */
export function denoDir(): string {
  if (cachedDenoDir === undefined) {
    const info = new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    cachedDenoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  }
  return cachedDenoDir;
}

/**
 * A clean environment for `rt`: only what Deno itself needs (its cache, temp dirs, PATH, what
 * Windows needs to start a program), so the test machine's `RT_PASSWORD` or login name cannot
 * leak into a test.
 */
export function childEnv(): Record<string, string> {
  // Deno's own reading of the network set-up (proxies, trusted certificates) is kept too: it
  // matters only where a child installs something, and rt never reads these.
  const keep = new RegExp(
    "^(PATH|PATHEXT|COMSPEC|WINDIR|SYSTEMROOT|HOME|USERPROFILE|TMPDIR|TEMP|TMP|XDG_CACHE_HOME|" +
      "DENO_.*|NPM_CONFIG_.*|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY)$",
    "i",
  );
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (keep.test(key)) env[key] = value;
  }
  env.DENO_DIR = denoDir();
  return env;
}

/** One running `rt`. */
export class RtProcess {
  readonly label: string;
  /** Every JSON event printed so far, in order. */
  readonly events: Event[] = [];
  /** Lines of stdout that were not JSON (there should be none with `--json`). */
  readonly nonJson: string[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinClosed = false;
  #stdoutDone = false;
  #stderr = "";
  #stdout = "";
  readonly #readers: Promise<void>;
  readonly #status: Promise<Deno.CommandStatus>;
  #exit: Exit | null = null;
  #listeners = new Set<() => void>();
  readonly #ownHome: string | null;

  constructor(options: RtOptions) {
    this.label = options.label;
    const env = childEnv();
    if (options.password !== undefined) env.RT_PASSWORD = options.password;
    Object.assign(env, options.env ?? {});
    const home = options.home ?? tempHome();
    this.#ownHome = options.home === undefined ? home : null;
    Object.assign(env, homeEnvironment(options.homeVariable ?? "RT_HOME", home));
    const flags = options.writeOnlyHome
      ? RUN_FLAGS.map((flag) => flag === "--allow-write" ? `--allow-write=${home}` : flag)
      : RUN_FLAGS;
    const [program, ...args] = options.program ?? [Deno.execPath(), "run", ...flags, "main.ts"];
    if (options.json ?? true) args.push("--json");
    args.push(...options.args);
    const command = new Deno.Command(program!, {
      args,
      cwd: options.cwd ?? ROOT,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    });
    this.#child = command.spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#readers = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
    const ownHome = this.#ownHome;
    this.#status = this.#child.status.then((s) => {
      if (ownHome) Deno.removeSync(ownHome, { recursive: true });
      return s;
    });
    this.#status.then((s) => {
      this.#exit = { code: s.code, signal: s.signal };
      this.#notify();
    });
  }

  async #readStdout(): Promise<void> {
    let pending = "";
    const take = (line: string) => {
      if (line.trim() === "") return;
      try {
        this.events.push(JSON.parse(line));
      } catch {
        this.nonJson.push(line);
      }
    };
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      this.#stdout += chunk;
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
      this.#notify();
    }
    take(pending);
    this.#stdoutDone = true;
    this.#notify();
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += chunk;
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Everything the process wrote on stdout so far, as text. */
  get stdout(): string {
    return this.#stdout;
  }

  /** What the process wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** The exit, once the process has exited; `null` while it runs. */
  get exited(): Exit | null {
    return this.#exit;
  }

  /** The process id. */
  get pid(): number {
    return this.#child.pid;
  }

  /** The events (and the rest) for a failure message. */
  describe(): string {
    const lines = this.events.map((e, i) => `  ${i}: ${JSON.stringify(e)}`);
    const parts = [
      `[${this.label}] events seen (${this.events.length}):`,
      ...(lines.length > 0 ? lines : ["  (none)"]),
    ];
    if (this.nonJson.length > 0) {
      parts.push(`[${this.label}] non-JSON stdout:`, ...this.nonJson.map((l) => `  ${l}`));
    }
    if (this.#stderr.trim() !== "") {
      parts.push(
        `[${this.label}] stderr:`,
        ...this.#stderr.trimEnd().split("\n").map((l) => `  ${l}`),
      );
    }
    parts.push(
      `[${this.label}] ${
        this.#exit ? `exited with code ${this.#exit.code} (signal ${this.#exit.signal})` : "running"
      }`,
    );
    return parts.join("\n");
  }

  /**
   * Waits for `count` events (default 1) at index `since` or later that pass `predicate`;
   * resolves with the last of them. Fails with every event seen when the time runs out or the
   * process ends its output first.
   */
  waitFor(
    predicate: (event: Event) => boolean,
    timeoutMs: number = DEFAULT_TIMEOUT_MS,
    options: { what?: string; since?: number; count?: number } = {},
  ): Promise<Event> {
    const since = options.since ?? 0;
    const count = options.count ?? 1;
    const what = options.what ?? predicate.toString();
    const find = (): Event | undefined => {
      let found = 0;
      for (let i = since; i < this.events.length; i++) {
        const event = this.events[i]!;
        if (predicate(event) && ++found === count) return event;
      }
      return undefined;
    };
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, event?: Event) => {
        this.#listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(event!);
      };
      const fail = (why: string) =>
        finish(
          new Error(
            `[${this.label}] ${why} while waiting for ${count > 1 ? `${count} × ` : ""}${what}${
              since > 0 ? ` (from event ${since})` : ""
            }\n${this.describe()}`,
          ),
        );
      const check = () => {
        const event = find();
        if (event) finish(null, event);
        else if (this.#stdoutDone) fail("output ended");
      };
      // Declared before the first `check()`, which may finish (and clear it) at once.
      const timer = setTimeout(() => fail(`nothing matched within ${timeoutMs} ms`), timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /** Events of one type seen so far. */
  all<T extends Event["type"]>(type: T): Extract<Event, { type: T }>[] {
    return this.events.filter((e): e is Extract<Event, { type: T }> => e.type === type);
  }

  /** Waits for the next event of `type` (at `since` or later) and returns it typed. */
  async next<T extends Event["type"]>(
    type: T,
    match: (event: Extract<Event, { type: T }>) => boolean = () => true,
    options: { since?: number; count?: number; timeoutMs?: number; what?: string } = {},
  ): Promise<Extract<Event, { type: T }>> {
    const event = await this.waitFor(
      (e) => e.type === type && match(e as Extract<Event, { type: T }>),
      options.timeoutMs,
      {
        since: options.since,
        count: options.count,
        what: options.what ?? `a "${type}" event${match.length > 0 ? ` where ${match}` : ""}`,
      },
    );
    return event as Extract<Event, { type: T }>;
  }

  /** Types one line (a newline is added). */
  async type(line: string): Promise<void> {
    if (this.#stdinClosed) throw new Error(`[${this.label}] stdin is closed; cannot type ${line}`);
    await this.#stdin.write(encoder.encode(line + "\n"));
  }

  /** Closes stdin (end of input: a joiner leaves, the host closes the room). */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch {
      // The process is gone already.
    }
  }

  /**
   * Ctrl+C: SIGINT (a joiner leaves, the host closes the room). Windows cannot deliver
   * SIGINT to another process (`kill` terminates it), so there this closes stdin instead,
   * which rt treats the same way.
   */
  async interrupt(): Promise<void> {
    if (Deno.build.os === "windows") await this.closeStdin();
    else this.kill("SIGINT");
  }

  /** Sends a signal (ignored once the process has exited). */
  kill(signal: Deno.Signal = "SIGTERM"): void {
    if (this.#exit) return;
    try {
      this.#child.kill(signal);
    } catch {
      // Exited in between.
    }
  }

  /**
   * Waits for the process to exit and its output to end. Fails (after a SIGKILL) when it does
   * not exit within `timeoutMs`.
   */
  async exit(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<Exit> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), timeoutMs)
    );
    const first = await Promise.race([this.#status, late]);
    clearTimeout(timer);
    if (first === "late") {
      this.kill("SIGKILL");
      await this.#status;
      await this.#readers;
      await this.closeStdin();
      throw new Error(`[${this.label}] did not exit within ${timeoutMs} ms\n${this.describe()}`);
    }
    await this.#readers;
    await this.closeStdin();
    return this.#exit!;
  }

  /** Ends the process (SIGKILL if still running) and releases every stream. */
  async dispose(): Promise<void> {
    this.kill("SIGKILL");
    await this.#status;
    await this.#readers;
    await this.closeStdin();
  }
}

/** A raw TCP connection opened by a test, outside any protocol. */
export class RawPeer {
  readonly conn: Deno.TcpConn;
  #closed = false;

  constructor(conn: Deno.TcpConn) {
    this.conn = conn;
  }

  /** Writes every byte. */
  async write(bytes: Uint8Array): Promise<void> {
    let offset = 0;
    while (offset < bytes.length) offset += await this.conn.write(bytes.subarray(offset));
  }

  /** Reads at most `max` bytes (`null` at end of stream). */
  async read(max: number): Promise<Uint8Array | null> {
    const buffer = new Uint8Array(max);
    const n = await this.conn.read(buffer);
    return n === null ? null : buffer.subarray(0, n);
  }

  /**
   * Reads until the other side closes; resolves with the byte count, or with the error name
   * when the connection was reset.
   */
  async readToEnd(): Promise<{ bytes: number; error?: string }> {
    let bytes = 0;
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await this.conn.read(buffer);
        if (n === null) return { bytes };
        bytes += n;
      }
    } catch (error) {
      return { bytes, error: error instanceof Error ? error.name : String(error) };
    }
  }

  /** Half-closes: no more bytes from us (the peer reads end of stream). */
  async closeWrite(): Promise<void> {
    await this.conn.closeWrite();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch {
      // Already closed.
    }
  }
}

/** Every process and socket of one test; `cleanup()` ends them all. */
export class E2e {
  readonly #processes: RtProcess[] = [];
  readonly #homes: string[] = [];
  readonly #peers: RawPeer[] = [];

  /** Starts `rt` with `args` (after `main.ts --json`). */
  spawn(
    label: string,
    args: string[],
    options: Omit<RtOptions, "label" | "args"> = {},
  ) {
    const process = new RtProcess({ label, args, ...options });
    this.#processes.push(process);
    return process;
  }

  /**
   * Starts a host on 127.0.0.1 with a free port, and waits for its `listening` event and its
   * own seat.
   */
  async host(
    options: { name?: string; password?: string; args?: string[]; home?: string } = {},
  ): Promise<{ process: RtProcess; port: number }> {
    const name = options.name ?? "host";
    const process = this.spawn(
      name,
      ["--bind", "127.0.0.1", "--port", "0", "--no-upnp", "--name", name, ...(options.args ?? [])],
      { password: options.password ?? "pw", home: options.home },
    );
    const listening = await process.next("listening");
    await process.next("welcome", (e) => e.name === name && e.host);
    return { process, port: listening.port };
  }

  /** Starts a joiner of `127.0.0.1 port` (no wait). */
  joiner(
    port: number,
    options: {
      label: string;
      name?: string;
      password?: string;
      args?: string[];
      home?: string;
      env?: Record<string, string>;
    },
  ): RtProcess {
    const args = ["127.0.0.1", String(port)];
    if (options.name !== undefined) args.push("--name", options.name);
    return this.spawn(options.label, [...args, ...(options.args ?? [])], {
      password: options.password ?? "pw",
      home: options.home,
      env: options.env,
    });
  }

  /** Starts a joiner and waits until it is welcomed under `name`. */
  async join(port: number, name: string, password = "pw", home?: string): Promise<RtProcess> {
    const process = this.joiner(port, { label: name, name, password, home });
    await process.next("welcome", (e) => e.name === name);
    return process;
  }

  /** A folder for rt's files that outlives one process (one person's identity), removed at cleanup. */
  home(): string {
    const home = tempHome();
    this.#homes.push(home);
    return home;
  }

  /** Opens a raw TCP connection to the host. */
  async connect(port: number): Promise<RawPeer> {
    const peer = new RawPeer(await Deno.connect({ hostname: "127.0.0.1", port }));
    this.#peers.push(peer);
    return peer;
  }

  /** Failure context: what every process printed. */
  describe(): string {
    return this.#processes.map((p) => p.describe()).join("\n");
  }

  /** Closes every socket and ends every process still running. */
  async cleanup(): Promise<void> {
    for (const peer of this.#peers) peer.close();
    await Promise.all(this.#processes.map((p) => p.dispose()));
    for (const home of this.#homes.splice(0)) await Deno.remove(home, { recursive: true });
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.cleanup();
  }
}

/** Asserts `ok`; when it fails, the message lists every process's output. */
export function check(e2e: E2e, ok: boolean, message: string): asserts ok {
  if (!ok) throw new Error(`${message}\n${e2e.describe()}`);
}

/** Bytes from numbers. */
export function bytes(...values: number[]): Uint8Array {
  return new Uint8Array(values);
}

/** A 4-byte big-endian length prefix followed by `payload`. */
export function frame(payload: Uint8Array, length: number = payload.length): Uint8Array {
  const out = new Uint8Array(4 + payload.length);
  new DataView(out.buffer).setUint32(0, length);
  out.set(payload, 4);
  return out;
}

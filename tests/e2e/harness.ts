/**
 * End-to-end harness: runs the real `rt` (`main.ts`) as subprocesses over loopback, reads its
 * `--json` events from stdout, and types lines on its stdin.
 *
 * Every process and socket a test opens goes through an {@link E2e} scope, which ends them all
 * in `cleanup()` (or `await using`), so Deno's op and resource sanitizers stay on. The process
 * itself is driven by `rt_driver.ts`, started as `rt_launch.ts` says.
 *
 * @module
 */
import type { ChatEvent } from "../../lib/events.ts";
import { RtDriver } from "./rt_driver.ts";
import { type HomeVariable, rtCommand, rtEnv, tempHome } from "./rt_launch.ts";

export { DEFAULT_TIMEOUT_MS, type Exit } from "./rt_driver.ts";
export {
  childEnv,
  denoDir,
  homeEnvironment,
  type HomeVariable,
  ROOT,
  RUN_FLAGS,
  tempHome,
} from "./rt_launch.ts";

/** One event printed by `rt --json`. */
export type Event = ChatEvent;

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

/** One running `rt`: the driver, started from {@link RtOptions}. */
export class RtProcess extends RtDriver {
  constructor(options: RtOptions) {
    const home = options.home ?? tempHome();
    const program = options.program ??
      rtCommand(options.writeOnlyHome ? { writeOnly: home } : {});
    super({
      label: options.label,
      command: [...program, ...(options.json ?? true ? ["--json"] : []), ...options.args],
      ...rtEnv({
        home,
        homeVariable: options.homeVariable,
        password: options.password,
        env: options.env,
      }),
      cwd: options.cwd,
      removeOnExit: options.home === undefined ? home : undefined,
    });
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

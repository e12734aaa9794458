/**
 * One running `rt` (or any command that starts it: `deno task start`, `ip netns exec NS ...`),
 * driven through its standard streams: what it prints is read as `rt_output.ts` says, and lines
 * are typed on stdin. The e2e harness, the namespace tests and the benchmarks all drive rt with
 * this; `rt_launch.ts` builds what to run.
 *
 * @module
 */
import { DEFAULT_TIMEOUT_MS, type Exit, type OutputOptions, RtOutput } from "./rt_output.ts";
import { ROOT } from "./rt_launch.ts";

export { DEFAULT_TIMEOUT_MS, type Exit, type WaitOptions } from "./rt_output.ts";

/** What to run, and how much of its output to keep. */
export interface DriverOptions extends OutputOptions {
  /** A label for failure messages, e.g. `host` or `alice`. */
  label: string;
  /** The program and its arguments. */
  command: string[];
  env: Record<string, string>;
  /** Whether `env` replaces the parent's environment (see `rtEnv`). */
  clearEnv: boolean;
  /** The working folder (default: the checkout). */
  cwd?: string | URL;
  /** A folder to remove once the process has exited (its fresh home). */
  removeOnExit?: string;
}

const encoder = new TextEncoder();

/**
 * Whether each child leads a process group of its own, so that ending it ends everything it
 * started too (`deno task` runs rt as a grandchild, which would keep the output open). Not on
 * Windows, nor where this process may not signal others (the benchmarks' `--allow-run=deno`).
 */
const OWN_GROUP = Deno.build.os !== "windows" &&
  Deno.permissions.querySync({ name: "run" }).state === "granted";

/** One running process: its output read, its input typed. */
export class RtDriver extends RtOutput {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  #stdinClosed = false;
  readonly #status: Promise<Exit>;
  #outputDone = false;

  constructor(options: DriverOptions) {
    const [program, ...args] = options.command;
    const child = new Deno.Command(program!, {
      args,
      cwd: options.cwd ?? ROOT,
      env: options.env,
      clearEnv: options.clearEnv,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
      detached: OWN_GROUP,
    }).spawn();
    const status = child.status.then(({ code, signal }): Exit => {
      if (options.removeOnExit) Deno.removeSync(options.removeOnExit, { recursive: true });
      return { code, signal };
    });
    super(options.label, { stdout: child.stdout, stderr: child.stderr, status }, options);
    this.#child = child;
    this.#stdin = child.stdin.getWriter();
    this.#status = status;
    this.outputEnded.then(() => {
      this.#outputDone = true;
    });
  }

  /** The process id (of the command: `ip netns exec` becomes rt itself). */
  get pid(): number {
    return this.#child.pid;
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
    if (this.exited) return;
    try {
      this.#child.kill(signal);
    } catch {
      // Exited in between.
    }
  }

  /** SIGKILL to the process and (with {@link OWN_GROUP}) every process it started. */
  #killAll(): void {
    if (!OWN_GROUP) return this.kill("SIGKILL");
    try {
      Deno.kill(-this.#child.pid, "SIGKILL");
    } catch {
      // Every process of the group has exited already.
    }
  }

  /**
   * Waits for the process to exit and its output to end; SIGKILL when it has not exited
   * within `timeoutMs` (`late`). Closes stdin after.
   */
  async settle(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<{ exit: Exit; late: boolean }> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs));
    const first = await Promise.race([this.#status, late]);
    clearTimeout(timer);
    if (first === null) this.#killAll();
    const exit = await this.#status;
    await this.outputEnded;
    await this.closeStdin();
    return { exit, late: first === null };
  }

  /** As {@link settle}, failing (after the SIGKILL) when the process was late. */
  async exit(timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<Exit> {
    const { exit, late } = await this.settle(timeoutMs);
    if (late) {
      throw new Error(`[${this.label}] did not exit within ${timeoutMs} ms\n${this.describe()}`);
    }
    return exit;
  }

  /** Ends the process and what it started (SIGKILL if still running); releases every stream. */
  async dispose(): Promise<void> {
    // Whatever still holds the output open: the process, or what it started.
    if (!this.exited || !this.#outputDone) this.#killAll();
    await this.settle();
  }
}

/**
 * Runs `deno` (and programs around it) for the JSR tests, as a user's shell would: a clean
 * environment of the caller's choosing, a time limit, and the output kept for failure messages.
 * {@link JsonRt} drives one long-running `rt --json`, line by line.
 *
 * @module
 */
import { delimiter, join } from "node:path";

/** What a finished process printed, and how it ended. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The command line, for failure messages. */
  command: string;
}

/** Options of {@link run}. */
export interface RunOptions {
  /** The whole environment of the process (nothing else is inherited). */
  env: Record<string, string>;
  cwd?: string;
  /** Killed after this long, and the run fails. */
  timeoutMs: number;
}

const decoder = new TextDecoder();

/**
 * The environment a user's shell would give `deno`, without anything of this test run's Deno or
 * rt settings: `PATH`, `HOME`, temporary folders, what Windows needs to start a `.cmd`, proxies,
 * npm settings and extra certificate authorities (so the npm registry stays reachable as it is
 * for the user), `NO_COLOR=1` and `DENO_NO_UPDATE_CHECK=1` (no "new version" notice on
 * stderr), plus `extra`.
 */
export function userEnv(extra: Record<string, string>): Record<string, string> {
  const keep =
    /^(PATH|PATHEXT|COMSPEC|WINDIR|SYSTEMROOT|HOME|USERPROFILE|TMPDIR|TEMP|TMP|(HTTPS?|NO|ALL)_PROXY|NPM_CONFIG_.*|DENO_CERT|DENO_TLS_CA_STORE|NODE_EXTRA_CA_CERTS|SSL_CERT_(FILE|DIR))$/i;
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (keep.test(key)) env[key] = value;
  }
  return { ...env, NO_COLOR: "1", DENO_NO_UPDATE_CHECK: "1", ...extra };
}

/** A shell-like rendering of a command line, for messages. */
export function commandLine(program: string, args: string[]): string {
  return [program, ...args].map((a) => /^[\w@./:=,+-]+$/.test(a) ? a : JSON.stringify(a)).join(
    " ",
  );
}

/** Runs `program args` to its end (stdin closed) and returns what it printed. */
export async function run(
  program: string,
  args: string[],
  options: RunOptions,
): Promise<RunResult> {
  const command = commandLine(program, args);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs);
  try {
    const output = await new Deno.Command(program, {
      args,
      env: options.env,
      clearEnv: true,
      cwd: options.cwd,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      signal: controller.signal,
    }).output();
    const result = {
      code: output.code,
      stdout: decoder.decode(output.stdout),
      stderr: decoder.decode(output.stderr),
      command,
    };
    if (controller.signal.aborted) {
      throw new Error(`Timed out after ${options.timeoutMs} ms\n${describe(result)}`);
    }
    return result;
  } finally {
    clearTimeout(timer);
  }
}

/** A run's command, exit code and output, for a failure message. */
export function describe(result: RunResult): string {
  const indent = (text: string) =>
    text.trimEnd() === "" ? "  (nothing)" : text.trimEnd().split("\n").map((l) => `  ${l}`).join(
      "\n",
    );
  return `$ ${result.command}\nexit code ${result.code}\nstdout:\n${indent(result.stdout)}\n` +
    `stderr:\n${indent(result.stderr)}`;
}

/** The full path of `program` on `PATH` (and the sbin folders, where `ip` lives), or `null`. */
export function findProgram(program: string): string | null {
  const path = Deno.env.get("PATH") ?? "";
  for (const dir of [...path.split(delimiter), "/usr/sbin", "/sbin"]) {
    if (dir === "") continue;
    try {
      const candidate = join(dir, program);
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch {
      // Not there.
    }
  }
  return null;
}

/** One JSON event of `rt --json` (see the README's `--json` section). */
export type RtEvent = { type: string } & Record<string, unknown>;

/** One running `rt --json`: its events from stdout, lines typed on stdin. */
export class JsonRt {
  /** Every JSON event printed so far. */
  readonly events: RtEvent[] = [];
  readonly label: string;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #readers: Promise<void>;
  readonly #command: string;
  #stdout = "";
  #stderr = "";
  #stdoutDone = false;
  #stdinClosed = false;
  #code: number | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(label: string, program: string, args: string[], env: Record<string, string>) {
    this.label = label;
    this.#command = commandLine(program, args);
    this.#child = new Deno.Command(program, {
      args,
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#readers = Promise.all([this.#readStdout(), this.#readStderr()]).then(() => {});
    this.#child.status.then((status) => {
      this.#code = status.code;
      this.#notify();
    });
  }

  async #readStdout(): Promise<void> {
    let pending = "";
    for await (const chunk of this.#child.stdout.pipeThrough(new TextDecoderStream())) {
      this.#stdout += chunk;
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        this.#take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
      this.#notify();
    }
    this.#take(pending);
    this.#stdoutDone = true;
    this.#notify();
  }

  #take(line: string): void {
    if (!line.trim().startsWith("{")) return;
    try {
      this.events.push(JSON.parse(line));
    } catch {
      // Not JSON: kept in the raw stdout for failure messages.
    }
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += chunk;
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** The command, its output so far and its exit, for failure messages. */
  describe(): string {
    return describe({
      command: `[${this.label}] ${this.#command}`,
      code: this.#code ?? NaN,
      stdout: this.#stdout,
      stderr: this.#stderr,
    });
  }

  /** Waits for an event of `type` that passes `match` (seen already, or to come); fails at timeout. */
  next(
    type: string,
    match: (event: RtEvent) => boolean = () => true,
    timeoutMs = 30_000,
  ): Promise<RtEvent> {
    const find = () => this.events.find((e) => e.type === type && match(e));
    return new Promise((resolve, reject) => {
      const done = (error: Error | null, event?: RtEvent) => {
        this.#listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(event!);
      };
      const check = () => {
        const event = find();
        if (event) done(null, event);
        else if (this.#stdoutDone) {
          done(
            new Error(`[${this.label}] output ended before a "${type}" event\n${this.describe()}`),
          );
        }
      };
      const timer = setTimeout(
        () =>
          done(
            new Error(`[${this.label}] no "${type}" event in ${timeoutMs} ms\n${this.describe()}`),
          ),
        timeoutMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  /** Types one line on rt's stdin. */
  async type(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  /** Closes stdin: end of input (a joiner leaves; the host closes the room). */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    try {
      await this.#stdin.close();
    } catch {
      // Already gone.
    }
  }

  /** Waits for the exit (SIGKILL and failure after `timeoutMs`); resolves with the exit code. */
  async exit(timeoutMs = 30_000): Promise<number> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<"late">((resolve) =>
      timer = setTimeout(() => resolve("late"), timeoutMs)
    );
    const first = await Promise.race([this.#child.status, late]);
    clearTimeout(timer);
    if (first === "late") {
      await this.dispose();
      throw new Error(`[${this.label}] did not exit within ${timeoutMs} ms\n${this.describe()}`);
    }
    await this.#readers;
    await this.closeStdin();
    return first.code;
  }

  /** Ends the process if it still runs, and releases its streams. */
  async dispose(): Promise<void> {
    if (this.#code === null) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited in between.
      }
    }
    await this.#child.status;
    await this.#readers;
    await this.closeStdin();
  }
}

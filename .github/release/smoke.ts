/**
 * A smoke test of an rt executable, run on each native runner after the release build: the
 * version, `rt id`, and a real room on loopback (a host, a joiner, a message, both leaving).
 *
 * ```
 * deno run --allow-run --allow-env --allow-read --allow-write .github/release/smoke.ts -- ./rt
 * deno run ... .github/release/smoke.ts -- deno run --cached-only <rt's flags> main.ts
 * ```
 *
 * Prints one line per check; on a failure, says what failed with everything the programs
 * printed, and exits with status 1. Every wait has a time limit, so it never hangs.
 *
 * @module
 */
import { resolve } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import type { ChatEvent } from "../../lib/events.ts";

/** How long one wait may take before the smoke test fails. */
export const STEP_TIMEOUT_MS = 30_000;

/** rt's `--json` events, plus `rt id --json`'s `identity`. */
type Event = ChatEvent | {
  type: "identity";
  fingerprint: string;
  file: string;
  created: boolean;
};

/** A fingerprint: six groups of five digits. */
const FINGERPRINT = /^\d{5}( \d{5}){5}$/;

/** A check that did not pass. */
export class SmokeFailure extends Error {}

/**
 * A clean environment for rt: only what the operating system and Deno need (PATH, temp
 * folders, Deno's cache), so the machine's own `RT_PASSWORD`, `RT_HOME` or login name cannot
 * change what is tested.
 */
export function cleanEnv(): Record<string, string> {
  const keep =
    /^(PATH|HOME|USERPROFILE|SYSTEMROOT|WINDIR|TMPDIR|TEMP|TMP|XDG_CACHE_HOME|DENO_.*|NPM_CONFIG_.*)$/i;
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (keep.test(key)) env[key] = value;
  }
  return env;
}

/** Rejects after `ms` with `message`, unless `promise` settles first. */
async function within<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new SmokeFailure(`${message} (no answer in ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** One running rt, read as `--json` events. */
class Rt {
  readonly events: Event[] = [];
  readonly nonJson: string[] = [];
  stderr = "";
  readonly #label: string;
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #done: Promise<Deno.CommandStatus>;
  #stdinClosed = false;
  #outputEnded = false;
  #wake: () => void = () => {};

  constructor(label: string, command: string[], args: string[], env: Record<string, string>) {
    this.#label = label;
    const [program, ...before] = command as [string, ...string[]];
    this.#child = new Deno.Command(program, {
      args: [...before, ...args],
      env,
      clearEnv: true,
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    const reading = Promise.all([this.#readStdout(), this.#readStderr()]);
    this.#done = reading.then(() => this.#child.status);
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
      pending += chunk;
      let newline: number;
      while ((newline = pending.indexOf("\n")) >= 0) {
        take(pending.slice(0, newline));
        pending = pending.slice(newline + 1);
      }
      this.#wake();
    }
    take(pending);
    this.#outputEnded = true;
    this.#wake();
  }

  async #readStderr(): Promise<void> {
    for await (const chunk of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.stderr += chunk;
    }
  }

  /** Waits for the first event of `type` that passes `match`. */
  async next<T extends Event["type"]>(
    type: T,
    match: (event: Extract<Event, { type: T }>) => boolean = () => true,
  ): Promise<Extract<Event, { type: T }>> {
    const find = () =>
      this.events.find((e): e is Extract<Event, { type: T }> =>
        e.type === type && match(e as Extract<Event, { type: T }>)
      );
    const found = new Promise<Extract<Event, { type: T }>>((resolve, reject) => {
      const check = () => {
        const event = find();
        if (event) resolve(event);
        else if (this.#outputEnded) {
          reject(new SmokeFailure(`${this.#label} ended its output without a "${type}" event`));
        }
      };
      this.#wake = check;
      check();
    });
    try {
      return await within(found, STEP_TIMEOUT_MS, `${this.#label} printed no "${type}" event`);
    } finally {
      this.#wake = () => {};
    }
  }

  /** Types one line on stdin. */
  async type(line: string): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(line + "\n"));
  }

  /** Closes stdin: for rt, the end of input (a joiner leaves, a host closes the room). */
  async closeStdin(): Promise<void> {
    if (this.#stdinClosed) return;
    this.#stdinClosed = true;
    await this.#stdin.close().catch(() => {});
  }

  /** Waits for the exit (after the output has ended) and returns the exit code. */
  async exit(): Promise<number> {
    const status = await within(this.#done, STEP_TIMEOUT_MS, `${this.#label} did not exit`);
    await this.closeStdin();
    return status.code;
  }

  /** Ends the process if it still runs, and waits for its streams. */
  async dispose(): Promise<void> {
    try {
      this.#child.kill("SIGKILL");
    } catch {
      // It has exited already.
    }
    await this.#done;
    await this.closeStdin();
  }

  /** Everything the process printed, for a failure message. */
  describe(): string {
    const lines = [`--- ${this.#label}: ${this.events.length} events`];
    for (const event of this.events) lines.push(`  ${JSON.stringify(event)}`);
    for (const line of this.nonJson) lines.push(`  (not JSON) ${line}`);
    if (this.stderr.trim() !== "") lines.push(`--- ${this.#label}: stderr`, this.stderr.trimEnd());
    return lines.join("\n");
  }
}

/** Runs rt once to completion (stdin closed) and returns its exit code and output. */
async function runOnce(
  command: string[],
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const [program, ...before] = command as [string, ...string[]];
  const child = new Deno.Command(program, {
    args: [...before, ...args],
    env,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let late = false;
  const timer = setTimeout(() => {
    late = true;
    try {
      child.kill("SIGKILL");
    } catch {
      // It has exited already.
    }
  }, STEP_TIMEOUT_MS);
  const output = await child.output().finally(() => clearTimeout(timer));
  const stdout = new TextDecoder().decode(output.stdout);
  const stderr = new TextDecoder().decode(output.stderr);
  if (late) {
    const what = ["rt", ...args].join(" ");
    throw new SmokeFailure(
      `${what} did not exit within ${STEP_TIMEOUT_MS} ms:\n${stdout}${stderr}`,
    );
  }
  return { code: output.code, stdout, stderr };
}

/** Throws a {@link SmokeFailure} with `message` unless `ok`. */
function expect(ok: boolean, message: string): asserts ok {
  if (!ok) throw new SmokeFailure(message);
}

/**
 * Runs every check against `command` (the executable, then any arguments that come before
 * rt's own), printing one line per check passed through `log`. Throws a
 * {@link SmokeFailure} at the first check that fails.
 */
export async function smoke(
  command: string[],
  version: string = denoJson.version,
  log: (line: string) => void = console.log,
): Promise<void> {
  expect(command.length > 0, "No command given: smoke.ts -- COMMAND [ARGS...]");
  const homes: string[] = [];
  const processes: Rt[] = [];
  const envWithHome = async (extra: Record<string, string> = {}) => {
    const home = await Deno.makeTempDir({ prefix: "rt-smoke-home-" });
    homes.push(home);
    return { ...cleanEnv(), ...extra, RT_HOME: home };
  };
  try {
    // 1. The version.
    const shown = await runOnce(command, ["--version"], cleanEnv());
    expect(
      shown.code === 0 && shown.stdout.trim() === version,
      `rt --version should print ${version} and exit 0; it exited ${shown.code} and printed:\n` +
        `${shown.stdout}${shown.stderr}`,
    );
    log(`ok: rt --version prints ${version}`);

    // 2. An identity is made in a fresh RT_HOME.
    const idEnv = await envWithHome();
    const id = await runOnce(command, ["id", "--json"], idEnv);
    let identity: Extract<Event, { type: "identity" }> | undefined;
    try {
      const event = JSON.parse(id.stdout.trim()) as Event;
      if (event.type === "identity") identity = event;
    } catch {
      // Reported below.
    }
    expect(
      id.code === 0 && identity !== undefined && FINGERPRINT.test(identity.fingerprint),
      `rt id --json should print an "identity" event with a fingerprint and exit 0; it exited ` +
        `${id.code} and printed:\n${id.stdout}${id.stderr}`,
    );
    const keyFile = await Deno.stat(identity.file).catch(() => null);
    expect(
      identity.created && keyFile?.isFile === true,
      `rt id --json in a fresh RT_HOME should create its key file; it printed:\n${id.stdout}`,
    );
    log(`ok: rt id --json makes an identity in a fresh RT_HOME (${identity.fingerprint})`);

    // 3. A room on loopback: the host.
    const password = `smoke-${crypto.randomUUID()}`;
    const host = new Rt(
      "host (hana)",
      command,
      ["--json", "--bind", "127.0.0.1", "--no-upnp", "--no-announce", "--name", "hana"],
      await envWithHome({ RT_PASSWORD: password }),
    );
    processes.push(host);
    const listening = await host.next("listening");
    await host.next("welcome", (e) => e.name === "hana" && e.host);
    log(`ok: the host's room is open on 127.0.0.1 port ${listening.port}`);

    // 4. A joiner gets in with the password from its environment.
    const joiner = new Rt(
      "joiner (bob)",
      command,
      ["--json", "127.0.0.1", String(listening.port), "--name", "bob"],
      await envWithHome({ RT_PASSWORD: password }),
    );
    processes.push(joiner);
    const welcome = await joiner.next("welcome", (e) => e.name === "bob");
    expect(
      welcome.members.some((m) => m.name === "hana" && m.host),
      `bob's welcome does not list the host hana: ${JSON.stringify(welcome)}`,
    );
    await host.next("joined", (e) => e.name === "bob");
    log("ok: bob joined the room with the password from RT_PASSWORD");

    // 5. A message typed by the joiner reaches the host.
    const text = `hello from the smoke test ${crypto.randomUUID().slice(0, 8)}`;
    await joiner.type(text);
    const message = await host.next("message", (e) => e.text === text);
    expect(message.from === "bob", `the message came from ${message.from}, not bob`);
    log("ok: a message typed by bob reached the host");

    // 6. The end of stdin: bob leaves, then the host closes the room.
    await joiner.closeStdin();
    const joinerCode = await joiner.exit();
    expect(joinerCode === 0, `bob exited with code ${joinerCode} after leaving (expected 0)`);
    const left = await host.next("left", (e) => e.name === "bob");
    expect(left.reason === "quit", `the host saw bob leave with reason "${left.reason}"`);
    log("ok: bob left at the end of his input and exited with code 0");
    await host.closeStdin();
    const hostCode = await host.exit();
    expect(hostCode === 0, `the host exited with code ${hostCode} after closing (expected 0)`);
    log("ok: the host closed the room at the end of its input and exited with code 0");

    // 7. Nothing went wrong on the way.
    for (const p of processes) {
      const errors = p.events.filter((e) => e.type === "error" || e.type === "warning");
      expect(errors.length === 0, `errors or warnings were reported: ${JSON.stringify(errors)}`);
      expect(p.nonJson.length === 0, `rt --json printed lines that are not JSON`);
      expect(p.stderr.trim() === "", `rt wrote on stderr`);
    }
    log("ok: no errors, warnings, stray output or stderr");
  } catch (error) {
    if (error instanceof SmokeFailure && processes.length > 0) {
      error.message += "\n" + processes.map((p) => p.describe()).join("\n");
    }
    throw error;
  } finally {
    await Promise.all(processes.map((p) => p.dispose()));
    for (const home of homes) await Deno.remove(home, { recursive: true });
  }
}

/**
 * The command from smoke.ts's arguments (after an optional `--`); a first word that names an
 * existing file by a relative path is made absolute, so it runs the same in any folder.
 */
export function commandFromArgs(args: string[]): string[] {
  const command = args[0] === "--" ? args.slice(1) : [...args];
  const program = command[0];
  if (program !== undefined && /[\\/]/.test(program)) {
    try {
      if (Deno.statSync(program).isFile) command[0] = resolve(program);
    } catch {
      // Not a file here: run it as given.
    }
  }
  return command;
}

if (import.meta.main) {
  const command = commandFromArgs(Deno.args);
  console.log(`Smoke test of rt ${denoJson.version}: ${command.join(" ")}`);
  try {
    await smoke(command);
    console.log("Smoke test passed.");
  } catch (error) {
    console.error(
      `Smoke test FAILED: ${error instanceof Error ? error.message : String(error)}`,
    );
    Deno.exit(1);
  }
}

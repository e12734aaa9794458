/**
 * Runs `deno` (and programs around it) for the JSR tests, as a user's shell would: a clean
 * environment of the caller's choosing, a time limit, and the output kept for failure messages.
 * (A long-running `rt --json` is the e2e harness's `RtProcess`, given the program to start.)
 *
 * @module
 */
import { delimiter, join } from "node:path";
import { childEnv } from "../e2e/harness.ts";

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
  const { DENO_DIR: _, ...env } = childEnv();
  return { ...env, DENO_NO_UPDATE_CHECK: "1", ...extra };
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

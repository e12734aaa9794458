/**
 * Reads the tasks of `deno.json` as Deno's task shell would split them, so that the release
 * build, the tests and the benchmark run rt with exactly the flags the tasks give it (its
 * permissions, and V8's memory setting): one list, written once, in `deno.json`.
 *
 * @module
 */
import denoJson from "../../deno.json" with { type: "json" };

/** A task as `deno.json` may write it: a command line, or an object with one. */
export type Task = string | { command: string; dependencies?: string[]; description?: string };

/** The task that runs rt from a checkout with rt's permission flags. */
export const RUN_TASK = "rt";

/**
 * The task people type (`deno task start`): it runs {@link RUN_TASK} quietly, so that Deno
 * shows one short line (`Task start deno task -q rt`) before rt, not rt's flags.
 */
export const START_TASK = "start";

/** The names of the tasks that run rt itself, and so must all grant the same permissions. */
export const RT_TASKS = [RUN_TASK, "install", "compile"] as const;

/**
 * The words of a task's command line: quoted parts keep their spaces and lose their quotes.
 * (rt's tasks use no other shell syntax.)
 */
export function taskWords(task: Task): string[] {
  const command = typeof task === "string" ? task : task.command;
  return (command.match(/(?:[^\s"]+|"[^"]*")+/g) ?? []).map((word) => word.replaceAll('"', ""));
}

/**
 * The flags rt runs with among `words`: permissions (`--allow-*`, `--deny-*`, `--no-prompt`)
 * and `--v8-flags` (a young generation of at most 4 MiB a half: a host with a thousand idle
 * members holds about 145 MB rather than 200, at no measured cost in speed).
 */
export function runFlags(words: string[]): string[] {
  return words.filter((word) =>
    /^--(allow|deny)-[a-z]+(=|$)/.test(word) || word === "--no-prompt" ||
    word.startsWith("--v8-flags=")
  );
}

/** The command line of one of deno.json's tasks. */
export function task(name: string): Task {
  const tasks = denoJson.tasks as Record<string, Task>;
  const found = tasks[name];
  if (found === undefined) throw new Error(`deno.json has no task "${name}"`);
  return found;
}

/**
 * The flags rt runs with, from the `compile` task: what the executable gets, and what the
 * tests give `main.ts` so that a missing grant fails here and not on a user's machine.
 */
export function rtRunFlags(): string[] {
  const flags = runFlags(taskWords(task("compile")));
  if (!flags.includes("--allow-net")) {
    throw new Error(`Unexpected compile task: ${JSON.stringify(task("compile"))}`);
  }
  return flags;
}

/**
 * Reads the tasks of `deno.json` as Deno's task shell would split them, so that the release
 * build and the tests use exactly the permission flags the tasks give rt: one list, written
 * once, in `deno.json`.
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

/** The permission flags among `words`: `--allow-*`, `--deny-*` and `--no-prompt`. */
export function permissionFlags(words: string[]): string[] {
  return words.filter((word) => /^--(allow|deny)-[a-z]+(=|$)/.test(word) || word === "--no-prompt");
}

/** The command line of one of deno.json's tasks. */
export function task(name: string): Task {
  const tasks = denoJson.tasks as Record<string, Task>;
  const found = tasks[name];
  if (found === undefined) throw new Error(`deno.json has no task "${name}"`);
  return found;
}

/**
 * The permission flags rt runs with, from the `compile` task: what the executable gets, and
 * what the tests give `main.ts` so that a missing grant fails here and not on a user's machine.
 */
export function rtPermissionFlags(): string[] {
  const flags = permissionFlags(taskWords(task("compile")));
  if (!flags.includes("--allow-net")) {
    throw new Error(`Unexpected compile task: ${JSON.stringify(task("compile"))}`);
  }
  return flags;
}

/**
 * deno.json's tasks: every way of running rt grants the same, scoped permissions, none of them
 * contacts a registry once the dependencies are installed, and `deno task start` (what the
 * README tells people to type) shows a clean start.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  RT_TASKS,
  rtRunFlags,
  RUN_TASK,
  runFlags,
  START_TASK,
  task,
  taskWords,
} from "../../.github/release/task_flags.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";

Deno.test("the tasks that run rt (rt, install, compile) run with exactly the same flags (permissions, V8 memory)", () => {
  const expected = rtRunFlags();
  assertOk((RT_TASKS as readonly string[]).includes(RUN_TASK), `${RUN_TASK} carries rt's flags`);
  for (const name of RT_TASKS) {
    assertEquals(runFlags(taskWords(task(name))), expected, `the ${name} task`);
  }
});

Deno.test("start runs the rt task quietly and adds nothing of its own", () => {
  // `deno task` prints the command line of the task typed before running it: start's is short,
  // and the task it runs (with -q) prints nothing, so rt's own words come first.
  assertEquals(taskWords(task(START_TASK)), ["deno", "task", "-q", RUN_TASK]);
});

Deno.test("rt's permissions are named where they can be", () => {
  const flags = rtRunFlags();
  // Never everything, never other programs or native code.
  for (const refused of ["-A", "--allow-all", "--allow-run", "--allow-ffi", "--allow-import"]) {
    assertOk(!flags.some((f) => f === refused || f.startsWith(`${refused}=`)), refused);
  }
  const env = flags.find((f) => f.startsWith("--allow-env="));
  assertOk(env, "environment variables are named one by one");
  assertOk(env.split("=")[1]!.split(",").includes("RT_HOME"), env);
  assertOk(flags.includes("--allow-sys=networkInterfaces"), "system information: interfaces only");
  // A missing grant is an error, never a prompt that a binary or a pipe cannot answer.
  assertOk(flags.includes("--no-prompt"), flags.join(" "));
});

Deno.test("tasks that run rt install the locked dependencies first, then run with --cached-only", () => {
  const deps = taskWords(task("deps"));
  assertEquals(deps.slice(0, 2), ["deno", "install"]);
  assertOk(deps.includes("--frozen"), "deno.lock is the truth: never rewritten on the way");
  for (const name of [RUN_TASK, "install", "test", "ok", "compile"]) {
    const found = task(name);
    assertOk(typeof found === "object", `the ${name} task is an object with dependencies`);
    assertEquals((found as { dependencies?: string[] }).dependencies, ["deps"], name);
  }
  // start gets them through the task it runs (once: not a second time of its own).
  const start = task(START_TASK);
  assertEquals(typeof start === "object" ? start.dependencies : undefined, undefined, START_TASK);
  for (const name of [RUN_TASK, "test"]) {
    assertOk(taskWords(task(name)).includes("--cached-only"), `the ${name} task`);
  }
  // deno install --global needs the descriptions of npm packages that deno install --frozen
  // does not keep: it may fetch them, once, while installing. The installed rt then starts
  // offline (tests/e2e/offline_test.ts).
  const install = taskWords(task("install"));
  assertOk(!install.includes("--cached-only"), "the install task");
  // Left alone, deno install --global resolves indirect npm packages anew, into a lockfile of
  // its own beside its copy of deno.json. The task has it resolve from a copy of deno.lock
  // (never deno.lock itself, to which it adds a `links` section; by absolute path, as a
  // relative one is read from the install folder), then gives the installed rt that copy.
  // tests/e2e/offline_test.ts checks the result.
  const copy = "dist/rt-install/deno.lock";
  const line = install.join(" ");
  assertOk(line.includes(`cp deno.lock ${copy} && deno install --global `), line);
  assertOk(install.includes(`--lock=$(pwd)/${copy}`), "the install resolves from the copy");
  assertOk(!install.includes("--frozen"), "the copy gains a links section while installing");
  const given = line.slice(line.indexOf(" main.ts && ") + " main.ts && ".length);
  assertOk(given.startsWith(`cp ${copy} `), given);
  assertOk(given.endsWith("/.rt/deno.lock && rm -rf dist/rt-install"), given);
});

Deno.test("deno task start prints one short line, then rt; arguments and exit status pass through", async () => {
  const home = await Deno.makeTempDir({ prefix: "rt-start-task-" });
  try {
    // A name with spaces, and characters a shell would act on, reach rt as typed: rt answers
    // with the name, and exits 1 (nobody of that name to forget).
    const who = `carol "the" great's $HOME *`;
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["task", START_TASK, "peers", "forget", who],
      cwd: ROOT,
      env: { ...childEnv(), RT_HOME: home },
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout);
    // deno task colours its line even into a pipe.
    // deno-lint-ignore no-control-regex
    const stderr = new TextDecoder().decode(output.stderr).replace(/\x1b\[[0-9;]*m/g, "");
    const shown = `stdout:\n${stdout}\nstderr:\n${stderr}`;
    assertEquals(output.code, 1, shown);
    assertEquals(stdout, `rt does not know anyone called "${who}"\n`, shown);
    const lines = stderr.split("\n").filter((line) => line !== "");
    assertEquals(lines.length, 1, shown);
    const announced = `Task ${START_TASK} ${(task(START_TASK) as { command: string }).command} `;
    assertOk(lines[0]!.startsWith(announced), shown);
    assertOk(!lines[0]!.includes("--allow"), `rt's flags are not shown:\n${shown}`);
  } finally {
    await Deno.remove(home, { recursive: true });
  }
});

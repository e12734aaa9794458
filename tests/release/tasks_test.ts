/**
 * deno.json's tasks: every way of running rt grants the same, scoped permissions, and none of
 * them contacts a registry once the dependencies are installed.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  permissionFlags,
  RT_TASKS,
  rtPermissionFlags,
  task,
  taskWords,
} from "../../.github/release/task_flags.ts";

Deno.test("start, install and compile grant rt exactly the same permissions", () => {
  const expected = rtPermissionFlags();
  for (const name of RT_TASKS) {
    assertEquals(permissionFlags(taskWords(task(name))), expected, `the ${name} task`);
  }
});

Deno.test("rt's permissions are named where they can be", () => {
  const flags = rtPermissionFlags();
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
  for (const name of ["start", "install", "test", "ok", "compile"]) {
    const found = task(name);
    assertOk(typeof found === "object", `the ${name} task is an object with dependencies`);
    assertEquals((found as { dependencies?: string[] }).dependencies, ["deps"], name);
  }
  for (const name of ["start", "test"]) {
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

/**
 * The release smoke test, run here against `deno run --cached-only <rt's flags> main.ts`:
 * exactly the permission flags the executable is compiled with (`rtRunFlags()`), and
 * nothing more, so a grant the executable lacks fails here first.
 *
 * @module
 */
import { isAbsolute, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { assertEquals, assertOk } from "../assert.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";
import { rtRunFlags } from "../../.github/release/task_flags.ts";
import { commandFromArgs } from "../../.github/release/smoke.ts";
import denoJson from "../../deno.json" with { type: "json" };

/** Runs smoke.ts as the workflow does (its own permissions) against `command`. */
async function smoke(command: string[]) {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      "--allow-run",
      "--allow-env",
      "--allow-read",
      "--allow-write",
      ".github/release/smoke.ts",
      "--",
      ...command,
    ],
    cwd: ROOT,
    env: childEnv(),
    clearEnv: true,
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** rt from source, with exactly rt's permission flags. */
const RT = [Deno.execPath(), "run", "--cached-only", ...rtRunFlags(), "main.ts"];

Deno.test("the smoke test passes on rt run with exactly the executable's permissions", async () => {
  const result = await smoke(RT);
  const output = `${result.stdout}${result.stderr}`;
  assertEquals(result.code, 0, output);
  const checks = result.stdout.split("\n").filter((line) => line.startsWith("ok: "));
  assertEquals(checks.length, 8, output);
  assertOk(checks[0]!.includes(`prints ${denoJson.version}`), output);
  assertOk(result.stdout.includes("Smoke test passed."), output);
  assertEquals(result.stderr, "");
});

Deno.test("the smoke test fails, saying why, when rt lacks a permission it needs", async () => {
  // Without network access the room cannot open.
  const flags = rtRunFlags().filter((flag) => !flag.startsWith("--allow-net"));
  const result = await smoke([Deno.execPath(), "run", "--cached-only", ...flags, "main.ts"]);
  assertEquals(result.code, 1, result.stdout + result.stderr);
  assertOk(result.stderr.includes("Smoke test FAILED"), result.stderr);
  assertOk(result.stderr.includes('"listening"'), result.stderr);
  assertOk(result.stderr.includes("--allow-net"), result.stderr);
});

Deno.test("the smoke test fails on a program that prints another version", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-smoke-" });
  try {
    const script = `${dir}/fake.ts`;
    await Deno.writeTextFile(script, 'console.log("0.0.0");\n');
    const result = await smoke([Deno.execPath(), "run", script]);
    assertEquals(result.code, 1, result.stdout + result.stderr);
    assertOk(
      result.stderr.includes(`rt --version should print ${denoJson.version}`),
      result.stderr,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("smoke.ts takes the command after --, made absolute when it is a path to a file", () => {
  assertEquals(commandFromArgs(["--", "deno", "run", "main.ts"]), ["deno", "run", "main.ts"]);
  assertEquals(commandFromArgs(["rt"]), ["rt"]);
  assertEquals(commandFromArgs(["--", "./no/such/file"]), ["./no/such/file"]);
  // A file of the repository, by a relative path from where the tests run.
  const file = fileURLToPath(new URL("../../deno.json", import.meta.url));
  const path = relative(Deno.cwd(), file) || file;
  const command = commandFromArgs(["--", /[\\/]/.test(path) ? path : `./${path}`, "x"]);
  assertEquals(command, [resolve(file), "x"]);
  assertOk(isAbsolute(command[0]!));
});

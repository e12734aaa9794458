/**
 * The room password from outside rt: `--password-file` (its last line break left out), else
 * RT_PASSWORD; a file that cannot be used is said plainly.
 */
import { join } from "node:path";
import { assertEquals, assertRejects } from "../assert.ts";
import { passwordFromOutside } from "../../lib/cli/password.ts";
import { RtError } from "../../lib/errors.ts";

/** Runs `fn` with RT_PASSWORD set to `value` (unset when undefined), then puts it back. */
async function withRtPassword<T>(value: string | undefined, fn: () => Promise<T>): Promise<T> {
  const before = Deno.env.get("RT_PASSWORD");
  const set = (v: string | undefined) =>
    v === undefined ? Deno.env.delete("RT_PASSWORD") : Deno.env.set("RT_PASSWORD", v);
  set(value);
  try {
    return await fn();
  } finally {
    set(before);
  }
}

Deno.test("a password file: its text, less one final line break", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string, string][] = [
      ["correct horse\n", "correct horse"],
      ["correct horse\r\n", "correct horse"],
      ["no break", "no break"],
      ["two breaks\n\n", "two breaks\n"],
      ["  spaces kept  \n", "  spaces kept  "],
    ];
    for (const [i, [text, password]] of cases.entries()) {
      const file = join(dir, `pw${i}`);
      await Deno.writeTextFile(file, text);
      // The file wins over RT_PASSWORD.
      assertEquals(await withRtPassword("from env", () => passwordFromOutside(file)), password);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an empty or missing password file is refused, naming the file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const text of ["", "\n", "\r\n"]) {
      const file = join(dir, "empty");
      await Deno.writeTextFile(file, text);
      await assertRejects(
        () => passwordFromOutside(file),
        (e) =>
          e instanceof RtError && e.code === "password-file" &&
          e.message === `The password file "${file}" is empty`,
      );
    }
    const missing = join(dir, "missing");
    await assertRejects(
      () => passwordFromOutside(missing),
      (e) =>
        e instanceof RtError && e.code === "password-file" &&
        e.message.startsWith(`Could not read the password file "${missing}": `),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without a file: RT_PASSWORD, unless unset or empty", async () => {
  assertEquals(await withRtPassword("s3cret", () => passwordFromOutside(undefined)), "s3cret");
  assertEquals(await withRtPassword("", () => passwordFromOutside(undefined)), undefined);
  assertEquals(await withRtPassword(undefined, () => passwordFromOutside(undefined)), undefined);
});

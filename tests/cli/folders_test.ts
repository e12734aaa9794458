/**
 * rt's folders: its own (RT_HOME here), the downloads folder and the IP database's, made when
 * they must be, and refused in plain words when they cannot be.
 */
import { join, resolve } from "node:path";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { downloadsFolder, ipdbFolder, rtFolder } from "../../lib/cli/folders.ts";
import { RtError } from "../../lib/errors.ts";

Deno.test("rt's folder is RT_HOME, made (with its parents) when missing", async () => {
  const dir = await Deno.makeTempDir();
  const before = Deno.env.get("RT_HOME");
  try {
    const home = join(dir, "a", "rt");
    Deno.env.set("RT_HOME", home);
    assertEquals(await rtFolder(), home);
    assertOk((await Deno.stat(home)).isDirectory);
    if (Deno.build.os !== "windows") assertEquals((await Deno.stat(home)).mode! & 0o777, 0o700);
  } finally {
    if (before === undefined) Deno.env.delete("RT_HOME");
    else Deno.env.set("RT_HOME", before);
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("downloads: in rt's folder unless named; a named one is made at once", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The default one is made when the first file arrives, not now.
    assertEquals(await downloadsFolder(dir, undefined), join(dir, "downloads"));
    assertOk(!(await exists(join(dir, "downloads"))));
    const named = join(dir, "in", "box");
    assertEquals(await downloadsFolder(dir, named), named);
    assertOk((await Deno.stat(named)).isDirectory);
    // A relative name is from where rt runs.
    assertEquals(await downloadsFolder(dir, "."), resolve("."));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file where the downloads folder should be: named, with the way out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "taken");
    await Deno.writeTextFile(file, "");
    await assertRejects(
      () => downloadsFolder(dir, file),
      (e) =>
        e instanceof RtError && e.code === "store" &&
        e.message === `rt cannot make the downloads folder ${file} (a file of that name is in ` +
            "the way): choose another with --downloads",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the IP database is kept in rt's folder", () => {
  assertEquals(ipdbFolder(join("home", "rt")), join("home", "rt", "cache", "ipdb"));
});

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.stat(path);
    return true;
  } catch {
    return false;
  }
}

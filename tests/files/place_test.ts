import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { placeFile, reserveFolder } from "../../lib/files/place.ts";
import { exists, withTempDir } from "./support.ts";

const text = (s: string) => new TextEncoder().encode(s);

/** A file with `content` in `dir`'s staging folder, to be placed. */
async function source(dir: string, name: string, content: string): Promise<string> {
  await Deno.mkdir(join(dir, "staging"), { recursive: true });
  const path = join(dir, "staging", name);
  await Deno.writeFile(path, text(content));
  return path;
}

Deno.test("placeFile moves the file in under its name and leaves no source behind", async () => {
  await withTempDir(async (dir) => {
    const from = await source(dir, "part", "hello");
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    const path = await placeFile(from, downloads, "cat.jpg");
    assertEquals(path, join(downloads, "cat.jpg"));
    assertEquals(await Deno.readTextFile(path), "hello");
    assertEquals(await exists(from), false);
    const { nlink } = await Deno.stat(path);
    if (nlink !== null) assertEquals(nlink, 1);
  });
});

Deno.test("placeFile never overwrites: taken names become name (1).ext, name (2).ext", async () => {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    await Deno.writeTextFile(join(downloads, "cat.jpg"), "first");
    const second = await placeFile(await source(dir, "a", "second"), downloads, "cat.jpg");
    assertEquals(second, join(downloads, "cat (1).jpg"));
    const third = await placeFile(await source(dir, "b", "third"), downloads, "cat.jpg");
    assertEquals(third, join(downloads, "cat (2).jpg"));
    assertEquals(await Deno.readTextFile(join(downloads, "cat.jpg")), "first");
    assertEquals(await Deno.readTextFile(second), "second");
    assertEquals(await Deno.readTextFile(third), "third");
    // No extension, a hidden name: the number goes at the end.
    await Deno.writeTextFile(join(downloads, "README"), "x");
    assertEquals(
      await placeFile(await source(dir, "c", "y"), downloads, "README"),
      join(downloads, "README (1)"),
    );
    await Deno.writeTextFile(join(downloads, ".profile"), "x");
    assertEquals(
      await placeFile(await source(dir, "d", "y"), downloads, ".profile"),
      join(downloads, ".profile (1)"),
    );
  });
});

Deno.test("placeFile does not replace a folder of the same name", async () => {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "downloads");
    await Deno.mkdir(join(downloads, "photos"), { recursive: true });
    await Deno.writeTextFile(join(downloads, "photos", "inside"), "kept");
    const path = await placeFile(await source(dir, "a", "file"), downloads, "photos");
    assertEquals(path, join(downloads, "photos (1)"));
    assertEquals(await Deno.readTextFile(join(downloads, "photos", "inside")), "kept");
    assertEquals(await Deno.readTextFile(path), "file");
  });
});

Deno.test("placeFile creates a missing folder, however deep", async () => {
  await withTempDir(async (dir) => {
    const target = join(dir, "downloads", "album", "2024", "may");
    const from = await source(dir, "part", "deep");
    const path = await placeFile(from, target, "x.txt");
    assertEquals(path, join(target, "x.txt"));
    assertEquals(await Deno.readTextFile(path), "deep");
    assertEquals(await exists(from), false);
  });
});

Deno.test("concurrent placeFile calls for one name each claim a different name", async () => {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    await Deno.writeTextFile(join(downloads, "a.txt"), "already here");
    const count = 12;
    const sources = await Promise.all(
      Array.from({ length: count }, (_, i) => source(dir, `s${i}`, `content ${i}`)),
    );
    const paths = await Promise.all(sources.map((s) => placeFile(s, downloads, "a.txt")));
    assertEquals(new Set(paths).size, count);
    assertOk(!paths.includes(join(downloads, "a.txt")));
    const contents = await Promise.all(paths.map((p) => Deno.readTextFile(p)));
    assertEquals(
      contents.toSorted(),
      Array.from({ length: count }, (_, i) => `content ${i}`).toSorted(),
    );
    assertEquals(await Deno.readTextFile(join(downloads, "a.txt")), "already here");
    for (const s of sources) assertEquals(await exists(s), false);
    const names = [];
    for await (const entry of Deno.readDir(downloads)) names.push(entry.name);
    assertEquals(names.length, count + 1);
  });
});

Deno.test("reserveFolder claims the name, or the first free name (n)", async () => {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "downloads");
    assertEquals(await reserveFolder(downloads, "album"), "album");
    assertOk((await Deno.stat(join(downloads, "album"))).isDirectory);
    assertEquals(await reserveFolder(downloads, "album"), "album (1)");
    assertEquals(await reserveFolder(downloads, "album"), "album (2)");
    // A file in the way counts as taken, and stays as it was.
    await Deno.writeTextFile(join(downloads, "notes"), "file");
    assertEquals(await reserveFolder(downloads, "notes"), "notes (1)");
    assertEquals(await Deno.readTextFile(join(downloads, "notes")), "file");
    // The folder that was there is left alone (and empty as it was).
    const entries = [];
    for await (const entry of Deno.readDir(join(downloads, "album"))) entries.push(entry.name);
    assertEquals(entries, []);
  });
});

Deno.test("concurrent reserveFolder calls never share a folder", async () => {
  await withTempDir(async (dir) => {
    const names = await Promise.all(
      Array.from({ length: 10 }, () => reserveFolder(join(dir, "downloads"), "dir")),
    );
    assertEquals(new Set(names).size, 10);
    assertOk(names.includes("dir"));
  });
});

import { join } from "node:path";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { collectFiles } from "../../lib/files/collect.ts";
import { RtError, type RtErrorCode } from "../../lib/errors.ts";
import { withTempDir } from "./support.ts";

const JPEG = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
const PNG = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 9]);
/**
 * Committed symbolic links: album/notes-link -> ../notes.txt, album/elsewhere-link ->
 * ../elsewhere, album/2024/loop -> .., album/broken -> ../nowhere, shortcut -> album, broken ->
 * nowhere. (`Deno.symlink` needs write access everywhere, which `deno task test` grants; the
 * test of links out of a folder makes its own, to `/` among others.)
 */
const LINKS = await Deno.realPath(new URL("../testdata/send", import.meta.url));
/** Git checks links out as plain files on Windows. */
const NO_LINKS = Deno.build.os === "windows";

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

function rtError(code: RtErrorCode, mentions: string) {
  return (e: unknown) => {
    assertOk(e instanceof RtError, String(e));
    assertEquals(e.code, code, e.message);
    assertOk(e.message.includes(mentions), e.message);
    return true;
  };
}

Deno.test("a folder keeps its name, its files come sorted, each sized, typed and hashed", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "photos", "2024"), { recursive: true });
    await Deno.writeFile(join(dir, "photos", "b.jpg"), JPEG);
    await Deno.writeFile(join(dir, "photos", "a.png"), PNG);
    await Deno.writeFile(join(dir, "photos", "2024", "cat.jpg"), JPEG);
    await Deno.writeTextFile(join(dir, "notes.txt"), "first notes");
    const big = new Uint8Array(3 * 1024 * 1024 + 3).map((_, i) => i % 251);
    await Deno.writeFile(join(dir, "big.bin"), big);
    const seen: [string, number][] = [];
    const files = await collectFiles([
      join(dir, "photos"),
      join(dir, "notes.txt"),
      join(dir, "big.bin"),
    ], {
      onFile: (path, index) => seen.push([path, index]),
    });
    assertEquals(files.map((f) => [f.path, f.source, f.size, f.type]), [
      ["photos/2024/cat.jpg", join(dir, "photos", "2024", "cat.jpg"), 7, "image/jpeg"],
      ["photos/a.png", join(dir, "photos", "a.png"), 9, "image/png"],
      ["photos/b.jpg", join(dir, "photos", "b.jpg"), 7, "image/jpeg"],
      ["notes.txt", join(dir, "notes.txt"), 11, "text/plain"],
      ["big.bin", join(dir, "big.bin"), big.length, "application/octet-stream"],
    ]);
    assertEquals(seen, files.map((f, i) => [f.path, i]));
    for (const file of files) {
      assertEquals(file.hash, await sha256(await Deno.readFile(file.source)), file.path);
    }
  });
});

Deno.test("streamed: files are tagged, not hashed; the same file keeps its tag until changed", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "photos"));
    await Deno.writeFile(join(dir, "photos", "a.jpg"), JPEG);
    await Deno.writeFile(join(dir, "photos", "b.jpg"), JPEG);
    let hashed = 0;
    const collect = () =>
      collectFiles([join(dir, "photos")], { streamed: true, onHashed: () => hashed++ });
    const files = await collect();
    assertEquals(files.map((f) => [f.path, f.size, f.type, f.hash]), [
      ["photos/a.jpg", 7, "image/jpeg", undefined],
      ["photos/b.jpg", 7, "image/jpeg", undefined],
    ]);
    assertEquals(hashed, 0, "nothing is read to hash it");
    const [a, b] = files.map((f) => f.tag!);
    assertEquals([a!.length, b!.length], [16, 16]);
    // Same content, another file: another tag (each gets its own part).
    assertOk(a!.some((byte, i) => byte !== b![i]));
    // Offered again, unchanged: the same tags (a stopped transfer carries on from its parts).
    assertEquals((await collect()).map((f) => f.tag), [a, b]);
    // Written to since: a new tag for that file.
    await Deno.utime(join(dir, "photos", "b.jpg"), new Date(), new Date(Date.now() + 5000));
    assertEquals((await collect()).map((f) => f.tag)[0], a);
    assertOk((await collect())[1]!.tag!.some((byte, i) => byte !== b![i]));
  });
});

Deno.test("paths are taken relative to the current folder", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "album"));
    await Deno.writeFile(join(dir, "album", "x.jpg"), JPEG);
    const cwd = Deno.cwd();
    Deno.chdir(dir);
    try {
      const files = await collectFiles(["album", "./album/x.jpg"]);
      assertEquals(files.map((f) => [f.path, f.source]), [
        ["album/x.jpg", join(dir, "album", "x.jpg")],
        ["x.jpg", join(dir, "album", "x.jpg")],
      ]);
    } finally {
      Deno.chdir(cwd);
    }
  });
});

Deno.test({
  name: "links out of a folder, to folders, and broken links inside folders are not followed",
  ignore: NO_LINKS,
  fn: async () => {
    const skipped: string[] = [];
    const files = await collectFiles([join(LINKS, "album")], {
      onSkippedLink: (path) => skipped.push(path),
    });
    assertEquals(files.map((f) => [f.path, f.source, f.size]), [
      ["album/2024/c.txt", join(LINKS, "album", "2024", "c.txt"), 4],
      ["album/a.txt", join(LINKS, "album", "a.txt"), 2],
      ["album/b.txt", join(LINKS, "album", "b.txt"), 3],
    ]);
    // notes-link and elsewhere-link lead out of the album: the user is told.
    assertEquals(skipped, ["album/elsewhere-link", "album/notes-link"]);
    // A link the user names is followed, even to a folder; naming the folder too sends it once.
    const shortcut = await collectFiles([join(LINKS, "shortcut"), join(LINKS, "album")]);
    assertEquals(shortcut.map((f) => f.path), [
      "shortcut/2024/c.txt",
      "shortcut/a.txt",
      "shortcut/b.txt",
    ]);
    assertEquals(shortcut[1]?.source, join(LINKS, "shortcut", "a.txt"));
    await assertRejects(
      () => collectFiles([join(LINKS, "broken")]),
      rtError("file-not-found", join(LINKS, "broken")),
    );
  },
});

Deno.test({
  name: "a device is not a regular file: skipped",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await assertRejects(
      () => collectFiles(["/dev/null"]),
      rtError("nothing-to-send", "/dev/null"),
    );
  },
});

Deno.test("same base names get ' (1)' suffixes; the same path named twice is sent once", async () => {
  await withTempDir(async (dir) => {
    for (const sub of ["a", "b", "c", "d"]) await Deno.mkdir(join(dir, sub));
    await Deno.writeTextFile(join(dir, "a", "notes.txt"), "a");
    await Deno.writeTextFile(join(dir, "b", "notes.txt"), "b");
    await Deno.writeTextFile(join(dir, "c", "NOTES.txt"), "c");
    await Deno.mkdir(join(dir, "d", "notes.txt"));
    await Deno.writeTextFile(join(dir, "d", "notes.txt", "inside"), "d");
    const files = await collectFiles([
      join(dir, "a", "notes.txt"),
      join(dir, "b", "notes.txt"),
      join(dir, "a", "notes.txt"),
      `${join(dir, "a")}/../a/notes.txt`,
      join(dir, "c", "NOTES.txt"),
      join(dir, "d", "notes.txt"),
    ]);
    assertEquals(files.map((f) => [f.path, f.source]), [
      ["notes.txt", join(dir, "a", "notes.txt")],
      ["notes (1).txt", join(dir, "b", "notes.txt")],
      ["NOTES (2).txt", join(dir, "c", "NOTES.txt")],
      ["notes (3).txt/inside", join(dir, "d", "notes.txt", "inside")],
    ]);
  });
});

Deno.test("missing, empty, too many: errors in plain words naming the path", async () => {
  await withTempDir(async (dir) => {
    await Deno.mkdir(join(dir, "empty", "deeper"), { recursive: true });
    await Deno.mkdir(join(dir, "three"));
    for (const name of ["1", "2", "3"]) await Deno.writeTextFile(join(dir, "three", name), name);
    await assertRejects(
      () => collectFiles([join(dir, "three"), join(dir, "missing.txt")]),
      rtError("file-not-found", join(dir, "missing.txt")),
    );
    await assertRejects(
      () => collectFiles([join(dir, "empty")]),
      rtError("nothing-to-send", join(dir, "empty")),
    );
    await assertRejects(() => collectFiles([]), rtError("nothing-to-send", "Name at least one"));
    await assertRejects(
      () => collectFiles([join(dir, "three")], { maxFiles: 2 }),
      rtError("too-many-files", join(dir, "three")),
    );
    assertEquals((await collectFiles([join(dir, "three")], { maxFiles: 3 })).length, 3);
  });
});

const UNREADABLE = "unreadable files and folders are said to be unreadable";
/** Set in the child that runs the unreadable-file test as root without its power to read all. */
const WITHOUT_DAC = "RT_TEST_WITHOUT_DAC_OVERRIDE";

/**
 * Runs the test named `UNREADABLE` again in a child process that is still root but without the
 * capabilities that let root read any file (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH), so that
 * permissions stop it as they stop anyone else.
 */
async function runUnreadableWithoutDacOverride(): Promise<void> {
  const output = await new Deno.Command("setpriv", {
    args: [
      "--bounding-set=-dac_override,-dac_read_search",
      Deno.execPath(),
      "test",
      "--cached-only",
      "--allow-read",
      "--allow-write",
      "--allow-env",
      "--filter",
      UNREADABLE,
      new URL(import.meta.url).pathname,
    ],
    env: { [WITHOUT_DAC]: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout) + new TextDecoder().decode(output.stderr);
  assertOk(output.success, text);
  assertOk(/ok \| 1 passed \| 0 failed/.test(text), text);
}

Deno.test({
  name: UNREADABLE,
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await withTempDir(async (dir) => {
      await Deno.mkdir(join(dir, "locked"));
      await Deno.writeTextFile(join(dir, "locked", "inside"), "x");
      await Deno.writeTextFile(join(dir, "private.txt"), "x");
      await Deno.chmod(join(dir, "private.txt"), 0o000);
      await Deno.chmod(join(dir, "locked"), 0o000);
      try {
        // Permissions do not stop root (as CI runs): check again in a child that they stop.
        if (await Deno.readTextFile(join(dir, "private.txt")).then(() => true, () => false)) {
          assertOk(!Deno.env.get(WITHOUT_DAC), "root still reads everything without DAC override");
          assertEquals(Deno.build.os, "linux", "only Linux can take root's power to read all");
          return await runUnreadableWithoutDacOverride();
        }
        await assertRejects(
          () => collectFiles([join(dir, "private.txt")]),
          rtError("file-unreadable", join(dir, "private.txt")),
        );
        await assertRejects(
          () => collectFiles([join(dir, "locked")]),
          rtError("file-unreadable", join(dir, "locked")),
        );
      } finally {
        await Deno.chmod(join(dir, "locked"), 0o700);
      }
    });
  },
});

Deno.test({
  name: "/send FOLDER never follows a link out of the folder: to a file outside, or to /",
  ignore: NO_LINKS,
  fn: async () => {
    await withTempDir(async (dir) => {
      const share = join(dir, "share");
      await Deno.mkdir(join(share, "sub"), { recursive: true });
      await Deno.writeTextFile(join(share, "a.txt"), "inside");
      await Deno.writeTextFile(join(share, "sub", "b.txt"), "inside too");
      await Deno.writeTextFile(join(dir, "secret.txt"), "outside: not to be sent");
      await Deno.symlink("../secret.txt", join(share, "relative-out"));
      await Deno.symlink(join(dir, "secret.txt"), join(share, "absolute-out"));
      await Deno.symlink("/", join(share, "root"));
      await Deno.symlink("../../secret.txt", join(share, "sub", "deeper-out"));
      await Deno.symlink("/etc/passwd", join(share, "sub", "passwd"));
      // Links that stay inside the folder are fine: the file is sent under the link's name.
      await Deno.symlink("a.txt", join(share, "same-as-a"));
      await Deno.symlink("../a.txt", join(share, "sub", "up-to-a"));
      await Deno.symlink(join(share, "sub", "b.txt"), join(share, "absolute-in"));
      await Deno.symlink("..", join(share, "sub", "loop"));
      const skipped: string[] = [];
      const files = await collectFiles([share], { onSkippedLink: (path) => skipped.push(path) });
      assertEquals(files.map((f) => [f.path, f.source]), [
        ["share/a.txt", join(share, "a.txt")],
        ["share/absolute-in", join(share, "sub", "b.txt")],
        ["share/same-as-a", join(share, "a.txt")],
        ["share/sub/b.txt", join(share, "sub", "b.txt")],
        ["share/sub/up-to-a", join(share, "a.txt")],
      ]);
      for (const file of files) {
        assertEquals(file.hash, await sha256(await Deno.readFile(file.source)), file.path);
      }
      assertEquals(skipped, [
        "share/absolute-out",
        "share/relative-out",
        "share/root",
        "share/sub/deeper-out",
        "share/sub/passwd",
      ]);
      // Naming the secret itself is the user's choice, and is honoured.
      const named = await collectFiles([join(share, "relative-out")]);
      assertEquals(named.map((f) => f.size), [23]);
    });
  },
});

/**
 * The release build's packaging: `.github/release/build.ts --binary` run as the workflow runs
 * it, for all five targets; every archive read back (here, and with the system's `tar`,
 * `unzip` and `sha256sum` where they are installed) for its name, its one top-level folder,
 * its files, rt's mode 0755, and SHA256SUMS.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { available } from "../e2e/programs.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";
import { rtPermissionFlags } from "../../.github/release/task_flags.ts";
import {
  archiveName,
  compileArgs,
  executableName,
  folderName,
  parseBuildArgs,
  TARGETS,
  VERSION,
} from "../../.github/release/build.ts";

const FAKE_RT = "#!/bin/sh\necho 'a stand-in for rt'\n";

/** One entry read back from an archive. */
interface Entry {
  name: string;
  /** The unix permission bits (`mode & 0o777`). */
  mode: number;
  folder: boolean;
  data: Uint8Array;
}

/** The entries of a `.tar.gz`, read from its ustar headers. */
function readTarGz(bytes: Uint8Array): Entry[] {
  const tar = new Uint8Array(gunzipSync(bytes));
  const text = (from: number, length: number) =>
    new TextDecoder().decode(tar.subarray(from, from + length)).replace(/\0.*$/s, "");
  const entries: Entry[] = [];
  let at = 0;
  while (at + 512 <= tar.length && tar[at] !== 0) {
    const size = parseInt(text(at + 124, 12), 8);
    const type = text(at + 156, 1);
    assertOk(type === "0" || type === "5", `tar entry type "${type}" at ${at}`);
    entries.push({
      name: text(at, 100),
      mode: parseInt(text(at + 100, 8), 8) & 0o777,
      folder: type === "5",
      data: tar.slice(at + 512, at + 512 + size),
    });
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** The entries of a `.zip`, from its central directory; `madeBy` is the host system byte. */
function readZip(bytes: Uint8Array): (Entry & { madeBy: number })[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const end = bytes.length - 22;
  assertEquals(view.getUint32(end, true), 0x06054b50, "end of central directory");
  const count = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  const entries: (Entry & { madeBy: number })[] = [];
  for (let i = 0; i < count; i++) {
    assertEquals(view.getUint32(at, true), 0x02014b50, "central directory entry");
    const method = view.getUint16(at + 10, true);
    const packedSize = view.getUint32(at + 20, true);
    const nameLength = view.getUint16(at + 28, true);
    const skip = nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
    const unixMode = view.getUint32(at + 38, true) >>> 16;
    const local = view.getUint32(at + 42, true);
    const name = new TextDecoder().decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const dataAt = local + 30 + view.getUint16(local + 26, true) + view.getUint16(local + 28, true);
    const packed = bytes.subarray(dataAt, dataAt + packedSize);
    entries.push({
      name,
      mode: unixMode & 0o777,
      folder: (unixMode & 0o170000) === 0o040000,
      data: method === 8 ? new Uint8Array(inflateRawSync(packed)) : packed.slice(),
      madeBy: view.getUint8(at + 5),
    });
    at += 46 + skip;
  }
  return entries;
}

/** Runs a program; returns its exit code and output. */
async function run(program: string, args: string[], cwd: string | URL) {
  const { code, stdout, stderr } = await new Deno.Command(program, { args, cwd }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

Deno.test("deno compile gets exactly the compile task's flags, --include, --target and --output", () => {
  for (const target of TARGETS) {
    assertEquals(compileArgs(target, "/out/rt"), [
      "compile",
      ...rtPermissionFlags(),
      "--include",
      "lib/tui/picture_worker.ts",
      "--target",
      target,
      "--output",
      "/out/rt",
      "main.ts",
    ]);
  }
});

Deno.test("archive names follow the spec", () => {
  assertEquals(
    TARGETS.map((t) => archiveName("1.2.3", t)),
    [
      "rt-1.2.3-x86_64-unknown-linux-gnu.tar.gz",
      "rt-1.2.3-aarch64-unknown-linux-gnu.tar.gz",
      "rt-1.2.3-x86_64-apple-darwin.tar.gz",
      "rt-1.2.3-aarch64-apple-darwin.tar.gz",
      "rt-1.2.3-x86_64-pc-windows-msvc.zip",
    ],
  );
  assertEquals(TARGETS.map(executableName), ["rt", "rt", "rt", "rt", "rt.exe"]);
});

Deno.test("build.ts refuses an unknown target and a missing --out", () => {
  assertThrows(
    () => parseBuildArgs(["--out", "x", "--target", "x86_64-unknown-freebsd"]),
    (e) => e instanceof Error && e.message.includes('Unknown target "x86_64-unknown-freebsd"'),
  );
  assertThrows(
    () => parseBuildArgs(["--target", "aarch64-apple-darwin"]),
    (e) => e instanceof Error && e.message.includes("--out"),
  );
  assertEquals(
    parseBuildArgs(["--out", "d", "--target", TARGETS[0], "--target", TARGETS[4]]).targets,
    [TARGETS[0], TARGETS[4]],
  );
});

Deno.test("build.ts --binary packages every target as the spec says", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-build-" });
  try {
    const out = `${dir}/out`;
    const fake = `${dir}/fake-rt`;
    await Deno.writeTextFile(fake, FAKE_RT);
    await Deno.mkdir(out);
    // Something that is not an archive: SHA256SUMS must leave it out.
    await Deno.writeTextFile(`${out}/notes.txt`, "not an archive\n");

    // As the workflow runs it, with its narrow permissions (no program to run with --binary).
    const build = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "--cached-only",
        `--allow-read=.,${dir}`,
        `--allow-write=${dir}`,
        ".github/release/build.ts",
        "--out",
        out,
        "--binary",
        fake,
      ],
      cwd: ROOT,
      env: childEnv(),
      clearEnv: true,
    }).output();
    const log = new TextDecoder().decode(build.stdout) + new TextDecoder().decode(build.stderr);
    assertEquals(build.code, 0, log);

    const archives = TARGETS.map((target) => archiveName(VERSION, target));
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(files, [...archives, "SHA256SUMS", "notes.txt"].sort(), "files in --out");

    const readme = await Deno.readFile(new URL("README.md", ROOT));
    const license = await Deno.readFile(new URL("LICENSE", ROOT));
    const fakeBytes = new TextEncoder().encode(FAKE_RT);

    await t.step("each archive holds one folder with the executable, README.md, LICENSE", () => {
      for (const target of TARGETS) {
        const bytes = Deno.readFileSync(`${out}/${archiveName(VERSION, target)}`);
        const entries = target.includes("windows") ? readZip(bytes) : readTarGz(bytes);
        const folder = folderName(VERSION, target);
        const exe = executableName(target);
        assertEquals(
          entries.map((e) => [e.name, e.mode.toString(8), e.folder]),
          [
            [`${folder}/`, "755", true],
            [`${folder}/LICENSE`, "644", false],
            [`${folder}/README.md`, "644", false],
            [`${folder}/${exe}`, "755", false],
          ],
          target,
        );
        const content = new Map(entries.map((e) => [e.name, e.data]));
        assertEquals(content.get(`${folder}/${exe}`), fakeBytes, `${target}: ${exe}`);
        assertEquals(content.get(`${folder}/README.md`), readme, `${target}: README.md`);
        assertEquals(content.get(`${folder}/LICENSE`), license, `${target}: LICENSE`);
      }
    });

    await t.step("the zip says it was made on unix, so its modes are unix modes", () => {
      const bytes = Deno.readFileSync(`${out}/${archiveName(VERSION, "x86_64-pc-windows-msvc")}`);
      for (const entry of readZip(bytes)) assertEquals(entry.madeBy, 3, entry.name);
    });

    await t.step("SHA256SUMS lists exactly the archives, sorted, with their SHA-256", async () => {
      const text = await Deno.readTextFile(`${out}/SHA256SUMS`);
      const expected = [...archives].sort().map((name) => {
        const hash = createHash("sha256").update(Deno.readFileSync(`${out}/${name}`)).digest("hex");
        return `${hash}  ${name}\n`;
      });
      assertEquals(text, expected.join(""));
      for (const line of text.trimEnd().split("\n")) {
        assertOk(/^[0-9a-f]{64} {2}rt-\S+$/.test(line), line);
      }
    });

    const posix = Deno.build.os !== "windows";
    await t.step({
      name: "sha256sum -c accepts SHA256SUMS",
      ignore: !posix || !available("sha256sum"),
      fn: async () => {
        const check = await run("sha256sum", ["-c", "SHA256SUMS"], out);
        assertEquals(check.code, 0, check.stdout + check.stderr);
        assertEquals(
          check.stdout.trimEnd().split("\n"),
          [...archives].sort().map((name) => `${name}: OK`),
        );
      },
    });

    await t.step({
      name: "the system's tar extracts the folder, with rt executable (0755)",
      ignore: !posix || !available("tar"),
      fn: async () => {
        for (const target of TARGETS.filter((t) => !t.includes("windows"))) {
          const into = await Deno.makeTempDir({ dir, prefix: "tar-" });
          const archive = `${out}/${archiveName(VERSION, target)}`;
          const extract = await run("tar", ["-xzf", archive, "-C", into], dir);
          assertEquals(extract.code, 0, extract.stderr);
          const folder = folderName(VERSION, target);
          assertEquals([...Deno.readDirSync(into)].map((e) => e.name), [folder]);
          assertEquals((Deno.statSync(`${into}/${folder}/rt`).mode ?? 0) & 0o777, 0o755);
          assertEquals((Deno.statSync(`${into}/${folder}/README.md`).mode ?? 0) & 0o777, 0o644);
          const ran = await run(`${into}/${folder}/rt`, [], dir);
          assertEquals(ran.stdout, "a stand-in for rt\n", `${target}: the extracted rt runs`);
        }
      },
    });

    await t.step({
      name: "the system's unzip extracts rt.exe with its unix mode 0755",
      ignore: !posix || !available("unzip"),
      fn: async () => {
        const target = "x86_64-pc-windows-msvc";
        const into = await Deno.makeTempDir({ dir, prefix: "zip-" });
        const archive = `${out}/${archiveName(VERSION, target)}`;
        const test = await run("unzip", ["-t", archive], dir);
        assertEquals(test.code, 0, test.stdout + test.stderr);
        const extract = await run("unzip", ["-q", archive, "-d", into], dir);
        assertEquals(extract.code, 0, extract.stdout + extract.stderr);
        const folder = folderName(VERSION, target);
        assertEquals([...Deno.readDirSync(into)].map((e) => e.name), [folder]);
        assertEquals(
          [...Deno.readDirSync(`${into}/${folder}`)].map((e) => e.name).sort(),
          ["LICENSE", "README.md", "rt.exe"],
        );
        assertEquals((Deno.statSync(`${into}/${folder}/rt.exe`).mode ?? 0) & 0o777, 0o755);
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * The release build's packaging: `.github/release/build.ts --binary` run as the workflow runs
 * it, for all five targets; every archive read back (here, and with the system's `tar`,
 * `unzip` and `sha256sum` where they are installed) for its name, its one top-level folder,
 * its files, rt's mode 0755, and SHA256SUMS. The build is reproducible (entries dated from
 * SOURCE_DATE_EPOCH, else the last commit, else a fixed time) and refuses a non-empty `--out`,
 * so SHA256SUMS and the release hold only this build's archives.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { gunzipSync, inflateRawSync } from "node:zlib";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { available } from "../e2e/programs.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";
import { rtRunFlags } from "../../.github/release/task_flags.ts";
import {
  archiveName,
  compileArgs,
  executableName,
  FALLBACK_EPOCH,
  folderName,
  parseBuildArgs,
  parseSourceDateEpoch,
  sha256sums,
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
  /** The entry's time, in seconds since 1970 (UTC). */
  mtime: number;
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
      mtime: parseInt(text(at + 136, 12), 8),
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
    const [time, date] = [view.getUint16(at + 12, true), view.getUint16(at + 14, true)];
    assertEquals(
      [view.getUint16(local + 10, true), view.getUint16(local + 12, true)],
      [time, date],
      `${name}: the local header's time is the central directory's`,
    );
    const mtime = Date.UTC(
      (date >> 9) + 1980,
      ((date >> 5) & 0xf) - 1,
      date & 0x1f,
      time >> 11,
      (time >> 5) & 0x3f,
      (time & 0x1f) * 2,
    ) / 1000;
    entries.push({
      name,
      mode: unixMode & 0o777,
      folder: (unixMode & 0o170000) === 0o040000,
      data: method === 8 ? new Uint8Array(inflateRawSync(packed)) : packed.slice(),
      mtime,
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

/** Whether `path` exists. */
function existsSync(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** The permission flags release.yml gives build.ts (checked against the workflow below). */
const WORKFLOW_FLAGS = [
  "--allow-read=.",
  "--allow-write=dist",
  "--allow-run=deno",
  "--allow-env=SOURCE_DATE_EPOCH",
];

/**
 * Runs `build.ts --out OUT --binary BINARY` as the workflow runs it, from the repository root:
 * with `flags` (the workflow's by default, reading and writing `dir` instead of `dist`), a
 * clean environment plus `env`. Returns the exit code and the whole output.
 */
async function runBuild(
  dir: string,
  out: string,
  binary: string,
  env: Record<string, string> = {},
  flags: string[] = WORKFLOW_FLAGS,
) {
  const widened = flags.map((flag) =>
    flag === "--allow-read=."
      ? `--allow-read=.,${dir}`
      : flag === "--allow-write=dist"
      ? `--allow-write=${dir}`
      : flag
  );
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--cached-only",
      ...widened,
      ".github/release/build.ts",
      "--out",
      out,
      "--binary",
      binary,
    ],
    cwd: ROOT,
    env: { ...childEnv(), ...env },
    clearEnv: true,
  }).output();
  const decoder = new TextDecoder();
  return { code, log: decoder.decode(stdout) + decoder.decode(stderr) };
}

/** Every archive's entries' times, as `NAME: [seconds, ...]`. */
function entryTimes(out: string): Record<string, number[]> {
  return Object.fromEntries(TARGETS.map((target) => {
    const name = archiveName(VERSION, target);
    const bytes = Deno.readFileSync(`${out}/${name}`);
    const entries = target.includes("windows") ? readZip(bytes) : readTarGz(bytes);
    return [name, entries.map((e) => e.mtime)];
  }));
}

/**
 * The times of {@link entryTimes} when every entry is dated `seconds`: that, and in the zip
 * the even second before (zip keeps times in steps of two seconds).
 */
function allAt(seconds: number): Record<string, number[]> {
  return Object.fromEntries(TARGETS.map((target) => {
    const time = target.includes("windows") ? seconds - (seconds % 2) : seconds;
    return [archiveName(VERSION, target), [time, time, time, time]];
  }));
}

Deno.test("release.yml runs build.ts with exactly the flags these tests use", () => {
  const workflow = Deno.readTextFileSync(new URL(".github/workflows/release.yml", ROOT));
  const command = /deno run ((?:--\S+\s+)+)\.github\/release\/build\.ts --out dist\/release\n/
    .exec(workflow);
  assertOk(command, "release.yml runs deno run ... .github/release/build.ts --out dist/release");
  assertEquals(command[1]!.trim().split(/\s+/), WORKFLOW_FLAGS);
});

Deno.test("deno compile gets exactly the compile task's flags, --include, --target and --output", () => {
  for (const target of TARGETS) {
    assertEquals(compileArgs(target, "/out/rt"), [
      "compile",
      ...rtRunFlags(),
      "--include",
      "lib/tui/picture_worker.ts",
      "--include",
      "lib/files/hash_worker.ts",
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

    // As the workflow runs it, with its narrow permissions and the tagged commit's time.
    const build = await runBuild(dir, out, fake, { SOURCE_DATE_EPOCH: "1700000000" });
    assertEquals(build.code, 0, build.log);

    const archives = TARGETS.map((target) => archiveName(VERSION, target));
    const files = [...Deno.readDirSync(out)].map((e) => e.name).sort();
    assertEquals(files, [...archives, "SHA256SUMS"].sort(), "files in --out");

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

Deno.test("the same input packaged twice gives byte-identical archives and SHA256SUMS", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-reproducible-" });
  try {
    const fake = `${dir}/fake-rt`;
    await Deno.writeTextFile(fake, FAKE_RT);
    const epoch = "1700000001"; // 2023-11-14T22:13:21Z: odd, as zip keeps even seconds only
    const first = await runBuild(dir, `${dir}/first`, fake, { SOURCE_DATE_EPOCH: epoch });
    assertEquals(first.code, 0, first.log);
    assertOk(first.log.includes("2023-11-14T22:13:21.000Z (SOURCE_DATE_EPOCH)"), first.log);
    // Later, in another time zone.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const second = await runBuild(dir, `${dir}/second`, fake, {
      SOURCE_DATE_EPOCH: epoch,
      TZ: "Pacific/Kiritimati",
    });
    assertEquals(second.code, 0, second.log);

    const names = [...Deno.readDirSync(`${dir}/first`)].map((e) => e.name).sort();
    assertEquals(names.length, TARGETS.length + 1);
    assertEquals([...Deno.readDirSync(`${dir}/second`)].map((e) => e.name).sort(), names);
    for (const name of names) {
      assertEquals(
        Deno.readFileSync(`${dir}/second/${name}`),
        Deno.readFileSync(`${dir}/first/${name}`),
        `${name} is byte-identical`,
      );
    }
    // Every entry is dated SOURCE_DATE_EPOCH.
    assertEquals(entryTimes(`${dir}/first`), allAt(1700000001));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without SOURCE_DATE_EPOCH: the last commit's time if git may run, else 1980", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-epoch-" });
  try {
    const fake = `${dir}/fake-rt`;
    await Deno.writeTextFile(fake, FAKE_RT);
    const narrow = [`--allow-read=.`, `--allow-write=dist`];

    await t.step("no way to know: the fixed time, 1980-01-01T00:00:00Z", async () => {
      // SOURCE_DATE_EPOCH is set but may not be read; git may not run.
      const build = await runBuild(dir, `${dir}/fixed`, fake, { SOURCE_DATE_EPOCH: "1" }, narrow);
      assertEquals(build.code, 0, build.log);
      assertEquals(FALLBACK_EPOCH, Date.UTC(1980, 0, 1) / 1000);
      assertEquals(entryTimes(`${dir}/fixed`), allAt(FALLBACK_EPOCH));
      assertOk(build.log.includes("(the fixed fallback time)"), build.log);
    });

    const git = available("git")
      ? await new Deno.Command("git", {
        args: ["log", "-1", "--format=%ct"],
        cwd: ROOT,
        env: childEnv(),
        clearEnv: true,
        stderr: "null",
      }).output()
      : undefined;
    const commit = git?.success ? Number(new TextDecoder().decode(git.stdout).trim()) : NaN;
    await t.step({
      name: "git may run: the last commit's time",
      ignore: Number.isNaN(commit),
      fn: async () => {
        const flags = [...narrow, "--allow-run=git", "--allow-env=SOURCE_DATE_EPOCH"];
        const build = await runBuild(dir, `${dir}/git`, fake, {}, flags);
        assertEquals(build.code, 0, build.log);
        assertEquals(entryTimes(`${dir}/git`), allAt(commit));
        assertOk(build.log.includes("(the last commit)"), build.log);
      },
    });

    await t.step("a SOURCE_DATE_EPOCH that is not whole seconds is refused", async () => {
      for (const bad of ["yesterday", "1.5", "-1", String(8 ** 11)]) {
        const build = await runBuild(dir, `${dir}/bad`, fake, { SOURCE_DATE_EPOCH: bad });
        assertEquals(build.code, 1, build.log);
        assertOk(build.log.includes(`SOURCE_DATE_EPOCH must be whole seconds`), build.log);
        assertOk(!existsSync(`${dir}/bad`), `${bad}: nothing written`);
      }
      assertEquals(parseSourceDateEpoch("0").getTime(), 0);
      assertThrows(() => parseSourceDateEpoch(""));
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("build.ts refuses a non-empty --out: the release gets only this build's archives", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-stale-" });
  try {
    const fake = `${dir}/fake-rt`;
    await Deno.writeTextFile(fake, FAKE_RT);
    const out = `${dir}/out`;
    await Deno.mkdir(out);
    // An archive of an earlier version, left from another build.
    const stale = archiveName("0.0.9", "x86_64-unknown-linux-gnu");
    await Deno.writeTextFile(`${out}/${stale}`, "an old archive");
    const build = await runBuild(dir, out, fake, { SOURCE_DATE_EPOCH: "1700000000" });
    assertEquals(build.code, 1, build.log);
    assertOk(build.log.includes(`--out ${out} is not empty (it holds ${stale})`), build.log);
    assertEquals([...Deno.readDirSync(out)].map((e) => e.name), [stale], "nothing written");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("sha256sums hashes only the archives it is given, whatever else is in the folder", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-sums-" });
  try {
    const ours = archiveName(VERSION, "x86_64-pc-windows-msvc");
    const other = archiveName("0.0.9", "x86_64-pc-windows-msvc");
    await Deno.writeTextFile(`${dir}/${ours}`, "ours");
    await Deno.writeTextFile(`${dir}/${other}`, "an old archive");
    const hash = createHash("sha256").update("ours").digest("hex");
    assertEquals(await sha256sums(dir, [ours]), `${hash}  ${ours}\n`);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

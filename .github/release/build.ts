/**
 * The release build: compiles rt for each target with the flags (permissions, V8 memory) of
 * deno.json's `compile` task, packages each executable with README.md and LICENSE into
 * `rt-VERSION-TARGET.tar.gz` (`.zip` for Windows), and writes `SHA256SUMS` over the archives.
 *
 * ```
 * deno run --allow-read=. --allow-write=dist --allow-run=deno --allow-env=SOURCE_DATE_EPOCH \
 *   .github/release/build.ts --out dist/release [--target T ...] [--binary PATH]
 * ```
 *
 * `--out` must be empty or missing: the release publishes every `rt-*` archive there, and
 * `SHA256SUMS` lists exactly the archives written by this run.
 *
 * The archives are reproducible: every entry is stamped with the same time, `SOURCE_DATE_EPOCH`
 * (seconds since 1970, see https://reproducible-builds.org/specs/source-date-epoch/) when it is
 * set and may be read, else the time of the last commit when `git` may be run, else
 * {@link FALLBACK_EPOCH}; the same input gives byte-identical archives and SHA256SUMS.
 *
 * `--binary PATH` packages PATH as the executable of every target instead of compiling (the
 * tests use it: `deno compile` needs to download Deno's runtime for each target). The archives
 * are written here, in TypeScript (ustar + gzip, and zip with unix modes), so the build needs
 * no other program than `deno` and gives the same layout on any system.
 *
 * @module
 */
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { crc32, deflateRawSync, gzipSync } from "node:zlib";
import denoJson from "../../deno.json" with { type: "json" };
import { rtRunFlags, task, taskWords } from "./task_flags.ts";

/** The Deno `--target` triples rt is released for. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

/** One of {@link TARGETS}. */
export type Target = (typeof TARGETS)[number];

/** The version being released: deno.json's `version`. */
export const VERSION: string = denoJson.version;

/** The repository root, where `main.ts`, README.md and LICENSE are. */
const ROOT = new URL("../../", import.meta.url);

/** The program compiled into the executable. */
const ENTRY = "main.ts";

/** The name of the checksum file written beside the archives. */
export const SUMS_FILE = "SHA256SUMS";

/**
 * The archives' time when neither `SOURCE_DATE_EPOCH` nor git gives one: 1980-01-01T00:00:00Z,
 * the earliest time a zip can hold.
 */
export const FALLBACK_EPOCH = 315532800;

/** The largest time a tar header's 11 octal digits hold (in the year 2242). */
const MAX_EPOCH = 8 ** 11 - 1;

/** Whether `target` is a Windows target (a `.zip` holding `rt.exe`). */
export function isWindows(target: string): boolean {
  return target.includes("-windows-");
}

/** The one top-level folder of an archive: `rt-VERSION-TARGET`. */
export function folderName(version: string, target: string): string {
  return `rt-${version}-${target}`;
}

/** The archive's file name: `rt-VERSION-TARGET.tar.gz`, or `.zip` for Windows. */
export function archiveName(version: string, target: string): string {
  return `${folderName(version, target)}.${isWindows(target) ? "zip" : "tar.gz"}`;
}

/** The executable's name inside the archive: `rt`, or `rt.exe` for Windows. */
export function executableName(target: string): string {
  return isWindows(target) ? "rt.exe" : "rt";
}

/**
 * The `--include` options of deno.json's `compile` task (files the executable needs besides
 * what `main.ts` imports), as `["--include", PATH, ...]`.
 */
export function includeFlags(): string[] {
  const words = taskWords(task("compile"));
  const flags: string[] = [];
  words.forEach((word, i) => {
    if (word === "--include") {
      const path = words[i + 1];
      if (path === undefined) throw new Error("deno.json's compile task ends with --include");
      flags.push("--include", path);
    } else if (word.startsWith("--include=")) {
      flags.push("--include", word.slice("--include=".length));
    }
  });
  return flags;
}

/** The arguments of `deno` that compile rt for `target` into `output`. */
export function compileArgs(target: string, output: string): string[] {
  return [
    "compile",
    ...rtRunFlags(),
    ...includeFlags(),
    "--target",
    target,
    "--output",
    output,
    ENTRY,
  ];
}

/** One file or folder in an archive. */
export interface ArchiveEntry {
  /** The path inside the archive, with `/`; a folder's ends with `/`. */
  path: string;
  /** The unix permission bits, e.g. `0o755`. */
  mode: number;
  /** A file's content; none for a folder. */
  data?: Uint8Array;
}

const encoder = new TextEncoder();

/** Concatenates byte arrays. */
function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/** A ustar header block: owner root (0), the given mode and time. */
function tarHeader(entry: ArchiveEntry, mtime: Date): Uint8Array {
  if (encoder.encode(entry.path).length > 100) {
    throw new Error(`Path too long for tar: ${entry.path}`);
  }
  const header = new Uint8Array(512);
  const put = (offset: number, text: string) => header.set(encoder.encode(text), offset);
  const octal = (offset: number, width: number, value: number) =>
    put(offset, value.toString(8).padStart(width - 1, "0"));
  put(0, entry.path);
  octal(100, 8, entry.mode);
  octal(108, 8, 0); // uid
  octal(116, 8, 0); // gid
  octal(124, 12, entry.data?.length ?? 0);
  octal(136, 12, Math.floor(mtime.getTime() / 1000));
  put(148, " ".repeat(8)); // the checksum counts its own field as spaces
  put(156, entry.data ? "0" : "5"); // a file, or a folder
  put(257, "ustar\0" + "00");
  octal(329, 8, 0); // devmajor
  octal(337, 8, 0); // devminor
  octal(148, 7, header.reduce((sum, byte) => sum + byte, 0));
  return header;
}

/** A `.tar.gz` holding `entries` (ustar format, gzip-compressed). */
export function tarGz(entries: ArchiveEntry[], mtime: Date): Uint8Array {
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    blocks.push(tarHeader(entry, mtime));
    if (entry.data) {
      blocks.push(entry.data, new Uint8Array((512 - (entry.data.length % 512)) % 512));
    }
  }
  blocks.push(new Uint8Array(1024)); // two zero blocks end the archive
  return gzipSync(concat(blocks));
}

/** Little-endian fields, as zip writes them: `[value, size in bytes]` each. */
function fields(...values: [number, 2 | 4][]): Uint8Array {
  const out = new Uint8Array(values.reduce((sum, [, size]) => sum + size, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  for (const [value, size] of values) {
    if (size === 2) view.setUint16(offset, value, true);
    else view.setUint32(offset, value, true);
    offset += size;
  }
  return out;
}

/**
 * An MS-DOS time and date, as zip stores them (UTC here, two-second steps), held within the
 * years they can express: 1980 to 2107.
 */
function dosTime(mtime: Date): { time: number; date: number } {
  const earliest = Date.UTC(1980, 0, 1);
  const latest = Date.UTC(2107, 11, 31, 23, 59, 58);
  const at = new Date(Math.min(Math.max(mtime.getTime(), earliest), latest));
  return {
    time: (at.getUTCHours() << 11) | (at.getUTCMinutes() << 5) | (at.getUTCSeconds() >> 1),
    date: ((at.getUTCFullYear() - 1980) << 9) | ((at.getUTCMonth() + 1) << 5) | at.getUTCDate(),
  };
}

/**
 * A `.zip` holding `entries`, each deflated, made on "unix" so that the external attributes
 * carry the unix mode (tools like `unzip` restore rt's 0755 from it).
 */
export function zip(entries: ArchiveEntry[], mtime: Date): Uint8Array {
  const { time, date } = dosTime(mtime);
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = encoder.encode(entry.path);
    const data = entry.data ?? new Uint8Array(0);
    const method = entry.data ? 8 : 0; // deflate, or stored (a folder)
    const packed = entry.data ? deflateRawSync(data) : data;
    const crc = crc32(data);
    const common: [number, 2 | 4][] = [
      [20, 2], // version needed: 2.0
      [0, 2], // flags
      [method, 2],
      [time, 2],
      [date, 2],
      [crc, 4],
      [packed.length, 4],
      [data.length, 4],
      [name.length, 2],
      [0, 2], // extra field length
    ];
    const header = concat([fields([0x04034b50, 4], ...common), name]);
    const type = entry.data ? 0o100000 : 0o040000; // a regular file, or a folder
    const attributes = (((type | entry.mode) << 16) | (entry.data ? 0 : 0x10)) >>> 0;
    central.push(concat([
      fields(
        [0x02014b50, 4],
        [(3 << 8) | 20, 2], // made by: unix, zip 2.0
        ...common,
        [0, 2], // comment length
        [0, 2], // disk
        [0, 2], // internal attributes
        [attributes, 4],
        [offset, 4],
      ),
      name,
    ]));
    local.push(header, packed);
    offset += header.length + packed.length;
  }
  const directory = concat(central);
  if (offset + directory.length > 0xffffffff) throw new Error("Archive too large for zip32");
  const end = fields(
    [0x06054b50, 4],
    [0, 2],
    [0, 2],
    [entries.length, 2],
    [entries.length, 2],
    [directory.length, 4],
    [offset, 4],
    [0, 2], // comment length
  );
  return concat([...local, directory, end]);
}

/** Runs `deno` with `args` in the repository root; throws with its output when it fails. */
async function deno(args: string[]): Promise<void> {
  const { success, code, stderr } = await new Deno.Command("deno", {
    args,
    cwd: ROOT,
    stdout: "inherit",
    stderr: "piped",
  }).output();
  if (!success) {
    const output = new TextDecoder().decode(stderr).trim();
    throw new Error(`deno ${args.join(" ")} failed with exit code ${code}:\n${output}`);
  }
}

/** rt's executable for `target`: compiled in a temporary folder inside `out`, or `binary`. */
async function executable(out: string, target: string, binary?: string): Promise<Uint8Array> {
  if (binary !== undefined) return await Deno.readFile(binary);
  console.log(`Compiling rt ${VERSION} for ${target}`);
  const staging = await Deno.makeTempDir({ dir: out, prefix: ".compile-" });
  try {
    const path = join(resolve(staging), executableName(target));
    await deno(compileArgs(target, path));
    return await Deno.readFile(path);
  } finally {
    await Deno.remove(staging, { recursive: true });
  }
}

/** What an archive holds: `rt-VERSION-TARGET/` with the executable, README.md and LICENSE. */
export async function archiveEntries(target: string, rt: Uint8Array): Promise<ArchiveEntry[]> {
  const folder = folderName(VERSION, target);
  const file = async (name: string) => await Deno.readFile(new URL(name, ROOT));
  return [
    { path: `${folder}/`, mode: 0o755 },
    { path: `${folder}/LICENSE`, mode: 0o644, data: await file("LICENSE") },
    { path: `${folder}/README.md`, mode: 0o644, data: await file("README.md") },
    { path: `${folder}/${executableName(target)}`, mode: 0o755, data: rt },
  ];
}

/** The time stamped on every archive entry, and where it came from (for the build's log). */
export interface ArchiveTime {
  date: Date;
  source: string;
}

/** Reads a `SOURCE_DATE_EPOCH` value (whole seconds since 1970); throws when it is not one. */
export function parseSourceDateEpoch(value: string): Date {
  const seconds = /^[0-9]+$/.test(value) ? Number(value) : NaN;
  if (!(seconds <= MAX_EPOCH)) {
    throw new Error(
      `SOURCE_DATE_EPOCH must be whole seconds since 1970 (at most ${MAX_EPOCH}), not "${value}"`,
    );
  }
  return new Date(seconds * 1000);
}

/** The time of the last commit (`git log -1 --format=%ct`), if git may run and can tell. */
async function lastCommitTime(): Promise<Date | undefined> {
  const run = await Deno.permissions.query({ name: "run", command: "git" });
  if (run.state !== "granted") return undefined;
  try {
    const { success, stdout } = await new Deno.Command("git", {
      args: ["log", "-1", "--format=%ct"],
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).output();
    const seconds = new TextDecoder().decode(stdout).trim();
    return success && /^[0-9]+$/.test(seconds) ? parseSourceDateEpoch(seconds) : undefined;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined; // no git installed
    throw error;
  }
}

/**
 * The time stamped on every archive entry: `SOURCE_DATE_EPOCH` when it is set (and may be read),
 * else the last commit's time when git may run, else {@link FALLBACK_EPOCH}.
 */
export async function archiveTime(): Promise<ArchiveTime> {
  const env = await Deno.permissions.query({ name: "env", variable: "SOURCE_DATE_EPOCH" });
  const epoch = env.state === "granted" ? Deno.env.get("SOURCE_DATE_EPOCH") : undefined;
  if (epoch !== undefined && epoch !== "") {
    return { date: parseSourceDateEpoch(epoch), source: "SOURCE_DATE_EPOCH" };
  }
  const commit = await lastCommitTime();
  if (commit !== undefined) return { date: commit, source: "the last commit" };
  return { date: new Date(FALLBACK_EPOCH * 1000), source: "the fixed fallback time" };
}

/** Builds the archive of one target in `out`, stamped `mtime`, and returns its file name. */
export async function buildArchive(
  out: string,
  target: string,
  mtime: Date,
  binary?: string,
): Promise<string> {
  const entries = await archiveEntries(target, await executable(out, target, binary));
  const archive = archiveName(VERSION, target);
  const bytes = isWindows(target) ? zip(entries, mtime) : tarGz(entries, mtime);
  await Deno.writeFile(join(out, archive), bytes);
  return archive;
}

/** Whether a file name is one of rt's release archives. */
export function isArchive(name: string): boolean {
  return name.startsWith("rt-") && (name.endsWith(".tar.gz") || name.endsWith(".zip"));
}

/** The lowercase hex SHA-256 of a file. */
export async function sha256File(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The text of `SHA256SUMS` for the archives `names` in `dir` (only those: not whatever else
 * the folder holds): one `HASH  NAME` line each (the format of `sha256sum`), sorted by name.
 */
export async function sha256sums(dir: string, names: readonly string[]): Promise<string> {
  const sorted = [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lines: string[] = [];
  for (const name of sorted) {
    if (!isArchive(name)) throw new Error(`Not a release archive: ${name}`);
    lines.push(`${await sha256File(join(dir, name))}  ${name}\n`);
  }
  return lines.join("");
}

/**
 * Makes `out` if it is missing; throws if it holds anything, so that nothing from an earlier
 * build (an archive of another version, an old SHA256SUMS) is published with this one.
 */
async function emptyOut(out: string): Promise<void> {
  await Deno.mkdir(out, { recursive: true });
  const present: string[] = [];
  for await (const entry of Deno.readDir(out)) present.push(entry.name);
  if (present.length > 0) {
    present.sort();
    const shown = present.length > 5 ? [...present.slice(0, 5), "..."] : present;
    throw new Error(
      `--out ${out} is not empty (it holds ${shown.join(", ")}): remove it first, so that ` +
        `the release holds only what this build makes`,
    );
  }
}

/** What the command line asks for. */
export interface BuildOptions {
  /** The folder the archives and SHA256SUMS go to: created if missing, refused if not empty. */
  out: string;
  /** The targets to build; all of {@link TARGETS} when empty. */
  targets: string[];
  /** Package this file instead of compiling. */
  binary?: string;
}

/** Reads the command line; throws a usage message when it is wrong. */
export function parseBuildArgs(args: string[]): BuildOptions {
  const { values } = parseArgs({
    args,
    options: {
      out: { type: "string" },
      target: { type: "string", multiple: true },
      binary: { type: "string" },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.out === undefined) throw new Error("Missing --out DIR: where to put the archives");
  const targets = values.target ?? [];
  for (const target of targets) {
    if (!(TARGETS as readonly string[]).includes(target)) {
      throw new Error(`Unknown target "${target}"; rt is built for: ${TARGETS.join(", ")}`);
    }
  }
  return { out: values.out, targets, binary: values.binary };
}

/** Builds every archive asked for, then writes SHA256SUMS; returns the archives' names. */
export async function build(options: BuildOptions): Promise<string[]> {
  if (options.binary !== undefined) await Deno.stat(options.binary);
  const { date, source } = await archiveTime();
  await emptyOut(options.out);
  console.log(`Archive entries are dated ${date.toISOString()} (${source})`);
  const targets = options.targets.length > 0 ? options.targets : [...TARGETS];
  const archives: string[] = [];
  for (const target of targets) {
    const archive = await buildArchive(options.out, target, date, options.binary);
    console.log(`Packaged ${join(options.out, archive)}`);
    archives.push(archive);
  }
  const sums = await sha256sums(options.out, archives);
  await Deno.writeTextFile(join(options.out, SUMS_FILE), sums);
  console.log(`Wrote ${join(options.out, SUMS_FILE)}:\n${sums.trimEnd()}`);
  return archives;
}

if (import.meta.main) {
  try {
    await build(parseBuildArgs(Deno.args));
  } catch (error) {
    console.error(
      `${basename(import.meta.filename ?? "build.ts")}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
    Deno.exit(1);
  }
}

/**
 * Tests of `.github/release/install.sh`, the installer for people without Deno or Homebrew.
 *
 * They build a fake release in a temporary folder (a small shell script standing in for `rt`,
 * packed with the system's `tar` exactly as the release layout says, and a real SHA256SUMS),
 * and hostile ones (archives written byte by byte, holding links, special files or `../`; odd
 * or conflicting SHA256SUMS lines; a "latest" that moves), serve them on 127.0.0.1 (on Linux
 * also over TLS, with redirects), and run the script with `sh` (dash where it exists) in a
 * controlled environment: what it downloads, what it installs, what it refuses and what it says.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { assertEquals, assertOk } from "../assert.ts";
import { ROOT } from "../e2e/harness.ts";

const SCRIPT = fileURLToPath(new URL(".github/release/install.sh", ROOT));
const VERSION = "0.1.0";
const UNIX_TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
];
const WINDOWS_TARGET = "x86_64-pc-windows-msvc";
/** This machine's target, as the script should find it with the real `uname`. */
const HOST = Deno.build.target;
const HOST_PATH = Deno.env.get("PATH") ?? "/usr/bin:/bin";

/** The absolute path of `program` in the folders of `path`, or null. */
function which(program: string, path = HOST_PATH): string | null {
  for (const folder of path.split(":")) {
    if (folder === "") continue;
    const candidate = `${folder}/${program}`;
    try {
      const info = Deno.statSync(candidate);
      if (info.isFile && ((info.mode ?? 0) & 0o111) !== 0) return candidate;
    } catch {
      // not in this folder
    }
  }
  return null;
}

/** The shell that runs the script: dash (Debian's `/bin/sh`) when it is here, else `sh`. */
const SHELL = which("dash") ?? which("sh");

/** Lowercase hex SHA-256 of `bytes`. */
async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function archiveName(target: string, version = VERSION): string {
  return `rt-${version}-${target}.tar.gz`;
}

/** The names in `folder`, sorted; none when it does not exist. */
function entries(folder: string): string[] {
  try {
    return Array.from(Deno.readDirSync(folder), (e) => e.name).sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw e;
  }
}

/** Runs `program` and fails loudly when it fails. */
async function must(program: string, args: string[], env?: Record<string, string>) {
  const out = await new Deno.Command(program, { args, env, stdout: "piped", stderr: "piped" })
    .output();
  const decoder = new TextDecoder();
  if (!out.success) {
    throw new Error(`${program} ${args.join(" ")} failed: ${decoder.decode(out.stderr)}`);
  }
  return decoder.decode(out.stdout);
}

/** A stand-in for rt: a shell script that says its version, and which build it is. */
function fakeRt(target: string, note = ""): string {
  return `#!/bin/sh
# A fake rt for ${target}${note}
if [ "$1" = --version ]; then echo "rt ${VERSION}"; else echo "fake rt for ${target}"; fi
`;
}

/**
 * Packs `rt` as the release does: `rt-VERSION-TARGET/` holding `rt` (0755), README.md and
 * LICENSE, made with the system's tar; returns the archive's bytes.
 */
async function pack(work: string, target: string, rt: string): Promise<Uint8Array> {
  const stage = await Deno.makeTempDir({ dir: work, prefix: "stage-" });
  const top = `${stage}/rt-${VERSION}-${target}`;
  await Deno.mkdir(top);
  await Deno.writeTextFile(`${top}/rt`, rt, { mode: 0o755 });
  await Deno.chmod(`${top}/rt`, 0o755);
  await Deno.writeTextFile(`${top}/README.md`, "# rt\n");
  await Deno.writeTextFile(`${top}/LICENSE`, "MIT\n");
  const out = `${stage}/out.tar.gz`;
  // COPYFILE_DISABLE: no macOS `._` metadata files in the archive.
  await must("tar", ["-czf", out, "-C", stage, `rt-${VERSION}-${target}`], {
    COPYFILE_DISABLE: "1",
  });
  const bytes = await Deno.readFile(out);
  await Deno.remove(stage, { recursive: true });
  return bytes;
}

/** One entry of an archive made byte by byte: what the release never holds, and tar won't make. */
interface TarEntry {
  name: string;
  /** The ustar type: 0 a file, 1 a hard link, 2 a symbolic link, 5 a folder, 6 a fifo. */
  type: "0" | "1" | "2" | "5" | "6";
  data?: string;
  link?: string;
  mode?: number;
}

/** A `.tar.gz` (ustar) holding `entries`, exactly as given. */
function tarGz(entries: TarEntry[]): Uint8Array {
  const encoder = new TextEncoder();
  const blocks: Uint8Array[] = [];
  for (const entry of entries) {
    const data = encoder.encode(entry.data ?? "");
    const header = new Uint8Array(512);
    const put = (offset: number, width: number, text: string) => {
      const bytes = encoder.encode(text);
      if (bytes.length > width) throw new Error(`too long for a tar header: ${text}`);
      header.set(bytes, offset);
    };
    const octal = (offset: number, width: number, value: number) =>
      put(offset, width, value.toString(8).padStart(width - 1, "0"));
    put(0, 100, entry.name);
    octal(100, 8, entry.mode ?? (entry.type === "5" ? 0o755 : 0o644));
    octal(108, 8, 0); // uid
    octal(116, 8, 0); // gid
    octal(124, 12, data.length);
    octal(136, 12, 1_700_000_000);
    put(148, 8, " ".repeat(8)); // the checksum counts its own field as spaces
    put(156, 1, entry.type);
    put(157, 100, entry.link ?? "");
    put(257, 8, "ustar\0" + "00");
    octal(148, 7, header.reduce((sum, byte) => sum + byte, 0));
    blocks.push(header);
    if (data.length > 0) blocks.push(data, new Uint8Array((512 - (data.length % 512)) % 512));
  }
  blocks.push(new Uint8Array(1024)); // two zero blocks end the archive
  const tar = new Uint8Array(blocks.reduce((sum, block) => sum + block.length, 0));
  let offset = 0;
  for (const block of blocks) {
    tar.set(block, offset);
    offset += block.length;
  }
  return gzipSync(tar);
}

/** One folder of a release: its files, and SHA256SUMS written from `sums`. */
async function writeRelease(
  folder: string,
  files: Map<string, Uint8Array>,
  sums: Map<string, string>,
): Promise<void> {
  await Deno.mkdir(folder, { recursive: true });
  for (const [name, bytes] of files) await Deno.writeFile(`${folder}/${name}`, bytes);
  const lines = [...sums].map(([name, hash]) => `${hash}  ${name}\n`).join("");
  await Deno.writeTextFile(`${folder}/SHA256SUMS`, lines);
}

/** The fake releases, each a folder under `root`, and what the tests need to know of them. */
interface Releases {
  root: string;
  /** Hashes of the good archives, by file name. */
  sums: Map<string, string>;
  /** The SHA-256 of the tampered archive for HOST. */
  tamperedHash: string;
}

/**
 * - `good/`: every archive, the Windows zip, SHA256SUMS.
 * - `tampered/`: good's SHA256SUMS, but archives whose rt was changed after it was written.
 * - `unlisted/`: every archive, but SHA256SUMS has no line for HOST's.
 * - `no-archive/`: good's SHA256SUMS, but HOST's archive is not there.
 */
async function buildReleases(work: string): Promise<Releases> {
  const root = `${work}/www`;
  const good = new Map<string, Uint8Array>();
  const tampered = new Map<string, Uint8Array>();
  for (const target of UNIX_TARGETS) {
    good.set(archiveName(target), await pack(work, target, fakeRt(target)));
    tampered.set(archiveName(target), await pack(work, target, fakeRt(target, " (TAMPERED)")));
  }
  good.set(
    `rt-${VERSION}-${WINDOWS_TARGET}.zip`,
    new TextEncoder().encode("stands in for the Windows zip, which the script never fetches"),
  );
  const sums = new Map<string, string>();
  for (const [name, bytes] of good) sums.set(name, await sha256(bytes));

  await writeRelease(`${root}/good`, good, sums);
  await writeRelease(`${root}/tampered`, tampered, sums);
  const unlisted = new Map(sums);
  unlisted.delete(archiveName(HOST));
  await writeRelease(`${root}/unlisted`, good, unlisted);
  const withoutHost = new Map(good);
  withoutHost.delete(archiveName(HOST));
  await writeRelease(`${root}/no-archive`, withoutHost, sums);
  return { root, sums, tamperedHash: await sha256(tampered.get(archiveName(HOST))!) };
}

/**
 * A folder of a release under `root` holding only HOST's archive, `bytes`, and a SHA256SUMS of
 * `sums` (a function of the archive's name and hash: the lines as they should be tested).
 * Returns the folder's name.
 */
async function hostRelease(
  root: string,
  folder: string,
  bytes: Uint8Array,
  sums: (name: string, hash: string) => string = (name, hash) => `${hash}  ${name}\n`,
): Promise<string> {
  await Deno.mkdir(`${root}/${folder}`, { recursive: true });
  await Deno.writeFile(`${root}/${folder}/${archiveName(HOST)}`, bytes);
  await Deno.writeTextFile(
    `${root}/${folder}/SHA256SUMS`,
    sums(archiveName(HOST), await sha256(bytes)),
  );
  return folder;
}

/** Whether `text` has a control character other than a line end: what could drive a terminal. */
function hasControl(text: string): boolean {
  // deno-lint-ignore no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/.test(text);
}

/** One request the release server answered. */
interface Served {
  path: string;
  userAgent: string;
}

/** How a server answers: over TLS with this key, and with these redirects. */
interface ServeOptions {
  tls?: { cert: string; key: string };
  /** Where to redirect a request for `path` (a URL, or a path on the same server), or nothing. */
  redirect?: (path: string) => string | undefined;
}

/** Serves the files under `root` on 127.0.0.1, and remembers every request. */
class ReleaseServer {
  readonly requests: Served[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;
  readonly #scheme: string;

  constructor(root: string, options: ServeOptions = {}) {
    this.#scheme = options.tls ? "https" : "http";
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {}, ...options.tls },
      async (request) => {
        const path = decodeURIComponent(new URL(request.url).pathname);
        this.requests.push({ path, userAgent: request.headers.get("user-agent") ?? "" });
        if (path.split("/").includes("..")) return new Response("no", { status: 400 });
        const location = options.redirect?.(path);
        if (location !== undefined) {
          return new Response(null, { status: 302, headers: { location } });
        }
        try {
          return new Response(await Deno.readFile(`${root}${path}`));
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
  }

  /** Where the server is: `http://127.0.0.1:PORT` (or https). */
  get origin(): string {
    return `${this.#scheme}://127.0.0.1:${this.#server.addr.port}`;
  }

  /** The URL of a folder of releases, as `--from` takes it. */
  url(folder: string): string {
    return `${this.origin}/${folder}/`;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.#server.shutdown();
  }
}

/** What one run of the script did. */
interface Run {
  code: number;
  stdout: string;
  stderr: string;
  /** The paths requested during the run, in order. */
  paths: string[];
  /** The user agents of those requests. */
  agents: string[];
  describe(): string;
}

interface RunOptions {
  /** PATH for the script (default: this machine's). */
  path?: string;
  /** More environment. */
  env?: Record<string, string>;
  /** Feed the script on stdin to `sh -s --`, as `curl ... | sh -s --` does. */
  piped?: boolean;
  /** Another script to run (default: install.sh). */
  script?: string;
  /** Another shell, with its own arguments before the script's (e.g. `bash --posix`). */
  shell?: string[];
}

/** Runs scripts with a controlled environment, each run with its own fresh temporary folder. */
class Runner {
  #count = 0;
  constructor(readonly work: string, readonly home: string, readonly server: ReleaseServer) {}

  /** A path under the work folder that nothing uses yet (not created). */
  fresh(name: string): string {
    return `${this.work}/${name}-${++this.#count}`;
  }

  async run(args: string[], options: RunOptions = {}): Promise<Run> {
    const tmp = this.fresh("tmp");
    await Deno.mkdir(tmp);
    const env: Record<string, string> = {
      PATH: options.path ?? HOST_PATH,
      HOME: this.home,
      TMPDIR: tmp,
      LC_ALL: "C",
      ...options.env,
    };
    const script = options.script ?? SCRIPT;
    const [shell, ...shellArgs] = options.shell ?? [SHELL!];
    const first = this.server.requests.length;
    const command = new Deno.Command(shell!, {
      args: options.piped ? [...shellArgs, "-s", "--", ...args] : [...shellArgs, script, ...args],
      env,
      clearEnv: true,
      cwd: this.work,
      stdin: options.piped ? "piped" : "null",
      stdout: "piped",
      stderr: "piped",
    });
    const child = command.spawn();
    if (options.piped) {
      const writer = child.stdin.getWriter();
      await writer.write(await Deno.readFile(script));
      await writer.close();
    }
    const out = await child.output();
    const decoder = new TextDecoder();
    const served = this.server.requests.slice(first);
    const run: Run = {
      code: out.code,
      stdout: decoder.decode(out.stdout),
      stderr: decoder.decode(out.stderr),
      paths: served.map((r) => r.path),
      agents: served.map((r) => r.userAgent),
      describe: () =>
        `${shell} ${script} ${args.join(" ")}: exit ${run.code}\n--- stdout:\n${run.stdout}` +
        `--- stderr:\n${run.stderr}--- requests: ${JSON.stringify(run.paths)}`,
    };
    // The trap removed the private temporary folder, whatever happened.
    assertEquals(entries(tmp), [], `temporary files left behind\n${run.describe()}`);
    await Deno.remove(tmp);
    return run;
  }
}

/** A folder of fake programs (`uname`, maybe `sysctl`), to put first on PATH. */
async function fakeSystem(
  runner: Runner,
  system: string,
  machine: string,
  translated?: string,
): Promise<string> {
  const bin = runner.fresh("fake-bin");
  await Deno.mkdir(bin);
  const uname = `#!/bin/sh
case "$1" in -s) echo '${system}' ;; -m) echo '${machine}' ;; *) echo '${system}' ;; esac
`;
  await Deno.writeTextFile(`${bin}/uname`, uname, { mode: 0o755 });
  if (translated !== undefined) {
    const sysctl = `#!/bin/sh
if [ "$1" = -n ] && [ "$2" = sysctl.proc_translated ]; then echo ${translated}; else exit 1; fi
`;
    await Deno.writeTextFile(`${bin}/sysctl`, sysctl, { mode: 0o755 });
  }
  return `${bin}:${HOST_PATH}`;
}

/** The programs the script may use, other than the downloaders and hashers. */
const BASE_TOOLS = [
  "uname",
  "getconf",
  "mktemp",
  "rm",
  "mkdir",
  "cp",
  "mv",
  "chmod",
  "tar",
  "gzip",
  "awk",
  "find",
  "sed",
  "tr",
  "cat",
];

/**
 * A PATH of one folder holding links to exactly `tools` (those this machine has): to run the
 * script without curl, or without any hasher.
 */
async function toolbox(runner: Runner, tools: string[]): Promise<string> {
  const bin = runner.fresh("toolbox");
  await Deno.mkdir(bin);
  for (const tool of tools) {
    const found = which(tool);
    if (found) await Deno.symlink(found, `${bin}/${tool}`);
  }
  return bin;
}

/** Checks that `dir` holds exactly an executable `rt` that says `rt 0.1.0`, built for `target`. */
async function assertInstalled(dir: string, target: string, run: Run): Promise<void> {
  assertEquals(entries(dir), ["rt"], `only rt in ${dir}\n${run.describe()}`);
  const info = await Deno.stat(`${dir}/rt`);
  assertEquals((info.mode ?? 0) & 0o777, 0o755, "rt is installed with mode 0755");
  assertEquals(await must(`${dir}/rt`, ["--version"]), `rt ${VERSION}\n`);
  const text = await Deno.readTextFile(`${dir}/rt`);
  assertOk(text.includes(`fake rt for ${target}\n`), `the rt for ${target}, not:\n${text}`);
}

Deno.test({
  name: "install.sh installs rt from a release, checked, and refuses what it cannot check",
  ignore: Deno.build.os === "windows" || SHELL === null || !UNIX_TARGETS.includes(HOST),
  fn: async (t) => {
    const work = await Deno.makeTempDir({ prefix: "rt-install-test-" });
    try {
      const releases = await buildReleases(work);
      const home = `${work}/home`;
      await Deno.mkdir(home);
      await using server = new ReleaseServer(releases.root);
      const runner = new Runner(work, home, server);
      const good = server.url("good");
      const hostArchive = archiveName(HOST);
      const root = releases.root;
      const top = `rt-${VERSION}-${HOST}`;
      const plain = "plain files and folders";

      await t.step("the script is POSIX sh", async () => {
        assertEquals(await must(SHELL!, ["-n", SCRIPT]), "");
        if (which("bash")) assertEquals(await must("bash", ["--posix", "-n", SCRIPT]), "");
        if (which("shellcheck")) {
          await must("shellcheck", ["--shell=sh", "--severity=warning", SCRIPT]);
        }
      });

      await t.step("1. installs rt, piped to sh as the README says", async () => {
        const dir = runner.fresh("bin");
        const run = await runner.run(["--dir", dir, "--from", good], { piped: true });
        assertEquals(run.code, 0, run.describe());
        await assertInstalled(dir, HOST, run);
        assertEquals(run.paths, ["/good/SHA256SUMS", `/good/${hostArchive}`], run.describe());
        const agent = which("curl") ? "curl/" : "Wget/";
        assertOk(run.agents.every((a) => a.startsWith(agent)), `downloaded by ${run.agents}`);
        assertOk(run.stdout.includes(`Installed rt ${VERSION} as ${dir}/rt`), run.describe());
        assertOk(run.stdout.includes(releases.sums.get(hostArchive)!), "it shows the hash");
        assertOk(run.stdout.includes(`${dir} is not on your PATH`), run.describe());
        assertOk(run.stdout.includes(`\n    export PATH="${dir}:$PATH"\n`), run.describe());
        assertOk(run.stdout.includes("Add this line to ~/.profile"), run.describe());
        assertEquals(run.stderr, "", run.describe());

        // Again, into the same folder, now on PATH: replaced in place, no PATH advice.
        const again = await runner.run(["--dir", dir, "--from", good], {
          path: `${dir}:${HOST_PATH}`,
        });
        assertEquals(again.code, 0, again.describe());
        await assertInstalled(dir, HOST, again);
        assertOk(!again.stdout.includes("export PATH"), again.describe());
        assertOk(again.stdout.includes(`Run "rt --help" to begin.`), again.describe());
      });

      await t.step("1. defaults: ~/.local/bin, RT_RELEASE_URL, and bash --posix", async () => {
        const run = await runner.run([], {
          env: { RT_RELEASE_URL: good, SHELL: "/usr/bin/zsh" },
          shell: which("bash") ? ["bash", "--posix"] : undefined,
        });
        assertEquals(run.code, 0, run.describe());
        await assertInstalled(`${home}/.local/bin`, HOST, run);
        assertOk(run.stdout.includes(`The latest version is ${VERSION}.`), run.describe());
        assertOk(run.stdout.includes("Add this line to ~/.zshrc"), run.describe());
        assertOk(run.stdout.includes(`export PATH="${home}/.local/bin:$PATH"`), run.describe());
        await Deno.remove(`${home}/.local`, { recursive: true });
      });

      await t.step("2. a tampered archive is refused", async () => {
        const dir = runner.fresh("bin");
        const run = await runner.run(["--dir", dir, "--from", server.url("tampered")]);
        assertEquals(run.code, 1, run.describe());
        assertOk(run.stderr.includes(`SHA-256 checksum of ${hostArchive} does not match`));
        assertOk(run.stderr.includes(releases.sums.get(hostArchive)!), "the expected hash");
        assertOk(run.stderr.includes(releases.tamperedHash), "the hash of what came");
        assertOk(run.stderr.includes("not installed"), run.describe());
        assertEquals(entries(dir), [], "nothing installed");
      });

      await t.step("3. an archive missing from SHA256SUMS is refused", async () => {
        const unlisted = server.url("unlisted");
        const dir = runner.fresh("bin");
        const latest = await runner.run(["--dir", dir, "--from", unlisted]);
        assertEquals(latest.code, 1, latest.describe());
        assertOk(latest.stderr.includes(`${unlisted}SHA256SUMS lists no archive for ${HOST}`));
        assertEquals(latest.paths, ["/unlisted/SHA256SUMS"], "the archive is not even fetched");

        const pinned = await runner.run(["--dir", dir, "--from", unlisted, "--version", VERSION]);
        assertEquals(pinned.code, 1, pinned.describe());
        assertOk(
          pinned.stderr.includes(
            `${unlisted}SHA256SUMS has no checksum line for ${hostArchive}, so it could not be ` +
              "checked and was not installed.",
          ),
          pinned.describe(),
        );
        assertEquals(pinned.paths, ["/unlisted/SHA256SUMS"], "the archive is not even fetched");
        assertEquals(entries(dir), [], "nothing installed");
      });

      await t.step("4. --version picks that version, and an unknown one is named", async () => {
        for (const asked of [VERSION, `v${VERSION}`]) {
          const dir = runner.fresh("bin");
          const run = await runner.run(["--version", asked, "--dir", dir, "--from", good]);
          assertEquals(run.code, 0, run.describe());
          assertEquals(run.paths, ["/good/SHA256SUMS", `/good/${hostArchive}`]);
          assertOk(run.stdout.includes(`Installing rt ${VERSION} for`), run.describe());
          await assertInstalled(dir, HOST, run);
        }

        const dir = runner.fresh("bin");
        const absent = await runner.run(["--version", "9.9.9", "--dir", dir, "--from", good]);
        assertEquals(absent.code, 1, absent.describe());
        assertOk(
          absent.stderr.includes(
            `${good}SHA256SUMS has no checksum line for ${archiveName(HOST, "9.9.9")}`,
          ),
          absent.describe(),
        );
        assertOk(absent.stderr.includes(`Versions it lists for this computer: ${VERSION}.`));

        // As on GitHub, where a version that does not exist has no folder at all.
        const missing = server.url("v9.9.9");
        const gone = await runner.run(["--version", "9.9.9", "--dir", dir, "--from", missing]);
        assertEquals(gone.code, 1, gone.describe());
        assertOk(
          gone.stderr.includes(
            `could not download ${missing}SHA256SUMS. Check that version 9.9.9 exists`,
          ),
          gone.describe(),
        );

        // Listed, but not there to download.
        const noArchive = server.url("no-archive");
        const lost = await runner.run(["--dir", dir, "--from", noArchive]);
        assertEquals(lost.code, 1, lost.describe());
        assertOk(lost.stderr.includes(`could not download ${noArchive}${hostArchive}`));
        assertEquals(entries(dir), [], "nothing installed");

        // The GitHub address of a given version, and of the latest.
        const dry = await runner.run(["--version", "v9.9.9", "--repo", "owner/repo", "--dry-run"]);
        assertEquals(dry.code, 0, dry.describe());
        const github = "https://github.com/owner/repo/releases";
        assertOk(dry.stdout.includes(`${github}/download/v9.9.9/SHA256SUMS\n`), dry.describe());
        assertOk(dry.stdout.includes(`${github}/download/v9.9.9/${archiveName(HOST, "9.9.9")}\n`));
        const latest = await runner.run(["--repo", "owner/repo", "--dry-run"]);
        assertOk(latest.stdout.includes(`${github}/latest/download/SHA256SUMS\n`));
        assertOk(
          latest.stdout.includes(`${github}/download/vVERSION/rt-VERSION-${HOST}.tar.gz\n`),
          latest.describe(),
        );
        assertEquals([...dry.paths, ...latest.paths], [], "a dry run downloads nothing");
      });

      await t.step("4. usage errors: one line, exit 2", async () => {
        const cases: [string[], string][] = [
          [["--bogus"], "unknown option: --bogus"],
          [["--version"], "--version needs a value"],
          [["--version", "latest"], `"latest" is not a version number like 0.1.0`],
          [["--repo", "nobody"], `"nobody" is not a GitHub repository like owner/repo`],
          [["--from", "ftp://example.org/"], "--from needs an http:// or https:// address"],
          [["extra"], "unexpected argument: extra"],
          [["--from", "http://example.org/rt/"], "is plain http"],
        ];
        for (const [args, says] of cases) {
          const run = await runner.run(args);
          assertEquals(run.code, 2, run.describe());
          assertOk(/^rt installer: [^\n]+\(see --help\)\n$/.test(run.stderr), run.describe());
          assertOk(run.stderr.includes(says), run.describe());
          assertEquals(run.paths, []);
        }
      });

      await t.step("5. the archive follows uname (and Rosetta)", async () => {
        const cases: [string, string, string | undefined, string][] = [
          ["Darwin", "arm64", undefined, "aarch64-apple-darwin"],
          ["Darwin", "x86_64", "1", "aarch64-apple-darwin"],
          ["Darwin", "x86_64", "0", "x86_64-apple-darwin"],
          ["Linux", "aarch64", undefined, "aarch64-unknown-linux-gnu"],
          ["Linux", "amd64", undefined, "x86_64-unknown-linux-gnu"],
        ];
        for (const [system, machine, translated, target] of cases) {
          const dir = runner.fresh("bin");
          const path = await fakeSystem(runner, system, machine, translated);
          const run = await runner.run(["--dir", dir, "--from", good], { path });
          assertEquals(run.code, 0, run.describe());
          assertEquals(run.paths, ["/good/SHA256SUMS", `/good/${archiveName(target)}`]);
          await assertInstalled(dir, target, run);
          if (translated === "1") assertOk(run.stdout.includes("Rosetta"), run.describe());
        }
      });

      await t.step("5. Windows and other systems are told what exists", async () => {
        const windows = await runner.run(["--dir", runner.fresh("bin"), "--from", good], {
          path: await fakeSystem(runner, "MINGW64_NT-10.0-19045", "x86_64"),
        });
        assertEquals(windows.code, 1, windows.describe());
        assertOk(windows.stderr.includes("this looks like Windows"), windows.describe());
        assertOk(windows.stderr.includes(`rt-VERSION-${WINDOWS_TARGET}.zip from ${good}`));
        assertEquals(windows.paths, [], "nothing downloaded");

        for (const [system, machine] of [["FreeBSD", "amd64"], ["Linux", "i686"]]) {
          const run = await runner.run(["--from", good], {
            path: await fakeSystem(runner, system!, machine!),
          });
          assertEquals(run.code, 1, run.describe());
          assertOk(run.stderr.includes(`there is no rt build for ${system} on ${machine}.`));
          assertOk(run.stderr.includes("deno run -A jsr:@rt/chat"), run.describe());
          assertEquals(run.paths, []);
        }
      });

      await t.step("6. without curl: wget, or a plain message", async (t) => {
        const hashers = ["sha256sum", "shasum"];
        await t.step({
          name: "with wget only",
          ignore: !which("wget"),
          fn: async () => {
            const path = await toolbox(runner, [...BASE_TOOLS, ...hashers, "wget"]);
            assertEquals(which("curl", path), null);
            const dir = runner.fresh("bin");
            const run = await runner.run(["--dir", dir, "--from", good], { path });
            assertEquals(run.code, 0, run.describe());
            assertOk(run.agents.every((a) => a.startsWith("Wget/")), `wget: ${run.agents}`);
            await assertInstalled(dir, HOST, run);
          },
        });

        await t.step("with neither curl nor wget", async () => {
          const path = await toolbox(runner, [...BASE_TOOLS, ...hashers]);
          const dir = runner.fresh("bin");
          const run = await runner.run(["--dir", dir, "--from", good], { path });
          assertEquals(run.code, 1, run.describe());
          assertOk(
            run.stderr.includes("neither curl nor wget is installed, so nothing can be downloaded"),
            run.describe(),
          );
          assertEquals(run.paths, []);
          assertEquals(entries(dir), []);
        });

        await t.step("with neither sha256sum nor shasum", async () => {
          const path = await toolbox(runner, [...BASE_TOOLS, "curl", "wget"]);
          const dir = runner.fresh("bin");
          const run = await runner.run(["--dir", dir, "--from", good], { path });
          assertEquals(run.code, 1, run.describe());
          assertOk(run.stderr.includes("neither sha256sum nor shasum is installed"));
          assertEquals(run.paths, [], "nothing downloaded that could not be checked");
          assertEquals(entries(dir), []);
        });
      });

      await t.step("7. the release workflow's stamp changes the default repository", async () => {
        const original = await Deno.readTextFile(SCRIPT);
        const lines = original.split("\n");
        const stampable = lines.filter((l) => l.startsWith("RT_REPO_DEFAULT="));
        assertEquals(stampable.length, 1, "exactly one line to stamp");
        const defaultRepo = /^RT_REPO_DEFAULT="([^"]+)"$/.exec(stampable[0]!)?.[1];
        assertOk(defaultRepo, `a plain assignment: ${stampable[0]}`);

        const stamped = `${work}/install-stamped.sh`;
        await Deno.writeTextFile(
          stamped,
          await must("sed", [`s|^RT_REPO_DEFAULT=.*|RT_REPO_DEFAULT="owner/repo"|`, SCRIPT]),
        );
        const changed = (await Deno.readTextFile(stamped)).split("\n")
          .filter((line, i) => line !== lines[i]);
        assertEquals(changed, ['RT_REPO_DEFAULT="owner/repo"'], "only that line changes");

        const help = await runner.run(["--help"], { script: stamped });
        assertEquals(help.code, 0, help.describe());
        assertOk(help.stdout.includes(
          "curl -fsSL https://github.com/owner/repo/releases/latest/download/install.sh | sh\n",
        ));
        assertOk(!help.stdout.includes(defaultRepo), help.describe());
        const dry = await runner.run(["--dry-run"], { script: stamped });
        assertOk(dry.stdout.includes(
          "https://github.com/owner/repo/releases/latest/download/SHA256SUMS\n",
        ));

        const unstamped = await runner.run(["--dry-run"]);
        assertOk(unstamped.stdout.includes(
          `https://github.com/${defaultRepo}/releases/latest/download/SHA256SUMS\n`,
        ));
        // RT_REPO, then --repo, come before the stamp.
        const env = await runner.run(["--dry-run"], { script: stamped, env: { RT_REPO: "a/b" } });
        assertOk(env.stdout.includes("https://github.com/a/b/releases/latest/download/"));
        const flag = await runner.run(["--dry-run", "--repo", "c/d"], {
          script: stamped,
          env: { RT_REPO: "a/b" },
        });
        assertOk(flag.stdout.includes("https://github.com/c/d/releases/latest/download/"));
      });

      await t.step("8. an archive holding links or special files is refused", async () => {
        const outside = `${work}/otherbin`;
        await Deno.mkdir(outside);
        await Deno.writeTextFile(`${outside}/rt`, fakeRt(HOST, " (outside)"), { mode: 0o755 });
        const folder: TarEntry = { name: `${top}/`, type: "5" };
        const rt: TarEntry = { name: `${top}/rt`, type: "0", data: fakeRt(HOST), mode: 0o755 };
        const cases: [string, TarEntry[]][] = [
          ["top-symlink", [{ name: top, type: "2", link: outside }]],
          ["rt-symlink", [folder, { name: `${top}/rt`, type: "2", link: `${outside}/rt` }]],
          ["hard-link", [folder, { ...rt, name: `${top}/rt-real` }, {
            name: `${top}/rt`,
            type: "1",
            link: `${top}/rt-real`,
          }]],
          ["fifo", [folder, rt, { name: `${top}/pipe`, type: "6" }]],
          ["dot-dot", [folder, rt, { name: `${top}/../../../escaped`, type: "0", data: "x\n" }]],
          ["beside", [folder, rt, { name: "README.md", type: "0", data: "# rt\n" }]],
        ];
        for (const [name, archive] of cases) {
          await hostRelease(root, `archive-${name}`, tarGz(archive));
          const dir = runner.fresh("bin");
          const run = await runner.run(["--dir", dir, "--from", server.url(`archive-${name}`)]);
          assertEquals(run.code, 1, `${name}: ${run.describe()}`);
          assertOk(
            run.stderr === `rt installer: ${hostArchive} holds something other than ${plain} ` +
                `inside ${top}/ (a link, a special file, or a path outside it), so it was not ` +
                "installed.\n",
            `${name}: ${run.describe()}`,
          );
          assertEquals(entries(dir), [], `${name}: nothing installed`);
        }
        assertEquals(entries(outside), ["rt"], "nothing written outside");
        assertOk(!entries(work).includes("escaped"), "nothing written outside");

        // Checked again once unpacked, should a tar list something other than what it unpacks.
        const bin = await toolbox(runner, [
          ...BASE_TOOLS.filter((tool) => tool !== "tar"),
          "curl",
          "sha256sum",
          "shasum",
        ]);
        await Deno.writeTextFile(
          `${bin}/tar`,
          `#!/bin/sh
# Lists a plain archive, whatever it is asked to list.
case $1 in -t*) exec '${which("tar")}' "$1" '${root}/good/${hostArchive}' ;; esac
exec '${which("tar")}' "$@"
`,
          { mode: 0o755 },
        );
        for (const name of ["top-symlink", "hard-link", "fifo"]) {
          const dir = runner.fresh("bin");
          const from = server.url(`archive-${name}`);
          const run = await runner.run(["--dir", dir, "--from", from], { path: bin });
          assertEquals(run.code, 1, `${name}: ${run.describe()}`);
          assertOk(run.stderr.includes(`holds something other than ${plain}`), run.describe());
          assertEquals(entries(dir), [], `${name}: nothing installed`);
        }
      });

      await t.step("9. a new rt that does not run here replaces nothing", async () => {
        const broken = `#!/bin/sh
printf '\\033[31mcannot execute binary file: Exec format error\\033[0m\\n' >&2
exit 126
`;
        const from = server.url(await hostRelease(root, "broken", await pack(work, HOST, broken)));
        const dir = runner.fresh("bin");
        await Deno.mkdir(dir);
        const old = `#!/bin/sh\necho "rt 0.0.9"\n`;
        await Deno.writeTextFile(`${dir}/rt`, old, { mode: 0o755 });
        const run = await runner.run(["--dir", dir, "--from", from]);
        assertEquals(run.code, 1, run.describe());
        assertEquals(entries(dir), ["rt"], `only the old rt\n${run.describe()}`);
        assertEquals(await Deno.readTextFile(`${dir}/rt`), old, "the old rt is kept");
        assertOk(
          run.stderr.includes(
            `the new rt does not run on this computer ("rt --version" failed: [31mcannot ` +
              `execute binary file: Exec format error[0m), so the rt already in ${dir} was kept.`,
          ),
          run.describe(),
        );
        assertOk(run.stderr.includes("another processor, or a system without glibc"));
        assertOk(!hasControl(run.stderr), `no control characters: ${JSON.stringify(run.stderr)}`);

        const fresh = runner.fresh("bin");
        const first = await runner.run(["--dir", fresh, "--from", from]);
        assertEquals(first.code, 1, first.describe());
        assertOk(first.stderr.includes("so nothing was installed."), first.describe());
        assertEquals(entries(fresh), [], "nothing installed");
      });

      await t.step("10. the latest archive comes from its version's folder", async () => {
        // A release published between the two downloads: latest/ has moved on to it.
        const latest = `${root}/o/r/releases/latest/download`;
        const pinned = `${root}/o/r/releases/download/v${VERSION}`;
        await Deno.mkdir(latest, { recursive: true });
        await Deno.copyFile(`${root}/good/SHA256SUMS`, `${latest}/SHA256SUMS`);
        await Deno.copyFile(`${root}/tampered/${hostArchive}`, `${latest}/${hostArchive}`);
        await Deno.mkdir(pinned, { recursive: true });
        await Deno.copyFile(`${root}/good/SHA256SUMS`, `${pinned}/SHA256SUMS`);
        await Deno.copyFile(`${root}/good/${hostArchive}`, `${pinned}/${hostArchive}`);

        // "GitHub" on 127.0.0.1.
        const stamped = `${work}/install-github.sh`;
        const original = await Deno.readTextFile(SCRIPT);
        await Deno.writeTextFile(stamped, original.replaceAll("https://github.com", server.origin));

        const dir = runner.fresh("bin");
        const run = await runner.run(["--repo", "o/r", "--dir", dir], { script: stamped });
        assertEquals(run.code, 0, run.describe());
        assertEquals(run.paths, [
          "/o/r/releases/latest/download/SHA256SUMS",
          `/o/r/releases/download/v${VERSION}/${hostArchive}`,
        ]);
        await assertInstalled(dir, HOST, run);

        const asked = await runner.run(["--repo", "o/r", "--version", VERSION, "--dir", dir], {
          script: stamped,
        });
        assertEquals(asked.code, 0, asked.describe());
        assertEquals(asked.paths, [
          `/o/r/releases/download/v${VERSION}/SHA256SUMS`,
          `/o/r/releases/download/v${VERSION}/${hostArchive}`,
        ]);

        const dry = await runner.run(["--repo", "o/r", "--dry-run"], { script: stamped });
        assertOk(
          dry.stdout.includes(
            `Would download: ${server.origin}/o/r/releases/download/vVERSION/rt-VERSION-${HOST}` +
              ".tar.gz\n",
          ),
          dry.describe(),
        );
      });

      await t.step({
        name: "11. over https, curl and wget follow redirects to https only, TLS 1.2 at least",
        // Linux only: a certificate of one's own is trusted there by CURL_CA_BUNDLE and WGETRC.
        ignore: Deno.build.os !== "linux" || !which("openssl"),
        fn: async (t) => {
          const cert = `${work}/cert.pem`;
          const key = `${work}/key.pem`;
          const config = `${work}/openssl.cnf`;
          await Deno.writeTextFile(
            config,
            `[req]
distinguished_name = name
x509_extensions = ext
prompt = no
[name]
CN = 127.0.0.1
[ext]
basicConstraints = critical,CA:true
subjectAltName = IP:127.0.0.1
extendedKeyUsage = serverAuth
`,
          );
          await must("openssl", [
            ...["req", "-x509", "-config", config, "-newkey", "rsa:2048", "-nodes", "-days", "2"],
            ...["-keyout", key, "-out", cert],
          ]);
          await using tls = new ReleaseServer(root, {
            tls: { cert: await Deno.readTextFile(cert), key: await Deno.readTextFile(key) },
            // /to-http/X to X over http, /to-https/X to X here, /hop/X to /X (a relative one).
            redirect: (path): string | undefined => {
              const [, first, ...rest] = path.split("/");
              const tail = `/${rest.join("/")}`;
              if (first === "to-http") return `${server.origin}${tail}`;
              if (first === "to-https") return `${tls.origin}${tail}`;
              if (first === "hop") return tail;
              return undefined;
            },
          });
          const wgetrc = `${work}/wgetrc`;
          await Deno.writeTextFile(wgetrc, `ca_certificate = ${cert}\n`);
          const env = { CURL_CA_BUNDLE: cert, WGETRC: wgetrc };
          const hashers = ["sha256sum", "shasum"];

          /** Puts in `bin` a `name` that logs its arguments to `log`, then runs the real one. */
          const logging = async (bin: string, name: string, log: string) =>
            await Deno.writeTextFile(
              `${bin}/${name}`,
              `#!/bin/sh\nprintf '%s\\n' "$*" >>'${log}'\nexec '${which(name)}' "$@"\n`,
              { mode: 0o755 },
            );

          for (const fetcher of ["curl", "wget"]) {
            await t.step({
              name: fetcher,
              ignore: !which(fetcher),
              fn: async () => {
                const bin = await toolbox(runner, [...BASE_TOOLS, ...hashers]);
                const log = `${work}/${fetcher}.log`;
                await logging(bin, fetcher, log);

                const dir = runner.fresh("bin");
                const first = tls.requests.length;
                const redirected = tls.url("hop/to-https/good");
                const run = await runner.run(["--dir", dir, "--from", redirected], {
                  path: bin,
                  env,
                });
                assertEquals(run.code, 0, run.describe());
                await assertInstalled(dir, HOST, run);
                assertEquals(tls.requests.slice(first).map((r) => r.path), [
                  "/hop/to-https/good/SHA256SUMS",
                  "/to-https/good/SHA256SUMS",
                  "/good/SHA256SUMS",
                  `/hop/to-https/good/${hostArchive}`,
                  `/to-https/good/${hostArchive}`,
                  `/good/${hostArchive}`,
                ]);

                const refused = runner.fresh("bin");
                const toHttp = tls.url("to-http/good");
                const down = await runner.run(["--dir", refused, "--from", toHttp], {
                  path: bin,
                  env,
                });
                assertEquals(down.code, 1, down.describe());
                assertOk(down.stderr.includes("could not download"), down.describe());
                assertEquals(down.paths, [], "nothing asked of the plain http server");
                assertEquals(entries(refused), [], "nothing installed");

                const args = await Deno.readTextFile(log);
                if (fetcher === "curl") {
                  assertOk(args.includes("--proto =https --tlsv1.2 "), args);
                } else {
                  assertOk(args.includes("--max-redirect=0 --secure-protocol=TLSv1_2 "), args);
                  assertOk(down.stderr.includes("which is not an https address"), down.describe());
                }
              },
            });
          }

          await t.step({
            name: "a wget that cannot refuse a redirect (BusyBox, Wget2)",
            ignore: !which("wget"),
            fn: async () => {
              // What they say of themselves; they download as this machine's wget does.
              const says = {
                busybox: `case $1 in --version | --help)
  echo "BusyBox v1.36.1 multi-call binary." >&2
  echo "Usage: wget [-cqS] [--spider] [-O FILE] [-o LOGFILE] [--header STR] URL..." >&2
  exit 1 ;;
esac`,
                wget2: `case $1 in --version)
  echo "GNU Wget2 2.1.0 - multithreaded metalink/file/website downloader"
  exit 0 ;;
esac`,
              };
              for (const [name, script] of Object.entries(says)) {
                const bin = await toolbox(runner, [...BASE_TOOLS, ...hashers]);
                await Deno.writeTextFile(
                  `${bin}/wget`,
                  `#!/bin/sh\n${script}\nexec '${which("wget")}' "$@"\n`,
                  { mode: 0o755 },
                );
                const dir = runner.fresh("bin");
                const first = tls.requests.length;
                const from = tls.url("good");
                const run = await runner.run(["--dir", dir, "--from", from], { path: bin, env });
                assertEquals(run.code, 1, `${name}: ${run.describe()}`);
                assertOk(
                  run.stderr === "rt installer: this wget cannot be made to refuse a redirect to " +
                      "plain http or old TLS, and curl is not installed. Install curl and run " +
                      "this again, or add --insecure.\n",
                  `${name}: ${run.describe()}`,
                );
                assertEquals(tls.requests.length, first, "nothing downloaded");
                assertEquals(entries(dir), []);

                const anyway = await runner.run(["--insecure", "--dir", dir, "--from", from], {
                  path: bin,
                  env,
                });
                assertEquals(anyway.code, 0, `${name}: ${anyway.describe()}`);
                assertOk(anyway.stderr.includes("could be redirected to plain http"));
                await assertInstalled(dir, HOST, anyway);
              }
            },
          });
        },
      });

      await t.step("12. plain http to another computer needs --insecure", async () => {
        const dir = runner.fresh("bin");
        const remote = "http://example.invalid/rt/";
        const elsewhere = [
          remote,
          "http://127.0.0.1:1@example.invalid/rt/",
          "http://127.0.0.1.example.invalid/rt/",
          "http://localhost:80x/rt/",
        ];
        for (const from of elsewhere) {
          const run = await runner.run(["--dir", dir, "--from", from]);
          assertEquals(run.code, 2, run.describe());
          assertOk(/^rt installer: [^\n]+\(see --help\)\n$/.test(run.stderr), run.describe());
          assertOk(run.stderr.includes("is plain http"), run.describe());
          assertOk(run.stderr.includes("use https, or add --insecure"), run.describe());
        }
        const env = await runner.run(["--dir", dir], {
          env: { RT_RELEASE_URL: "http://example.invalid/rt" },
        });
        assertEquals(env.code, 2, env.describe());
        assertEquals(entries(dir), []);

        const insecure = await runner.run(["--insecure", "--dry-run", "--from", remote]);
        assertEquals(insecure.code, 0, insecure.describe());
        assertOk(insecure.stdout.includes(`Would download: ${remote}SHA256SUMS\n`));

        // This computer, under any of its names.
        const port = new URL(server.origin).port;
        const here = [`http://localhost:${port}/good/`, `http://[::1]:${port}/good/`];
        for (const from of [...here, "http://127.0.0.1/"]) {
          const dry = await runner.run(["--dry-run", "--from", from]);
          assertEquals(dry.code, 0, dry.describe());
        }
        const help = await runner.run(["--help"]);
        assertOk(help.stdout.includes("\n  --insecure "), help.describe());
      });

      await t.step("13. names from SHA256SUMS are shown without control characters", async () => {
        const bytes = await Deno.readFile(`${root}/good/${hostArchive}`);
        const hostile = `rt-${VERSION}\x1b]0;owned\x07-${HOST}.tar.gz`;
        const several = server.url(
          await hostRelease(
            root,
            "hostile-several",
            bytes,
            (name, hash) => `${hash}  ${name}\n${hash}  ${hostile}\n`,
          ),
        );
        const one = server.url(
          await hostRelease(
            root,
            "hostile-one",
            bytes,
            (_, hash) => `${hash}  rt-9\x1b[2J.0.0-${HOST}.tar.gz\n`,
          ),
        );
        const dir = runner.fresh("bin");
        const cases: [string[], string][] = [
          [
            ["--from", several],
            `lists several versions for ${HOST} (${VERSION} ${VERSION}]0;owned)`,
          ],
          [["--from", one], `names an archive with an unexpected version, "9[2J.0.0"`],
          [
            ["--from", several, "--version", "9.9.9"],
            `Versions it lists for this computer: ${VERSION} ${VERSION}]0;owned.`,
          ],
        ];
        for (const [args, says] of cases) {
          const run = await runner.run(["--dir", dir, ...args]);
          assertEquals(run.code, 1, run.describe());
          assertOk(run.stderr.includes(says), run.describe());
          assertOk(!hasControl(run.stdout + run.stderr), JSON.stringify(run.stderr));
        }
        assertEquals(entries(dir), []);
      });

      await t.step("14. SHA256SUMS as the tools write it, and as they must not", async () => {
        const bytes = await Deno.readFile(`${root}/good/${hostArchive}`);
        const other = releases.tamperedHash;
        const fine: [string, (name: string, hash: string) => string][] = [
          ["crlf", (name, hash) => `${hash}  ${name}\r\n`],
          ["upper-case", (name, hash) => `${hash.toUpperCase()}  ${name}\n`],
          ["binary-mode", (name, hash) => `${hash} *${name}\n`],
          [
            "near-names",
            (name, hash) =>
              [`${name}.sig`, name.slice(0, -".gz".length), `old-${name}`, `dist/${name}`]
                .map((near) => `${other}  ${near}\n`).join("") + `${hash}  ${name}\n`,
          ],
          [
            "same-twice",
            (name, hash) =>
              `${hash}  ${name}\n${hash.toUpperCase()} *${name}\r\n${hash}  ${name}\n`,
          ],
        ];
        for (const [name, sums] of fine) {
          const folder = await hostRelease(root, `sums-${name}`, bytes, sums);
          const dir = runner.fresh("bin");
          const run = await runner.run(["--dir", dir, "--from", server.url(folder)]);
          assertEquals(run.code, 0, `${name}: ${run.describe()}`);
          assertOk(run.stdout.includes(`The latest version is ${VERSION}.\n`), run.describe());
          assertEquals(run.paths, [`/${folder}/SHA256SUMS`, `/${folder}/${hostArchive}`]);
          await assertInstalled(dir, HOST, run);
        }

        const refused: [string, (name: string, hash: string) => string][] = [
          ["conflict", (name, hash) => `${hash}  ${name}\n${other}  ${name}\n`],
          ["conflict-first", (name, hash) => `${other}  ${name}\n${hash}  ${name}\n`],
          ["malformed", (name, hash) => `${hash}  ${name}\n${hash.slice(1)}  ${name}\n`],
        ];
        for (const [name, sums] of refused) {
          const folder = await hostRelease(root, `sums-${name}`, bytes, sums);
          const dir = runner.fresh("bin");
          const run = await runner.run(["--dir", dir, "--from", server.url(folder)]);
          assertEquals(run.code, 1, `${name}: ${run.describe()}`);
          assertOk(
            run.stderr.includes(
              `${server.url(folder)}SHA256SUMS has lines for ${hostArchive} that disagree, or ` +
                "one without a proper SHA-256, so it was not installed.",
            ),
            run.describe(),
          );
          assertEquals(run.paths, [`/${folder}/SHA256SUMS`], "the archive is not even fetched");
          assertEquals(entries(dir), []);
        }
      });

      await t.step("15. no predictable temporary name, no writing through links", async () => {
        const victim = `${work}/victim`;
        const other = `${work}/other-victim`;
        await Deno.writeTextFile(victim, "precious\n");
        await Deno.writeTextFile(other, "precious\n");

        // A link where a predictable temporary name would be: .rt-install- and the PID of the
        // shell, which a script that execs it knows.
        const dir = runner.fresh("bin");
        await Deno.mkdir(dir);
        const plant = `${work}/plant.sh`;
        await Deno.writeTextFile(
          plant,
          `ln -s '${victim}' '${dir}/.rt-install-'$$ && exec '${SHELL}' '${SCRIPT}' "$@"\n`,
        );
        const run = await runner.run(["--dir", dir, "--from", good], { script: plant });
        assertEquals(run.code, 0, run.describe());
        assertEquals(await Deno.readTextFile(victim), "precious\n", "nothing written through it");
        assertEquals(entries(dir).length, 2, `the planted link and rt: ${entries(dir)}`);
        assertOk((await Deno.lstat(`${dir}/rt`)).isFile, "rt is a file");

        // rt itself a link to a file elsewhere: the link is replaced, the file left alone.
        const linked = runner.fresh("bin");
        await Deno.mkdir(linked);
        await Deno.symlink(other, `${linked}/rt`);
        const again = await runner.run(["--dir", linked, "--from", good]);
        assertEquals(again.code, 0, again.describe());
        assertEquals(await Deno.readTextFile(other), "precious\n", "nothing written through it");
        assertOk((await Deno.lstat(`${linked}/rt`)).isFile, "rt is a file now");
        await assertInstalled(linked, HOST, again);
      });
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

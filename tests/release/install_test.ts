/**
 * Tests of `.github/release/install.sh`, the installer for people without Deno or Homebrew.
 *
 * They build a fake release in a temporary folder (a small shell script standing in for `rt`,
 * packed with the system's `tar` exactly as the release layout says, and a real SHA256SUMS),
 * serve it on 127.0.0.1, and run the script with `sh` (dash where it exists) in a controlled
 * environment: what it downloads, what it installs, what it refuses and what it says.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
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

/** One request the release server answered. */
interface Served {
  path: string;
  userAgent: string;
}

/** Serves the files under `root` on 127.0.0.1, and remembers every request. */
class ReleaseServer {
  readonly requests: Served[] = [];
  readonly #server: Deno.HttpServer<Deno.NetAddr>;

  constructor(root: string) {
    this.#server = Deno.serve(
      { hostname: "127.0.0.1", port: 0, onListen: () => {} },
      async (request) => {
        const path = decodeURIComponent(new URL(request.url).pathname);
        this.requests.push({ path, userAgent: request.headers.get("user-agent") ?? "" });
        if (path.split("/").includes("..")) return new Response("no", { status: 400 });
        try {
          return new Response(await Deno.readFile(`${root}${path}`));
        } catch {
          return new Response("not found", { status: 404 });
        }
      },
    );
  }

  /** The URL of a folder of releases, as `--from` takes it. */
  url(folder: string): string {
    return `http://127.0.0.1:${this.#server.addr.port}/${folder}/`;
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
    } finally {
      await Deno.remove(work, { recursive: true });
    }
  },
});

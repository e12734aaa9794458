/**
 * rt as JSR serves it: the real `deno publish` uploads the checkout to a JSR registry faked on
 * loopback ({@link FakeJsr}), then `deno run jsr:@rt/chat` and `deno install -g jsr:@rt/chat`
 * run what was uploaded, each with an empty Deno cache, as a new user would.
 *
 * Only the npm registry is reached beyond loopback (for the npm packages rt depends on, as for a
 * real user). The global install is also started once with no network at all (a network
 * namespace with only loopback), when the test runs as root on Linux with `unshare` and `ip`.
 *
 * @module
 */
import { delimiter, dirname, join } from "node:path";
import denoJson from "../../deno.json" with { type: "json" };
import { rtRunFlags } from "../../.github/release/task_flags.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { localGraph, PACKAGE, type Publication, publishCheckout, VERSION } from "./jsr_publish.ts";
import { FakeJsr } from "./jsr_registry.ts";
import { describe, findProgram, run, type RunResult, userEnv } from "./jsr_run.ts";
import { RtProcess } from "../e2e/harness.ts";

const DAY_MS = 24 * 60 * 60 * 1000;
const SPECIFIER = `jsr:${PACKAGE}`;
const decoder = new TextDecoder();

let publication: Promise<Publication> | null = null;

/** The checkout, published once (by whichever test asks first) with the real `deno publish`. */
function published(): Promise<Publication> {
  publication ??= publishCheckout();
  return publication;
}

/** A fake registry serving what was published, uploaded `ageMs` ago (a day: the day after). */
async function registryWithRt(ageMs = DAY_MS): Promise<FakeJsr> {
  const { version } = await published();
  const registry = new FakeJsr({ name: PACKAGE, token: "unused" });
  registry.add(VERSION, version, ageMs);
  return registry;
}

/** Temporary folders of one test, removed at the end (`await using`). */
class TempDirs {
  readonly #dirs: string[] = [];

  /** A new empty folder. */
  make(prefix: string): string {
    const dir = Deno.makeTempDirSync({ prefix: `rt-jsr-${prefix}-` });
    this.#dirs.push(dir);
    return dir;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    for (const dir of this.#dirs.splice(0)) await Deno.remove(dir, { recursive: true });
  }
}

/** `deno` with the environment of a user who points `JSR_URL` at the fake registry. */
function runDeno(args: string[], env: Record<string, string>, cwd: string): Promise<RunResult> {
  return run(Deno.execPath(), args, { env: userEnv(env), cwd, timeoutMs: 60_000 });
}

/**
 * A user's environment with `extra`, and the folder of this `deno` first on `PATH`: the shim
 * `deno install` writes runs `deno` from `PATH`.
 */
function withDenoOnPath(extra: Record<string, string>): Record<string, string> {
  const env = userEnv(extra);
  const key = Object.keys(env).find((k) => k.toUpperCase() === "PATH") ?? "PATH";
  const rest = env[key] ? `${delimiter}${env[key]}` : "";
  env[key] = `${dirname(Deno.execPath())}${rest}`;
  return env;
}

/** Asserts a run exited 0, with its whole output in the message otherwise. */
function assertSuccess(result: RunResult, what: string): void {
  assertOk(result.code === 0, `${what} failed\n${describe(result)}`);
}

/** A program and its first arguments; more arguments follow. */
interface CommandPrefix {
  program: string;
  args: string[];
}

/**
 * The command that runs a program (its path and arguments follow) in a new network namespace
 * with only loopback, up: no network at all. `null` where that cannot be done (not Linux, not
 * root, no `unshare` or `ip`), found by trying.
 */
async function isolation(): Promise<CommandPrefix | null> {
  if (Deno.build.os !== "linux") return null;
  const unshare = findProgram("unshare");
  const ip = findProgram("ip");
  if (unshare === null || ip === null) return null;
  const args = ["-n", "sh", "-c", `"$0" link set lo up && exec "$@"`, ip];
  const probe = await run(unshare, [...args, "true"], { env: userEnv({}), timeoutMs: 10_000 });
  return probe.code === 0 ? { program: unshare, args } : null;
}

/** The import specifiers of a module's source: static, side-effect, re-export and dynamic. */
function specifiers(source: string): string[] {
  const patterns = [
    // `from` as a keyword: after a space or a brace, not inside a string ("from").
    /^\s*(?:import|export)\b[^;]*?(?<=[\s}*])from\s*["']([^"']+)["']/gm,
    /^\s*import\s*["']([^"']+)["']/gm,
    /\bimport\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((m) => m[1]!));
}

Deno.test("deno publish uploads rt's program and nothing else, with npm imports unfurled", async () => {
  const { version, requests, output } = await published();
  const paths = [...version.files.keys()];
  const context = `uploaded: ${paths.join(" ")}\n${describe(output)}`;

  // Every publishing step of the real client happened: the version did not exist, the
  // package did, the upload, then the status poll.
  const steps = requests.map((line) => line.replace(/[0-9a-f-]{36}/, "ID"));
  assertEquals(steps, [
    `GET /api/scopes/rt/packages/chat/versions/${VERSION} → 404`,
    "GET /api/scopes/rt/packages/chat → 200",
    `POST /api/scopes/rt/packages/chat/versions/${VERSION}?config=%2Fdeno.json → 200`,
    "GET /api/publish_status/ID → 200",
  ]);
  assertEquals(version.exports, { ".": "./main.ts" });

  for (const path of ["/main.ts", "/deno.json", "/LICENSE", "/README.md", "/deno.lock"]) {
    assertOk(version.files.has(path), `${path} was not uploaded\n${context}`);
  }
  // Everything main.ts imports, and the picture worker (started by URL, outside the graph).
  const needed = new Set([
    ...await localGraph("main.ts"),
    ...await localGraph("lib/tui/picture_worker.ts"),
  ]);
  assertOk(needed.has("/lib/tui/picture_worker.ts") && needed.size > 50, [...needed].join(" "));
  for (const path of needed) assertOk(version.files.has(path), `${path} is missing\n${context}`);
  const stray = paths.filter((p) => /^\/(tests|bench|\.ci|\.github|dist)\//.test(p));
  assertEquals(stray, [], "files from folders the package must not hold were uploaded");

  // No bare specifier is left: every npm import is one of deno.json's, pinned.
  const targets = Object.values(denoJson.imports);
  const npmSeen = new Set<string>();
  for (const [path, bytes] of version.files) {
    if (!/\.[mc]?[jt]sx?$/.test(path)) continue;
    for (const specifier of specifiers(decoder.decode(bytes))) {
      assertOk(
        /^(\.{1,2}\/|\/|[a-z][a-z0-9+.-]*:)/.test(specifier),
        `${path} still imports the bare specifier "${specifier}"`,
      );
      if (specifier.startsWith("npm:")) {
        // A subpath is unfurled as `npm:/name@version/sub/path`.
        const npm = specifier.replace(/^npm:\//, "npm:");
        assertOk(
          targets.some((t) => npm === t || npm.startsWith(`${t}/`)),
          `${path} imports ${specifier}, which is not in deno.json's imports`,
        );
        npmSeen.add(npm);
      }
    }
  }
  for (const name of ["@commander-js/extra-typings", "zod", "libsodium-wrappers-sumo"] as const) {
    const target = denoJson.imports[name];
    assertOk(npmSeen.has(target), `no uploaded module imports ${target} (from "${name}")`);
  }
});

Deno.test("the day it is published, a user's Deno takes rt only with --minimum-dependency-age=0", async () => {
  await using dirs = new TempDirs();
  await using registry = await registryWithRt(0);
  const env = { JSR_URL: registry.url, DENO_DIR: dirs.make("deno-dir") };
  const refused = await runDeno(["run", "-A", SPECIFIER, "--version"], env, dirs.make("cwd"));
  assertOk(
    refused.code !== 0 && /minimum dependency age/i.test(refused.stderr),
    `a version published just now was not held back\n${describe(refused)}`,
  );
  const taken = await runDeno(
    ["run", "-A", "--minimum-dependency-age=0", SPECIFIER, "--version"],
    env,
    dirs.make("cwd"),
  );
  assertSuccess(taken, "deno run --minimum-dependency-age=0");
  assertEquals(taken.stdout.trim(), VERSION);
});

Deno.test("deno run -A jsr:@rt/chat --version prints deno.json's version", async () => {
  await using dirs = new TempDirs();
  await using registry = await registryWithRt();
  const env = { JSR_URL: registry.url, DENO_DIR: dirs.make("deno-dir") };
  const cwd = dirs.make("cwd");
  const result = await runDeno(["run", "-A", SPECIFIER, "--version"], env, cwd);
  assertSuccess(result, "deno run -A jsr:@rt/chat --version");
  assertEquals(result.stdout.trim(), VERSION);
  const served = registry.requestLines().join("\n");
  assertOk(/GET \/@rt\/chat\/meta\.json → 200/.test(served), served);
  assertOk(new RegExp(`GET /@rt/chat/${VERSION}/main\\.ts → 200`).test(served), served);

  // The same command again: all from Deno's cache, nothing said.
  const before = registry.requests.length;
  const again = await runDeno(["run", "-A", SPECIFIER, "--version"], env, cwd);
  assertSuccess(again, "the second deno run -A jsr:@rt/chat --version");
  assertEquals(again.stdout.trim(), VERSION);
  assertEquals(again.stderr, "", `the second start printed on stderr\n${describe(again)}`);
  assertEquals(registry.requestLines(before), [], "the second start asked the registry");
});

Deno.test("deno run -A jsr:@rt/chat id --json creates and shows an identity", async () => {
  await using dirs = new TempDirs();
  await using registry = await registryWithRt();
  const home = dirs.make("home");
  const env = { JSR_URL: registry.url, DENO_DIR: dirs.make("deno-dir"), RT_HOME: home };
  const result = await runDeno(["run", "-A", SPECIFIER, "id", "--json"], env, dirs.make("cwd"));
  assertSuccess(result, "rt id --json");
  const event = JSON.parse(result.stdout.trim());
  assertEquals(event.type, "identity", describe(result));
  assertOk(/^[0-9a-f]{64}$/.test(event.publicKey), describe(result));
  assertOk(typeof event.fingerprint === "string" && event.fingerprint !== "", describe(result));
  assertEquals(event.created, true, describe(result));
  assertOk(Deno.statSync(event.file).isFile, `${event.file} was not written`);
  assertOk(
    Deno.realPathSync(event.file).startsWith(Deno.realPathSync(home)),
    `the key is not in RT_HOME\n${describe(result)}`,
  );
});

Deno.test("a room hosted from the JSR package, joined from another, carries a message", async () => {
  await using dirs = new TempDirs();
  await using registry = await registryWithRt();
  const common = { JSR_URL: registry.url, DENO_DIR: dirs.make("deno-dir") };
  const start = (label: string, args: string[]) =>
    new RtProcess({
      label,
      args,
      program: [Deno.execPath(), "run", ...rtRunFlags(), SPECIFIER],
      // As a user would, outside rt's checkout (whose deno.json would apply otherwise).
      cwd: dirs.make(`cwd-${label}`),
      env: { ...common, DENO_NO_UPDATE_CHECK: "1" },
      password: "pw-7",
      home: dirs.make(`home-${label}`),
    });
  const hana = start("hana", [
    "--bind",
    "127.0.0.1",
    "--no-upnp",
    "--no-announce",
    "--name",
    "hana",
  ]);
  let bob: RtProcess | null = null;
  try {
    // The first start downloads rt and its npm packages: a generous wait.
    const listening = await hana.next("listening", undefined, { timeoutMs: 45_000 });
    await hana.next("welcome", (e) => e.name === "hana" && e.host === true);
    bob = start("bob", ["127.0.0.1", String(listening.port), "--name", "bob"]);
    await bob.next("welcome", (e) => e.name === "bob" && e.host === false);
    await hana.next("joined", (e) => e.name === "bob");
    await bob.type("hello from the JSR package");
    const heard = await hana.next("message", (e) => e.from === "bob");
    assertEquals(heard.text, "hello from the JSR package");
    await bob.closeStdin();
    assertEquals((await bob.exit()).code, 0, bob.describe());
    await hana.next("left", (e) => e.name === "bob");
    await hana.closeStdin();
    assertEquals((await hana.exit()).code, 0, hana.describe());
  } finally {
    await bob?.dispose();
    await hana.dispose();
  }
});

Deno.test("deno install -g jsr:@rt/chat: rt starts again with a clean stderr, and offline", async (t) => {
  await using dirs = new TempDirs();
  await using registry = await registryWithRt();
  const root = dirs.make("root");
  const cwd = dirs.make("cwd");
  const env = withDenoOnPath({
    JSR_URL: registry.url,
    DENO_DIR: dirs.make("deno-dir"),
    RT_HOME: dirs.make("home"),
  });
  const install = await runDeno(
    ["install", "-g", "--root", root, "-n", "rt", ...rtRunFlags(), SPECIFIER],
    env,
    cwd,
  );
  assertSuccess(install, "deno install -g");
  const served = registry.requestLines().join("\n");
  assertOk(
    new RegExp(`GET /@rt/chat/${VERSION}/deno\\.lock → 200`).test(served),
    `the install did not take the package's deno.lock (npm versions unpinned)\n${served}`,
  );
  assertOk(
    new RegExp(`GET /@rt/chat/${VERSION}/lib/tui/picture_worker\\.ts → 200`).test(served),
    `the install did not cache the picture worker: the first picture needs the network\n${served}`,
  );
  const shim = join(root, "bin", Deno.build.os === "windows" ? "rt.cmd" : "rt");
  const shimText = Deno.readTextFileSync(shim);
  for (const flag of rtRunFlags()) {
    assertOk(shimText.includes(flag), `the shim lacks ${flag}:\n${shimText}`);
  }

  const requestsBefore = registry.requests.length;
  for (const start of ["first", "second"]) {
    const result = await run(shim, ["--version"], { env, cwd, timeoutMs: 30_000 });
    assertSuccess(result, `the ${start} start of the installed rt`);
    assertEquals(result.stdout.trim(), VERSION, describe(result));
    assertEquals(result.stderr, "", `the ${start} start printed on stderr\n${describe(result)}`);
  }
  assertEquals(registry.requestLines(requestsBefore), [], "the installed rt asked the registry");

  const isolated = await isolation();
  await t.step({
    name: "with no network at all (unshare -n, loopback only)",
    ignore: isolated === null,
    fn: async () => {
      const { program, args } = isolated!;
      const result = await run(program, [...args, shim, "--version"], {
        env,
        cwd,
        timeoutMs: 30_000,
      });
      assertSuccess(result, "the installed rt without a network");
      assertEquals(result.stdout.trim(), VERSION, describe(result));
      assertEquals(
        result.stderr,
        "",
        `it printed on stderr without a network\n${describe(result)}`,
      );
    },
  });
  if (isolated === null) {
    console.log("(skipped the start without a network: needs root on Linux, unshare and ip)");
  }
});

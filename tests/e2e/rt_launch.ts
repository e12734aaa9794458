/**
 * How the tests and the benchmarks start the real `rt`: its command line and its environment,
 * written once. The e2e harness (`--json`), the namespace tests (`ip netns exec`), the terminal
 * tests (tmux) and the benchmarks all build rt's process from here.
 *
 * @module
 */
import { join } from "node:path";
import { rtRunFlags } from "../../.github/release/task_flags.ts";

/** The repository root (where `main.ts` and `deno.json` are). */
export const ROOT: URL = new URL("../../", import.meta.url);

/**
 * What `deno run` gets before `main.ts`: `--cached-only` (rt never contacts a registry once
 * installed) and exactly the flags of the `compile` task (permissions, V8 memory), which the
 * executable gets and the `start` and `install` tasks share. A grant rt lacks fails here, not on a user's machine.
 */
export const RUN_FLAGS: string[] = ["--cached-only", ...rtRunFlags()];

/** The environment variables that decide where rt keeps its files. */
export type HomeVariable = "RT_HOME" | "HOME" | "XDG_CONFIG_HOME";

/**
 * The environment that tells rt where `home` is. `RT_HOME` is rt's folder itself. Otherwise
 * `home` is a person's fresh home on every system (`HOME`, `USERPROFILE`, and `APPDATA` within
 * it, as on Windows), so that rt can never reach the test machine's own; `XDG_CONFIG_HOME`
 * adds a config folder inside it, which rt uses on Linux and other Unix systems.
 */
export function homeEnvironment(variable: HomeVariable, home: string): Record<string, string> {
  if (variable === "RT_HOME") return { RT_HOME: home };
  const person = { HOME: home, USERPROFILE: home, APPDATA: join(home, "AppData", "Roaming") };
  return variable === "HOME" ? person : { ...person, XDG_CONFIG_HOME: join(home, "config") };
}

/** A fresh folder for rt's files, under the system's temporary directory. */
export function tempHome(): string {
  return Deno.makeTempDirSync({ prefix: "rt-e2e-home-" });
}

let cachedDenoDir: string | undefined;

/**
 * The folder of Deno's cache that this test run uses. Children get it by name: by default it
 * lies under `HOME`, which some tests change, and rt runs with `--cached-only`.
 */
export function denoDir(): string {
  if (cachedDenoDir === undefined) {
    const info = new Deno.Command(Deno.execPath(), {
      args: ["info", "--json"],
      stdout: "piped",
      stderr: "null",
    }).outputSync();
    cachedDenoDir = JSON.parse(new TextDecoder().decode(info.stdout)).denoDir as string;
  }
  return cachedDenoDir;
}

/**
 * What Deno itself needs from the test's environment (its cache, temp dirs, PATH, what Windows
 * needs to start a program), and Deno's own reading of the network set-up (proxies, trusted
 * certificates), which matters only where a child installs something: rt never reads these.
 * Nothing else, so the test machine's `RT_PASSWORD` or login name cannot leak into a test.
 */
const KEPT = new RegExp(
  "^(PATH|PATHEXT|COMSPEC|WINDIR|SYSTEMROOT|HOME|USERPROFILE|TMPDIR|TEMP|TMP|XDG_CACHE_HOME|" +
    "DENO_.*|NPM_CONFIG_.*|NODE_EXTRA_CA_CERTS|SSL_CERT_FILE|SSL_CERT_DIR|(HTTPS?|NO|ALL)_PROXY)$",
  "i",
);

/** The clean environment of a child: Deno's needs (above), its cache, and `NO_COLOR=1`. */
export function childEnv(): Record<string, string> {
  const env: Record<string, string> = { NO_COLOR: "1" };
  for (const [key, value] of Object.entries(Deno.env.toObject())) {
    if (KEPT.test(key)) env[key] = value;
  }
  env.DENO_DIR = denoDir();
  return env;
}

/**
 * rt's settings read from the environment that a benchmark's child must not inherit from
 * whoever runs it (rt reads an empty value as unset).
 */
const INHERITED_SETTINGS = ["RT_PROXY", "RT_TOR_PASSWORD", "RT_IPDB_REGISTRY"];

/** Who rt is in one run, as its environment says. */
export interface RtEnvOptions {
  /** rt's folder, or the person's home (see `homeVariable`). */
  home: string;
  /** How rt is told where `home` is (see {@link homeEnvironment}); default `RT_HOME`. */
  homeVariable?: HomeVariable;
  /** `RT_PASSWORD`; left out: unset. */
  password?: string;
  /** More environment (e.g. `RT_PROXY`, `USER`); it may override `NO_COLOR` and the password. */
  env?: Record<string, string>;
  /** Leave `NO_COLOR` unset, so rt may use colours (default: `NO_COLOR=1`, plain text). */
  color?: boolean;
  /**
   * Keep the parent's environment and only set rt's variables, for a parent that may not read
   * its own (the benchmarks run without `--allow-env`); rt's other settings are emptied.
   */
  inherit?: boolean;
}

/** The environment of one rt process, and whether it replaces the parent's (`clearEnv`). */
export function rtEnv(options: RtEnvOptions): { env: Record<string, string>; clearEnv: boolean } {
  const base: Record<string, string> = options.inherit
    ? Object.fromEntries(INHERITED_SETTINGS.map((name) => [name, ""]))
    : childEnv();
  delete base.NO_COLOR;
  const env: Record<string, string> = {
    ...base,
    ...(options.color ? {} : { NO_COLOR: "1" }),
    ...(options.password === undefined ? {} : { RT_PASSWORD: options.password }),
    ...options.env,
    ...homeEnvironment(options.homeVariable ?? "RT_HOME", options.home),
  };
  return { env, clearEnv: !options.inherit };
}

/** What starts rt from the checkout. */
export interface RtCommandOptions {
  /** The program to run instead of `main.ts`, relative to the checkout (a test fixture). */
  script?: string;
  /** Writing allowed only in this folder, not anywhere as the executable may. */
  writeOnly?: string;
  /** The name of Deno to run (default: this Deno's path; the benchmarks' grant says `deno`). */
  deno?: string;
}

/** `deno run` with {@link RUN_FLAGS} and the checkout's `main.ts`, as the tests run rt. */
export function rtCommand(options: RtCommandOptions = {}): string[] {
  const write = options.writeOnly;
  const flags = write === undefined
    ? RUN_FLAGS
    : RUN_FLAGS.map((flag) => flag === "--allow-write" ? `--allow-write=${write}` : flag);
  return [options.deno ?? Deno.execPath(), "run", ...flags, options.script ?? "main.ts"];
}

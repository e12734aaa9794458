/**
 * The command line, read: `parseCommandLine` turns rt's arguments into a {@link Plan}, the text
 * to print (help, version), or a usage error with its reason. It reads no file, no environment
 * and no terminal, prints nothing and never exits: what it needs of the world is given.
 *
 * @module
 */
import { CommanderError } from "@commander-js/extra-typings";
import { chatPlan } from "./chat_plan.ts";
import { type Parsed, type Plan, type UsageError, usageError } from "./plan.ts";
import { buildProgram, type Program } from "./program.ts";

/** What the parser needs to know of the world. */
export interface CliContext {
  /** rt runs as a compiled executable (`Deno.build.standalone`), not from a checkout. */
  standalone: boolean;
  /** Where help is wrapped: the terminal's columns, when stdout is one. Default: 80. */
  helpWidth?: number;
}

/** Commander's codes for help and the version shown. */
const SHOWN = new Set(["commander.helpDisplayed", "commander.version", "commander.help"]);

/** rt's arguments (after the program's name), read. */
export function parseCommandLine(args: string[], context: CliContext): Parsed {
  const pasted = pastedRt(args, context.standalone);
  if (pasted !== null) return usageError(pasted);
  const program = buildProgram(context.helpWidth);
  try {
    program.rt.parse(args, { from: "user" });
  } catch (error) {
    if (!(error instanceof CommanderError)) throw error;
    if (SHOWN.has(error.code)) return { kind: "print", text: program.output.out, status: 0 };
    return usageError(program.output.error ?? error.message);
  }
  const plan = planOf(program);
  return plan.kind === "usage" ? plan : { kind: "plan", plan };
}

/** The plan of the command whose action ran, from its options and arguments. */
function planOf(program: Program): Plan | UsageError {
  const { rt, id, peers, find, ipdb, output } = program;
  switch (output.ran) {
    case "id":
      return { kind: "id", json: id.opts().json === true };
    case "peers": {
      const [verb, who] = peers.processedArgs;
      if (verb !== undefined && (verb !== "forget" || who === undefined)) {
        return usageError('use "rt peers" or "rt peers forget NAME"');
      }
      return { kind: "peers", json: peers.opts().json === true, ...(who ? { forget: who } : {}) };
    }
    case "ipdb": {
      const [verb] = ipdb.processedArgs;
      if (verb !== undefined && verb !== "update") {
        return usageError('use "rt ipdb" or "rt ipdb update"');
      }
      return { kind: "ipdb", update: verb === "update" };
    }
    case "find": {
      // rt's own options before `find` count for the room joined, except --name and
      // --password-file, which are find's own.
      const options = find.opts();
      const general = rt.opts();
      return {
        kind: "find",
        json: options.json === true || general.json === true,
        waitSeconds: options.wait,
        ...(options.name === undefined ? {} : { name: options.name }),
        ...(options.passwordFile === undefined ? {} : { passwordFile: options.passwordFile }),
        handshakeTimeoutMs: general.handshakeTimeout * 1000,
        ...(general.downloads === undefined ? {} : { downloads: general.downloads }),
        autoAcceptFrom: general.autoAcceptFrom ?? [],
        reconnect: general.reconnect,
      };
    }
    case "rt": {
      const [address, port] = rt.processedArgs;
      return chatPlan(rt.opts(), address, port);
    }
    case null:
      throw new Error("commander ran no action and reported no error");
  }
}

/** What to say when the first argument is the word `rt` itself (pasted with the command). */
function pastedRt(args: string[], standalone: boolean): string | null {
  if (args[0] !== "rt") return null;
  // `rt rt 4000`: a host called "rt" on the network, joined at a port.
  if (args.length >= 2 && /^\d+$/.test(args[1]!)) return null;
  const command = (prefix: string) => [prefix, ...args.slice(1)].join(" ");
  // An executable is rt itself; otherwise rt runs from a checkout, started by a task.
  if (standalone) return `Leave out the word rt: type ${command("rt")}`;
  return `Leave out the word rt: type ${command("deno task start")} (or run deno task ` +
    `install once to have an rt command: then ${command("rt")})`;
}

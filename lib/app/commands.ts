/**
 * The table of the commands a member can type, and how a typed line becomes an action and is
 * carried out. `/help`, Tab completion (`commandWords`), the README check (through `/help`) and
 * the chat all read the one table: adding a command is adding one entry to it.
 *
 * @module
 */
import { type Command, type CommandContext, findIn, type Invalid } from "./command.ts";
import { FILE_COMMANDS } from "./file_commands.ts";
import { GENERAL_COMMANDS } from "./general_commands.ts";
import { HOST_COMMANDS } from "./host_commands.ts";
import { SAY, type Say, TALK_COMMANDS } from "./talk_commands.ts";

export type { Command, CommandContext, CommandHelp, Invalid, Setting } from "./command.ts";
export type { HostCommand, HostControls } from "./host_commands.ts";

/** Every command, in the order `/help` lists them. */
export const COMMANDS = [...TALK_COMMANDS, ...FILE_COMMANDS, ...HOST_COMMANDS, ...GENERAL_COMMANDS];

/** What a typed line asks for: a command's action, saying it, nothing, or a mistake. */
export type Action = ActionOf<typeof COMMANDS[number]> | Say | { kind: "nothing" } | Invalid;
type ActionOf<C> = C extends Command<infer A> ? A : never;

/** Commands from other chat programs and what they are in rt. */
const FOREIGN: Record<string, string> = {
  ":exit": "/quit",
  "!exit": "/quit",
  ":quit": "/quit",
  ":aliases": "/who",
  ":help": "/help",
  ":dm": "/dm",
  ":file": "/send all",
};

/** Finds a command by name or alias, with or without the slash. */
export function findCommand(name: string): Command | undefined {
  return findIn(COMMANDS, name);
}

/** Words Tab can complete at the start of a line. */
export function commandWords(): string[] {
  return COMMANDS.flatMap((c) => [c.name, ...c.aliases]).filter((w) => w !== "/?");
}

/** A parsed line, and a hint when it was written the way another program spells it. */
export interface Parsed {
  action: Action;
  hint?: string;
  /** The command that carries the action out (none for nothing, or a mistake). */
  command?: Command;
}

/** Parses one typed line. Pure: the same line always gives the same action. */
export function parseLine(line: string): Parsed {
  if (line.trim().length === 0) return { action: { kind: "nothing" } };
  if (line.startsWith("//")) return { action: { kind: "say", text: line.slice(1) }, command: SAY };
  const [first = "", ...words] = line.trim().split(/\s+/);
  const foreign = FOREIGN[first.toLowerCase()];
  if (foreign) {
    return { ...parseLine([foreign, ...words].join(" ")), hint: `In rt, ${first} is ${foreign}` };
  }
  if (!line.startsWith("/")) return { action: { kind: "say", text: line }, command: SAY };
  const command = findCommand(first);
  if (!command) {
    const message =
      `Unknown command ${first}; type /help for the list (// sends a line starting with /)`;
    return { action: { kind: "invalid", message } };
  }
  const action = command.parse({
    text: line.trim().slice(first.length).trim(),
    words,
    wrong: (more = "") => ({ kind: "invalid", message: `Usage: ${command.usage}${more}` }),
  }) as Action;
  return action.kind === "invalid" ? { action } : { action, command };
}

/** Carries out one typed line (its hint said first); `"quit"` when it ends the chat. */
export function runLine(line: string, context: CommandContext): "quit" | void {
  const { action, hint, command } = parseLine(line);
  if (hint) context.show({ type: "notice", code: "hint", text: hint });
  if (action.kind === "invalid") {
    return context.show({ type: "error", code: "invalid-command", message: action.message });
  }
  return command?.run(action, context);
}

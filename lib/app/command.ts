/**
 * What one command of the chat is: its names, its help, how the words typed after it become
 * an action (a pure function), and how that action is carried out. The table of them is in
 * `commands.ts`; `/help`, Tab completion, the README check and the chat all read it there.
 *
 * @module
 */
import type { ChatClient } from "../client/mod.ts";
import type { ChatEvent } from "../events.ts";
import type { HostControls } from "./host_commands.ts";

/** A line that cannot be carried out, and why (shown as is). */
export interface Invalid {
  kind: "invalid";
  message: string;
}

/** A setting the user can turn on and off. */
export type Setting = "timestamps" | "bell";

/** The words typed after a command's name. */
export interface Arguments {
  /** All of them, as typed, spaces around left out. */
  text: string;
  /** Each word (split at spaces). */
  words: string[];
  /** The usage error for this command, with `more` after it. */
  wrong(more?: string): Invalid;
}

/** What a command acts on. */
export interface CommandContext {
  /** The member in the room: what they say, their files, the keys they know. */
  client: ChatClient;
  /** Shows an event. */
  show(event: ChatEvent): void;
  /** Turns a display setting on or off. */
  configure(setting: Setting, on: boolean): void;
  /** The host's controls; joiners have none. */
  controls?: HostControls;
  /** Finds a member's address (the host only). */
  addressOf?: (name: string) => string | undefined;
  /** The home folder, for `~` in the paths typed after `/send`. */
  home?: string;
  /** Every command, in the order `/help` lists them. */
  commands: readonly CommandHelp[];
}

/** One command's documentation. */
export interface CommandHelp {
  /** The command as typed, e.g. `/quit`. */
  name: string;
  /** Other spellings. */
  aliases: string[];
  /** How to type it, e.g. `/send NAME|all PATH...`. */
  usage: string;
  /** One line for `/help`. */
  summary: string;
  /** More for `/help COMMAND`. */
  details: string;
  /** What its first word is, for Tab to complete: a member's name, or `all` as well. */
  argument?: "name" | "name or all";
}

/** A command: its documentation, and the action `A` it parses to and carries out. */
export interface Command<A extends { kind: string } = { kind: string }> extends CommandHelp {
  /** The action the words after the command ask for, or a usage error. Pure. */
  parse(args: Arguments): A | Invalid;
  /** Carries the action out; `"quit"` ends the chat. */
  run(action: A, context: CommandContext): "quit" | void;
}

/** A command entry, with its action's type kept exact (`kind: "who"`, not `string`). */
export function command<const A extends { kind: string }>(entry: Command<A>): Command<A> {
  return entry;
}

/** A transfer number as typed (`3` or `#3`), or `null`. */
export function transferId(word: string): number | null {
  const match = /^#?(\d{1,9})$/.exec(word.trim());
  return match ? Number(match[1]) : null;
}

/** `on` or `off` (any case) as a boolean; `null` for anything else. */
export function onOff(word: string | undefined): boolean | null {
  const w = word?.toLowerCase();
  return w === "on" ? true : w === "off" ? false : null;
}

/** The command of `commands` called `name` (or so aliased), with or without the slash. */
export function findIn<C extends CommandHelp>(commands: readonly C[], name: string): C | undefined {
  const wanted = (name.startsWith("/") ? name : `/${name}`).toLowerCase();
  return commands.find((c) => c.name === wanted || c.aliases.includes(wanted));
}

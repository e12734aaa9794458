/**
 * The commands about the chat itself: `/timestamps`, `/bell`, `/help`, `/quit`.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import { command, type CommandHelp, findIn, onOff, type Setting } from "./command.ts";

/** `/help`: every command in a line each, or one `topic` in full. */
export function helpEvent(commands: readonly CommandHelp[], topic?: string): ChatEvent {
  if (topic === undefined) {
    return { type: "help", commands: commands.map((c) => ({ command: c.usage, help: c.summary })) };
  }
  const found = findIn(commands, topic);
  if (!found) {
    return { type: "error", code: "invalid-command", message: `No command ${topic}; type /help` };
  }
  const also = found.aliases.length > 0 ? ` (also ${found.aliases.join(", ")})` : "";
  return { type: "help", commands: [{ command: found.usage + also, help: found.details }] };
}

/** A display setting turned on or off. */
function setting<const S extends Setting>(name: S, help: { summary: string; details: string }) {
  return command({
    name: `/${name}`,
    aliases: [],
    usage: `/${name} on|off`,
    ...help,
    parse: ({ words, wrong }) => {
      const on = onOff(words[0]);
      return on === null ? wrong() : { kind: "setting", setting: name, on };
    },
    run: ({ setting, on }, { configure, show }) => {
      configure(setting, on);
      show({ type: "setting", setting, on });
    },
  });
}

/** `/timestamps` ... `/quit`, in the order `/help` lists them. */
export const GENERAL_COMMANDS = [
  setting("timestamps", {
    summary: "show or hide the time before each message",
    details: "Turns the [HH:MM] before each line on or off (on at start).",
  }),
  setting("bell", {
    summary: "ring the terminal bell when someone mentions your name",
    details: "When someone writes your name it is highlighted; with the bell on (the default) " +
      "the terminal also beeps or flashes.",
  }),
  command({
    name: "/help",
    aliases: ["/?"],
    usage: "/help [COMMAND]",
    summary: "list the commands, or explain one",
    details: "Without a command, lists every command. '/help quit' explains /quit.",
    parse: ({ text }) => text ? { kind: "help", topic: text } : { kind: "help" },
    run: (action, { commands, show }) =>
      show(helpEvent(commands, "topic" in action ? action.topic : undefined)),
  }),
  command({
    name: "/quit",
    aliases: ["/exit"],
    usage: "/quit",
    summary: "leave the room (the host: close it for everyone)",
    details: "Leaves the room; everyone sees that you left. When the host quits, the room " +
      "closes for everyone. Ctrl+C does the same; Ctrl+D on an empty line leaves too.",
    parse: () => ({ kind: "quit" }),
    run: () => "quit",
  }),
];

/**
 * The commands a member can type, and how a typed line becomes an action.
 *
 * @module
 */

/** What a typed line asks for. */
export type Action =
  | { kind: "say"; text: string }
  | { kind: "who" }
  | { kind: "quit" }
  | { kind: "help" }
  | { kind: "nothing" }
  | { kind: "unknown"; command: string };

/** Every command with its one-line help, in the order `/help` lists them. */
export const COMMANDS: { command: string; help: string }[] = [
  { command: "/who", help: "list who is in the room" },
  { command: "/quit", help: "leave the room (the host: close it for everyone); also /exit" },
  { command: "/help", help: "show this list" },
  { command: "//text", help: 'send a message that starts with "/"' },
];

/** Parses one typed line. */
export function parseLine(line: string): Action {
  if (line.trim().length === 0) return { kind: "nothing" };
  if (line.startsWith("//")) return { kind: "say", text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "say", text: line };
  const command = line.trim().split(/\s+/, 1)[0]!.toLowerCase();
  switch (command) {
    case "/who":
      return { kind: "who" };
    case "/quit":
    case "/exit":
      return { kind: "quit" };
    case "/help":
    case "/?":
      return { kind: "help" };
    default:
      return { kind: "unknown", command };
  }
}

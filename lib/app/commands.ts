/**
 * The commands a member can type, their help, and how a typed line becomes an action.
 *
 * @module
 */

/** What only the host may do. */
export type HostCommand = "blocked" | "unblock" | "kick" | "ban" | "lock" | "unlock" | "password";

/** A setting the user can turn on and off. */
export type Setting = "timestamps" | "bell";

/** What a typed line asks for. */
export type Action =
  | { kind: "say"; text: string; me?: boolean }
  | { kind: "who" }
  | { kind: "quit" }
  | { kind: "help"; topic?: string }
  | { kind: "setting"; setting: Setting; on: boolean }
  | { kind: "msg"; to: string; text: string }
  | { kind: "dm"; to: string | null }
  | { kind: "whois"; name: string }
  | { kind: "verify"; name: string }
  | { kind: "trust"; name: string }
  | { kind: "host"; command: HostCommand; argument: string }
  /** `/send NAME|all PATH...`: the words after `/send`, parsed by the file transfers. */
  | { kind: "send"; argument: string }
  | { kind: "accept"; id?: number }
  | { kind: "reject"; id?: number }
  | { kind: "cancel"; id: number }
  | { kind: "transfers" }
  | { kind: "nothing" }
  | { kind: "invalid"; message: string };

/** One command's documentation. */
export interface CommandHelp {
  /** The command as typed, e.g. `/quit`. */
  name: string;
  /** Other spellings. */
  aliases: string[];
  /** How to type it. */
  usage: string;
  /** One line for `/help`. */
  summary: string;
  /** More for `/help COMMAND`. */
  details: string;
}

/** Every command, in the order `/help` lists them. */
export const COMMANDS: CommandHelp[] = [
  {
    name: "/who",
    aliases: [],
    usage: "/who",
    summary: "list who is in the room",
    details: "Lists everyone in the room, oldest first, and who the host is.",
  },
  {
    name: "/me",
    aliases: [],
    usage: "/me ACTION",
    summary: "say what you are doing, shown as '* you ACTION'",
    details: "Sends an action instead of a message: '/me waves' shows as '* ann waves'.",
  },
  {
    name: "/msg",
    aliases: [],
    usage: "/msg NAME TEXT",
    summary: "send a direct message only NAME can read",
    details: "Encrypted to NAME's own key and signed by you: not even the host relaying it can " +
      "read it. Others do not see that you sent it, except the host, who relays it.",
  },
  {
    name: "/dm",
    aliases: [],
    usage: "/dm NAME | /dm all",
    summary: "send what you type next to NAME only, until /dm all",
    details: "After '/dm bob', every line you type is a direct message to bob (the prompt shows " +
      "it); '/dm all' goes back to talking to the room.",
  },
  {
    name: "/whois",
    aliases: [],
    usage: "/whois NAME",
    summary: "show a member's key fingerprint, status and arrival",
    details: "Shows NAME's fingerprint, whether rt knows their key (new, known, verified or " +
      "changed), when they joined, and, for the host, their address.",
  },
  {
    name: "/verify",
    aliases: [],
    usage: "/verify NAME",
    summary: "show the safety code to compare with NAME by phone or in person",
    details: "Both of you run /verify on each other and read the code aloud. If the codes " +
      "match, nobody stands between you: run /trust NAME. If not, stop talking.",
  },
  {
    name: "/trust",
    aliases: [],
    usage: "/trust NAME",
    summary: "mark NAME's key as verified after comparing safety codes",
    details: "rt remembers that you checked this key, shows NAME as verified, and warns loudly " +
      "if NAME ever comes back with a different key.",
  },
  {
    name: "/send",
    aliases: ["/file"],
    usage: "/send NAME|all PATH...",
    summary: "offer files or folders to NAME (or everyone)",
    details: "Offers the files and folders named (quote paths with spaces) to NAME, or to " +
      "everyone with 'all'. They see each file's name, size, type and SHA-256 and answer " +
      "with /accept or /reject; nothing is written before they accept. The content is " +
      "encrypted to each recipient's own key, so the host relaying it cannot read it, and " +
      "checked against its hash when it arrives. An interrupted transfer carries on where it " +
      "stopped when you send the same files again.",
  },
  {
    name: "/accept",
    aliases: [],
    usage: "/accept [ID]",
    summary: "accept files offered to you",
    details: "Accepts offer ID (the number shown with it; not needed when only one offer is " +
      "waiting). Files go to rt's downloads folder under safe names, never replacing a file " +
      "already there, and are kept only if they match their hash. Pictures are shown in " +
      "terminals that can (kitty, iTerm2, WezTerm, sixel terminals).",
  },
  {
    name: "/reject",
    aliases: ["/decline"],
    usage: "/reject [ID]",
    summary: "turn down files offered to you",
    details: "Turns down offer ID; the sender is told.",
  },
  {
    name: "/cancel",
    aliases: [],
    usage: "/cancel ID",
    summary: "stop a transfer, sending or receiving",
    details: "Stops transfer ID either way and tells the other side; what was received of it " +
      "is deleted.",
  },
  {
    name: "/transfers",
    aliases: [],
    usage: "/transfers",
    summary: "list file transfers: offered, going, done",
    details: "Lists every transfer of this session with its number, the other member, size, " +
      "how far it got and its state.",
  },
  {
    name: "/kick",
    aliases: [],
    usage: "/kick NAME",
    summary: "(host) remove NAME from the room",
    details: "Removes NAME; everyone sees that they were removed. They may join again with the " +
      "password: use /ban to keep them out.",
  },
  {
    name: "/ban",
    aliases: [],
    usage: "/ban NAME",
    summary: "(host) remove NAME and keep their address and key out",
    details: "Removes NAME and blocks both their address and their personal key, until " +
      "/unblock. The block is kept in rt's folder and survives a restart.",
  },
  {
    name: "/blocked",
    aliases: [],
    usage: "/blocked",
    summary: "(host) list blocked addresses and banned keys",
    details: "Addresses are blocked automatically after six wrong passwords; /ban adds an " +
      "address and a key. Each entry says why and since when.",
  },
  {
    name: "/unblock",
    aliases: [],
    usage: "/unblock ADDRESS|NAME",
    summary: "(host) lift a block",
    details: "Lifts the block of an address (as /blocked shows it), or of a banned name.",
  },
  {
    name: "/lock",
    aliases: [],
    usage: "/lock",
    summary: "(host) refuse new joiners for now; /unlock to open again",
    details: "While locked, anyone who tries to join is told the room is locked. Members " +
      "already in the room stay.",
  },
  {
    name: "/unlock",
    aliases: [],
    usage: "/unlock",
    summary: "(host) accept new joiners again",
    details: "Opens a locked room again.",
  },
  {
    name: "/password",
    aliases: [],
    usage: "/password",
    summary: "(host) a new generated password for future joins",
    details: "Makes a new six-word password and shows it to you. Members already in the room " +
      "stay; anyone joining from now on needs the new one.",
  },
  {
    name: "/timestamps",
    aliases: [],
    usage: "/timestamps on|off",
    summary: "show or hide the time before each message",
    details: "Turns the [HH:MM] before each line on or off (on at start).",
  },
  {
    name: "/bell",
    aliases: [],
    usage: "/bell on|off",
    summary: "ring the terminal bell when someone mentions your name",
    details: "When someone writes your name it is highlighted; with the bell on (the default) " +
      "the terminal also beeps or flashes.",
  },
  {
    name: "/help",
    aliases: ["/?"],
    usage: "/help [COMMAND]",
    summary: "list the commands, or explain one",
    details: "Without a command, lists every command. '/help quit' explains /quit.",
  },
  {
    name: "/quit",
    aliases: ["/exit"],
    usage: "/quit",
    summary: "leave the room (the host: close it for everyone)",
    details: "Leaves the room; everyone sees that you left. When the host quits, the room " +
      "closes for everyone. Ctrl+C does the same; Ctrl+D on an empty line leaves too.",
  },
];

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
export function findCommand(name: string): CommandHelp | undefined {
  const wanted = (name.startsWith("/") ? name : `/${name}`).toLowerCase();
  return COMMANDS.find((c) => c.name === wanted || c.aliases.includes(wanted));
}

/** A parsed line, and a hint when it was written the way another program spells it. */
export interface Parsed {
  action: Action;
  hint?: string;
}

function onOff(word: string | undefined): boolean | null {
  const w = word?.toLowerCase();
  return w === "on" ? true : w === "off" ? false : null;
}

/** A transfer number as typed (`3` or `#3`), or `null`. */
function transferId(word: string): number | null {
  const match = /^#?(\d{1,9})$/.exec(word.trim());
  return match ? Number(match[1]) : null;
}

/** Parses one typed line. */
export function parseLine(line: string): Parsed {
  if (line.trim().length === 0) return { action: { kind: "nothing" } };
  if (line.startsWith("//")) return { action: { kind: "say", text: line.slice(1) } };
  const [first = "", ...rest] = line.trim().split(/\s+/);
  const foreign = FOREIGN[first.toLowerCase()];
  if (foreign) {
    const { action } = parseLine([foreign, ...rest].join(" "));
    return { action, hint: `In rt, ${first} is ${foreign}` };
  }
  if (!line.startsWith("/")) return { action: { kind: "say", text: line } };
  const command = findCommand(first);
  const argument = line.trim().slice(first.length).trim();
  switch (command?.name) {
    case "/who":
      return { action: { kind: "who" } };
    case "/quit":
      return { action: { kind: "quit" } };
    case "/help":
      return { action: argument ? { kind: "help", topic: argument } : { kind: "help" } };
    case "/me":
      return argument
        ? { action: { kind: "say", text: argument, me: true } }
        : { action: { kind: "invalid", message: "Usage: /me ACTION, as in /me waves" } };
    case "/msg": {
      const [to, ...words] = rest;
      const text = to === undefined ? "" : argument.slice(to.length).trim();
      return to && words.length > 0 && text
        ? { action: { kind: "msg", to, text } }
        : { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
    }
    case "/dm":
      if (rest.length !== 1) {
        return { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
      }
      return { action: { kind: "dm", to: rest[0]!.toLowerCase() === "all" ? null : rest[0]! } };
    case "/whois":
    case "/verify":
    case "/trust": {
      if (rest.length !== 1) {
        return { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
      }
      const kind = command.name.slice(1) as "whois" | "verify" | "trust";
      return { action: { kind, name: rest[0]! } };
    }
    case "/send":
      return { action: { kind: "send", argument } };
    case "/accept":
    case "/reject": {
      const kind = command.name.slice(1) as "accept" | "reject";
      if (!argument) return { action: { kind } };
      const id = transferId(argument);
      return id === null
        ? { action: { kind: "invalid", message: `Usage: ${command.usage}` } }
        : { action: { kind, id } };
    }
    case "/cancel": {
      const id = transferId(argument);
      return id === null
        ? { action: { kind: "invalid", message: `Usage: ${command.usage} (see /transfers)` } }
        : { action: { kind: "cancel", id } };
    }
    case "/transfers":
      return { action: { kind: "transfers" } };
    case "/kick":
    case "/ban":
      // A member's name is one word.
      if (rest.length !== 1) {
        return { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
      }
      return {
        action: { kind: "host", command: command.name.slice(1) as HostCommand, argument: rest[0]! },
      };
    case "/unblock":
      // All of it: a name banned by an older rt may have spaces.
      if (!argument) return { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
      return { action: { kind: "host", command: "unblock", argument } };
    case "/blocked":
    case "/lock":
    case "/unlock":
    case "/password":
      return { action: { kind: "host", command: command.name.slice(1) as HostCommand, argument } };
    case "/timestamps":
    case "/bell": {
      const on = onOff(rest[0]);
      if (on === null) return { action: { kind: "invalid", message: `Usage: ${command.usage}` } };
      const setting = command.name.slice(1) as Setting;
      return { action: { kind: "setting", setting, on } };
    }
    default:
      return {
        action: {
          kind: "invalid",
          message:
            `Unknown command ${first}; type /help for the list (// sends a line starting with /)`,
        },
      };
  }
}

/** Words Tab can complete at the start of a line. */
export function commandWords(): string[] {
  return COMMANDS.flatMap((c) => [c.name, ...c.aliases]).filter((w) => w !== "/?");
}

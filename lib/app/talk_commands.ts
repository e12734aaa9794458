/**
 * The commands for talking and for the people talked to: `/who`, `/me`, `/msg`, `/dm`,
 * `/whois`, `/verify`, `/trust`. A name is one word, taken as typed.
 *
 * @module
 */
import { command, type CommandContext } from "./command.ts";

/** Saying a line: to the room (or to the `/dm` member); `me`: as an action. */
export interface Say {
  kind: "say";
  text: string;
  me?: boolean;
}

/** What a line that is not a command does: say it. */
export const SAY = command<Say>({
  name: "",
  aliases: [],
  usage: "",
  summary: "",
  details: "",
  parse: ({ text }) => ({ kind: "say", text }),
  run: ({ text, me }, { client }) => client.say(text, me === true),
});

/** The commands that take one member's name, and nothing else. */
function aboutOne<const K extends "whois" | "verify" | "trust">(
  kind: K,
  help: { usage: string; summary: string; details: string },
  run: (context: CommandContext, name: string) => void,
) {
  return command({
    name: `/${kind}`,
    aliases: [],
    argument: "name",
    ...help,
    parse: ({ words, wrong }) => words.length === 1 ? { kind, name: words[0]! } : wrong(),
    run: ({ name }, context) => run(context, name),
  });
}

/** `/who` ... `/trust`, in the order `/help` lists them. */
export const TALK_COMMANDS = [
  command({
    name: "/who",
    aliases: [],
    usage: "/who",
    summary: "list who is in the room",
    details: "Lists everyone in the room, oldest first, and who the host is.",
    parse: () => ({ kind: "who" }),
    run: (_, { client }) => client.who(),
  }),
  command<Say>({
    name: "/me",
    aliases: [],
    usage: "/me ACTION",
    summary: "say what you are doing, shown as '* you ACTION'",
    details: "Sends an action instead of a message: '/me waves' shows as '* ann waves'.",
    parse: ({ text, wrong }) => text ? { kind: "say", text, me: true } : wrong(", as in /me waves"),
    run: SAY.run,
  }),
  command({
    name: "/msg",
    aliases: [],
    argument: "name",
    usage: "/msg NAME TEXT",
    summary: "send a direct message only NAME can read",
    details: "Encrypted to NAME's own key and signed by you: not even the host relaying it can " +
      "read it. Others do not see that you sent it, except the host, who relays it.",
    parse: ({ text, words, wrong }) => {
      const [to, ...rest] = words;
      const said = to === undefined ? "" : text.slice(to.length).trim();
      return to && rest.length > 0 && said ? { kind: "msg", to, text: said } : wrong();
    },
    run: ({ to, text }, { client }) => client.direct(to, text),
  }),
  command({
    name: "/dm",
    aliases: [],
    argument: "name or all",
    usage: "/dm NAME | /dm all",
    summary: "send what you type next to NAME only, until /dm all",
    details: "After '/dm bob', every line you type is a direct message to bob (the prompt shows " +
      "it); '/dm all' goes back to talking to the room.",
    parse: ({ words, wrong }) =>
      words.length !== 1
        ? wrong()
        : { kind: "dm", to: words[0]!.toLowerCase() === "all" ? null : words[0]! },
    run: ({ to }, { client }) => client.talkTo(to),
  }),
  aboutOne("whois", {
    usage: "/whois NAME",
    summary: "show a member's key fingerprint, status and arrival",
    details: "Shows NAME's fingerprint, whether rt knows their key (new, known, verified or " +
      "changed), when they joined, and, for the host, their address.",
  }, ({ client, addressOf }, name) => client.whois(name, addressOf?.(name))),
  aboutOne("verify", {
    usage: "/verify NAME",
    summary: "show the safety code to compare with NAME by phone or in person",
    details: "Both of you run /verify on each other and read the code aloud. If the codes " +
      "match, nobody stands between you: run /trust NAME. If not, stop talking.",
  }, ({ client }, name) => client.verify(name)),
  aboutOne("trust", {
    usage: "/trust NAME",
    summary: "mark NAME's key as verified after comparing safety codes",
    details: "rt remembers that you checked this key, shows NAME as verified, and warns loudly " +
      "if NAME ever comes back with a different key.",
  }, ({ client }, name) => client.trust(name)),
];

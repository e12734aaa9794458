/**
 * The commands for files: `/send`, `/accept`, `/reject`, `/cancel`, `/transfers`. A transfer
 * is named by the number shown with it (`3` or `#3`).
 *
 * @module
 */
import { parseSend } from "../files/mod.ts";
import { type Arguments, command, type Invalid, transferId } from "./command.ts";

/** An answer to an offer: `id`, or the one offer waiting when no number is given. */
type Answer<K extends "accept" | "reject"> = { kind: K; id?: number };

/** `/accept [ID]` and `/reject [ID]`. */
function answer<const K extends "accept" | "reject">(kind: K) {
  return ({ text, wrong }: Arguments): Answer<K> | Invalid => {
    if (!text) return { kind };
    const id = transferId(text);
    return id === null ? wrong() : { kind, id };
  };
}

/** `/send` ... `/transfers`, in the order `/help` lists them. */
export const FILE_COMMANDS = [
  command({
    name: "/send",
    aliases: ["/file"],
    argument: "name or all",
    usage: "/send NAME|all PATH...",
    summary: "offer files or folders to NAME (or everyone)",
    details: "Offers the files and folders named (quote paths with spaces) to NAME, or to " +
      "everyone with 'all'. They see each file's name, size, type and SHA-256 and answer " +
      "with /accept or /reject; nothing is written before they accept. The content is " +
      "encrypted to each recipient's own key, so the host relaying it cannot read it, and " +
      "checked against its hash when it arrives. An interrupted transfer carries on where it " +
      "stopped when you send the same files again.",
    // The paths are read when it runs: `~` is the home folder, and quotes are the user's.
    parse: ({ text }) => ({ kind: "send", argument: text }),
    run: ({ argument }, { client, home, show }) => {
      const parsed = parseSend(argument, home);
      if ("error" in parsed) {
        return show({ type: "error", code: "invalid-command", message: parsed.error });
      }
      client.sendFiles(parsed.to, parsed.paths);
    },
  }),
  command<Answer<"accept">>({
    name: "/accept",
    aliases: [],
    usage: "/accept [ID]",
    summary: "accept files offered to you",
    details: "Accepts offer ID (the number shown with it; not needed when only one offer is " +
      "waiting). Files go to rt's downloads folder under safe names, never replacing a file " +
      "already there, and are kept only if they match their hash. Pictures are shown in " +
      "terminals that can (kitty, iTerm2, WezTerm, sixel terminals).",
    parse: answer("accept"),
    run: ({ id }, { client }) => client.accept(id),
  }),
  command<Answer<"reject">>({
    name: "/reject",
    aliases: ["/decline"],
    usage: "/reject [ID]",
    summary: "turn down files offered to you",
    details: "Turns down offer ID; the sender is told.",
    parse: answer("reject"),
    run: ({ id }, { client }) => client.reject(id),
  }),
  command({
    name: "/cancel",
    aliases: [],
    usage: "/cancel ID",
    summary: "stop a transfer, sending or receiving",
    details: "Stops transfer ID either way and tells the other side; what was received of it " +
      "is deleted.",
    parse: ({ text, wrong }) => {
      const id = transferId(text);
      return id === null ? wrong(" (see /transfers)") : { kind: "cancel", id };
    },
    run: ({ id }, { client }) => client.cancel(id),
  }),
  command({
    name: "/transfers",
    aliases: [],
    usage: "/transfers",
    summary: "list file transfers: offered, going, done",
    details: "Lists every transfer of this session with its number, the other member, size, " +
      "how far it got and its state.",
    parse: () => ({ kind: "transfers" }),
    run: (_, { client }) => client.listTransfers(),
  }),
];

/**
 * The commands only the host may use: `/kick`, `/ban`, `/blocked`, `/unblock`, `/lock`,
 * `/unlock`, `/password`. Others who type them are told so.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import { fingerprint } from "../identity/mod.ts";
import { nobodyCalled } from "../room/mod.ts";
import type { BlockEntry } from "../store/mod.ts";
import { fromHex } from "../util/mod.ts";
import { type Arguments, command, type Invalid } from "./command.ts";

/** What the host can do to the room (absent for joiners). */
export interface HostControls {
  blocked(): BlockEntry[];
  unblock(what: string): BlockEntry[];
  kick(name: string): { name: string } | null;
  ban(name: string): BlockEntry | null;
  locked: boolean;
  /** Sets a new generated password and returns it. */
  newPassword(): string;
}

/** What only the host may do. */
export type HostCommand = "blocked" | "unblock" | "kick" | "ban" | "lock" | "unlock" | "password";

const notice = (code: string, text: string): ChatEvent => ({ type: "notice", code, text });

/** A host command: its help, what its words must be, and what it does with them. */
function hostOnly<const C extends HostCommand>(entry: {
  name: C;
  usage: string;
  summary: string;
  details: string;
  argument?: "name";
  /** The argument in the words typed, or what is wrong with them. */
  takes: (args: Arguments) => string | Invalid;
  act: (controls: HostControls, argument: string) => ChatEvent;
}) {
  const { name, takes, act, ...help } = entry;
  return command({
    ...help,
    name: `/${name}`,
    aliases: [],
    parse: (args) => {
      const taken = takes(args);
      return typeof taken === "string" ? { kind: "host", command: name, argument: taken } : taken;
    },
    run: ({ argument }, { controls, show }) =>
      show(
        controls
          ? act(controls, argument)
          : { type: "error", code: "host-only", message: `Only the host can use /${name}` },
      ),
  });
}

/** A member's name: one word. */
const oneName = ({ words, wrong }: Arguments) => words.length === 1 ? words[0]! : wrong();
/** Whatever follows, if anything. */
const rest = ({ text }: Arguments) => text;

/** `/kick` ... `/password`, in the order `/help` lists them. */
export const HOST_COMMANDS = [
  hostOnly({
    name: "kick",
    usage: "/kick NAME",
    summary: "(host) remove NAME from the room",
    details: "Removes NAME; everyone sees that they were removed. They may join again with the " +
      "password: use /ban to keep them out.",
    argument: "name",
    takes: oneName,
    act: (controls, name) => {
      const removed = controls.kick(name);
      return removed
        ? notice("kicked", `Removed ${removed.name} from the room`)
        : { type: "error", code: "no-such-member", message: nobodyCalled(name, "can be removed") };
    },
  }),
  hostOnly({
    name: "ban",
    usage: "/ban NAME",
    summary: "(host) remove NAME and keep their address and key out",
    details: "Removes NAME and blocks both their address and their personal key, until " +
      "/unblock. The block is kept in rt's folder and survives a restart.",
    argument: "name",
    takes: oneName,
    act: (controls, name) => {
      const entry = controls.ban(name);
      if (!entry) {
        return {
          type: "error",
          code: "no-such-member",
          message: nobodyCalled(name, "can be banned"),
        };
      }
      return notice(
        "banned",
        entry.address === null
          ? `Banned ${entry.name}'s key; their address is shared (this computer, or Tor), so ` +
            "it stays open to others"
          : `Banned ${entry.name}: their key, and their address ${entry.address}`,
      );
    },
  }),
  hostOnly({
    name: "blocked",
    usage: "/blocked",
    summary: "(host) list blocked addresses and banned keys",
    details: "Addresses are blocked automatically after six wrong passwords; /ban adds an " +
      "address and a key. Each entry says why and since when.",
    takes: rest,
    act: (controls) => ({
      type: "blocked",
      entries: controls.blocked().map((e) => ({
        address: e.address,
        name: e.name,
        fingerprint: e.key ? fingerprint(fromHex(e.key)) : null,
        reason: e.reason,
        since: e.since,
      })),
    }),
  }),
  hostOnly({
    name: "unblock",
    usage: "/unblock ADDRESS|NAME",
    summary: "(host) lift a block",
    details: "Lifts the block of an address (as /blocked shows it), or of a banned name.",
    argument: "name",
    // All of it: a name banned by an older rt may have spaces.
    takes: ({ text, wrong }) => text || wrong(),
    act: (controls, what) => {
      const lifted = controls.unblock(what);
      return lifted.length === 0
        ? { type: "error", code: "not-blocked", message: `Nothing blocked matches "${what}"` }
        : notice("unblocked", `Unblocked ${lifted.map((e) => e.address ?? e.name).join(", ")}`);
    },
  }),
  hostOnly({
    name: "lock",
    usage: "/lock",
    summary: "(host) refuse new joiners for now; /unlock to open again",
    details: "While locked, anyone who tries to join is told the room is locked. Members " +
      "already in the room stay.",
    takes: rest,
    act: (controls) => {
      controls.locked = true;
      return notice("locked", "The room is locked: nobody new can join until /unlock");
    },
  }),
  hostOnly({
    name: "unlock",
    usage: "/unlock",
    summary: "(host) accept new joiners again",
    details: "Opens a locked room again.",
    takes: rest,
    act: (controls) => {
      controls.locked = false;
      return notice("unlocked", "The room is open to new joiners again");
    },
  }),
  hostOnly({
    name: "password",
    usage: "/password",
    summary: "(host) a new generated password for future joins",
    details: "Makes a new six-word password and shows it to you. Members already in the room " +
      "stay; anyone joining from now on needs the new one.",
    takes: rest,
    act: (controls) => ({ type: "room-password", password: controls.newPassword() }),
  }),
];

/**
 * The chat itself, once in a room: what the user types goes to the room, what the room says
 * goes to the user. Used by the host's own seat and by joiners alike.
 *
 * @module
 */
import { type ClientMessage, MAX_TEXT_CHARS, type RoomMessage } from "../codec/messages.ts";
import type { Session } from "../client/session.ts";
import { AsyncQueue } from "../client/queue.ts";
import { RtError } from "../errors.ts";
import type { ChatEvent } from "../tui/events.ts";
import type { ChatUi, UserInput } from "../tui/ui.ts";
import { type Action, COMMANDS, findCommand, type HostCommand, parseLine } from "./commands.ts";
import { checkName, NAME_RULES, nextName, suggestName } from "../room/names.ts";
import type { BlockEntry } from "../store/blocklist.ts";
import { fingerprint } from "../identity/keys.ts";
import { fromHex } from "../handshake/bytes.ts";
import type { RoomView } from "./room_view.ts";
import { Transfers } from "../files/transfers.ts";
import { parseSend } from "../files/send_arguments.ts";
import { splitText } from "./split_text.ts";

/**
 * Most messages one line is sent as (100,000 characters): a line over the limit of one message
 * goes out in parts, and one that would flood the room is refused, to be sent as a file.
 */
export const MAX_PARTS = 25;

/** How a chat ended. */
export type ChatEnd =
  /** The user left (or, for the host, closed the room). */
  | "left"
  /** The host closed the room. */
  | "closed"
  /** The connection to the room failed. */
  | "lost";

/** The room's welcome. */
export type Welcome = Extract<RoomMessage, { t: "welcome" }>;

/**
 * Chooses a name: sends `join` with each proposal until the room welcomes one. Returns the
 * welcome, or `null` when the user gave up (end of input or interrupt) or the session ended.
 */
export async function chooseName(
  session: Session,
  ui: ChatUi,
  options: {
    suggested: string;
    askFirst: boolean;
    /** This session's random number, sent with the name (see `MemberInfo.nonce`). */
    nonce?: Uint8Array;
  },
): Promise<Welcome | null> {
  let ask = options.askFirst;
  // What Enter alone stands for: the name given, then after a refusal a free or usable one.
  let offered = options.suggested;
  while (true) {
    let name = offered;
    if (ask) {
      const prompt = `Your name${offered ? ` [${offered}]` : ""}: `;
      const answer = await ui.ask({
        for: "name",
        prompt,
        hidden: false,
        ...(offered ? { suggested: offered } : {}),
      });
      if (answer.kind !== "line") return null;
      name = answer.text.trim() || offered;
    }
    ask = true;
    // The rules are checked here first, where they can be said in full (the host checks
    // them too, and may be of another version).
    const checked = checkName(name);
    if ("refused" in checked) {
      ui.show({ type: "name-refused", reason: `${checked.refused}. ${NAME_RULES}` });
      offered = suggestName(name) ?? (name === offered ? "" : offered);
      continue;
    }
    session.send(options.nonce ? { t: "join", name, nonce: options.nonce } : { t: "join", name });
    while (true) {
      const message = await session.next();
      if (message === null) return null;
      if (message.t === "welcome") return message;
      if (message.t === "name-refused") {
        ui.show({ type: "name-refused", reason: message.reason });
        // Taken, most likely (the rules passed here): the next free-looking one.
        offered = nextName(checked.display);
        break;
      }
      if (message.t === "notice") ui.show({ type: "notice", text: message.text });
      if (message.t === "closed") {
        ui.show({ type: "closed", reason: message.reason });
        return null;
      }
    }
  }
}

type Happening =
  | { from: "room"; message: RoomMessage | null; error?: unknown }
  | { from: "user"; input: UserInput };

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

/** Options of a chat. */
export interface ChatOptions {
  /** The host's controls; joiners have none. */
  controls?: HostControls;
  /** The room as this member sees it. */
  view: RoomView;
  /** Finds a member's address (the host only). */
  addressOf?: (name: string) => string | undefined;
  /** File transfers: where received files go, and whose offers are accepted at once. */
  files: FileOptions;
}

/** How this member sends and receives files. */
export interface FileOptions {
  /** Where received files are saved. */
  downloads: string;
  /** Names whose offers are accepted without asking, when their key is verified. */
  autoAcceptFrom?: string[];
  /** The home folder, for `~` in paths typed after `/send`. */
  home?: string;
}

/** Runs the chat until the user leaves, the room closes, or the connection fails. */
export async function runChat(
  session: Session,
  ui: ChatUi,
  options: ChatOptions,
): Promise<ChatEnd> {
  const { view } = options;
  let target: string | null = null;
  const setPrompt = () => ui.setPrompt(target ? `${view.self} → ${target}> ` : `${view.self}> `);
  setPrompt();
  for (const event of view.welcomeEvents()) ui.show(event);
  const transfers = new Transfers({
    peers: view,
    link: session,
    downloads: options.files.downloads,
    autoAcceptFrom: options.files.autoAcceptFrom,
    show: (event) => ui.show(event),
  });
  const background = (work: Promise<void>) =>
    work.catch((error) => {
      const text = error instanceof Error ? error.message : String(error);
      ui.show({ type: "error", code: "file-transfer", message: text });
    });
  const happenings = new AsyncQueue<Happening>();
  let stop = false;
  (async () => {
    while (!stop) {
      try {
        const message = await session.next();
        happenings.push({ from: "room", message });
        if (message === null) return;
      } catch (error) {
        happenings.push({ from: "room", message: null, error });
        return;
      }
    }
  })();
  (async () => {
    while (!stop) {
      const input = await ui.next();
      happenings.push({ from: "user", input });
      if (input.kind === "end") return;
    }
  })();
  const send = (message: ClientMessage) => {
    try {
      session.send(message);
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      ui.show({ type: "error", code: "send-failed", message: text });
    }
  };
  const speak = (text: string, me: boolean, to: string | null) => {
    // Longer than one message may be: several messages, cut between words.
    const parts = text.length > MAX_TEXT_CHARS ? splitText(text, MAX_TEXT_CHARS) : [text];
    const count = (n: number) => n.toLocaleString("en-US");
    if (parts.length > MAX_PARTS) {
      return ui.show({
        type: "error",
        code: "too-long",
        message: `That message has ${count(text.length)} characters, ${parts.length} ` +
          `messages' worth; rt sends at most ${MAX_PARTS} from one line. Send it as a file ` +
          "with /send (Up brings the line back)",
      });
    }
    const outgoing: { message: ClientMessage; event?: ChatEvent }[] = [];
    for (const part of parts) {
      if (to === null) {
        outgoing.push({ message: view.say(part, me) });
        continue;
      }
      const direct = view.direct(to, part, me);
      if ("error" in direct) {
        return ui.show({ type: "error", code: "no-such-member", message: direct.error });
      }
      outgoing.push(direct);
    }
    if (parts.length > 1) {
      ui.show({
        type: "notice",
        code: "split",
        text: `That message has ${count(text.length)} characters, more than one message holds ` +
          `(${count(MAX_TEXT_CHARS)}): sent as ${parts.length} messages`,
      });
    }
    for (const { message, event } of outgoing) {
      send(message);
      if (event) ui.show(event);
    }
  };
  const act = (action: Action): ChatEnd | null => {
    switch (action.kind) {
      case "nothing":
        break;
      case "say":
        speak(action.text, action.me === true, target);
        break;
      case "msg":
        speak(action.text, false, action.to);
        break;
      case "dm": {
        if (action.to !== null && !view.nameOf(action.to)) {
          ui.show({
            type: "error",
            code: "no-such-member",
            message: `Nobody called "${action.to}" is in the room`,
          });
          break;
        }
        target = action.to === null ? null : view.nameOf(action.to)!;
        setPrompt();
        ui.show({ type: "dm-target", to: target });
        break;
      }
      case "who":
        send({ t: "who" });
        break;
      case "whois":
        ui.show(view.whois(action.name, options.addressOf?.(action.name)));
        break;
      case "verify":
        ui.show(view.safetyCode(action.name));
        break;
      case "trust":
        ui.show(view.trust(action.name));
        break;
      case "send": {
        const parsed = parseSend(action.argument, options.files.home);
        if ("error" in parsed) {
          ui.show({ type: "error", code: "invalid-command", message: parsed.error });
        } else background(transfers.send(parsed.to, parsed.paths));
        break;
      }
      case "accept":
        background(transfers.accept(action.id));
        break;
      case "reject":
        transfers.reject(action.id);
        break;
      case "cancel":
        transfers.cancel(action.id);
        break;
      case "transfers":
        ui.show(transfers.list());
        break;
      case "help":
        ui.show(helpEvent(action.topic));
        break;
      case "host":
        if (!options.controls) {
          ui.show({
            type: "error",
            code: "host-only",
            message: `Only the host can use /${action.command}`,
          });
        } else ui.show(hostCommand(options.controls, action.command, action.argument));
        break;
      case "setting":
        ui.configure(action.setting, action.on);
        ui.show({ type: "setting", setting: action.setting, on: action.on });
        break;
      case "quit":
        return "left";
      case "invalid":
        ui.show({ type: "error", code: "invalid-command", message: action.message });
    }
    return null;
  };
  try {
    while (true) {
      const happening = (await happenings.next())!;
      if (happening.from === "room") {
        const { message } = happening;
        if (message === null) {
          const why = happening.error instanceof RtError
            ? happening.error.message
            : "the connection ended";
          ui.show({ type: "error", code: "connection-lost", message: `Lost the room: ${why}` });
          return "lost";
        }
        if (message.t === "file") {
          background(transfers.receiveFile(message));
          continue;
        }
        if (message.t === "data") {
          transfers.receiveData(message);
          continue;
        }
        for (const event of view.receive(message)) {
          ui.show(event);
          if (event.type === "left") transfers.left(event.name);
          if (event.type === "left" && target && event.name === target) {
            target = null;
            setPrompt();
            ui.show({ type: "dm-target", to: null });
          }
        }
        if (message.t === "closed") return "closed";
        continue;
      }
      const { input } = happening;
      if (input.kind !== "line") return "left";
      const { action, hint } = parseLine(input.text);
      if (hint) ui.show({ type: "notice", code: "hint", text: hint });
      const end = act(action);
      if (end) return end;
    }
  } finally {
    stop = true;
    await transfers.close();
  }
}

function hostCommand(controls: HostControls, command: HostCommand, argument: string): ChatEvent {
  const notice = (code: string, text: string): ChatEvent => ({ type: "notice", code, text });
  switch (command) {
    case "blocked":
      return {
        type: "blocked",
        entries: controls.blocked().map((e) => ({
          address: e.address,
          name: e.name,
          fingerprint: e.key ? fingerprint(fromHex(e.key)) : null,
          reason: e.reason,
          since: e.since,
        })),
      };
    case "unblock": {
      const lifted = controls.unblock(argument);
      return lifted.length === 0
        ? { type: "error", code: "not-blocked", message: `Nothing blocked matches "${argument}"` }
        : notice("unblocked", `Unblocked ${lifted.map((e) => e.address ?? e.name).join(", ")}`);
    }
    case "kick": {
      const removed = controls.kick(argument);
      return removed ? notice("kicked", `Removed ${removed.name} from the room`) : {
        type: "error",
        code: "no-such-member",
        message: `Nobody called "${argument}" can be removed`,
      };
    }
    case "ban": {
      const entry = controls.ban(argument);
      return entry
        ? notice(
          "banned",
          entry.address === null
            ? `Banned ${entry.name}'s key; their address is shared (this computer, or Tor), so ` +
              "it stays open to others"
            : `Banned ${entry.name}: their key, and their address ${entry.address}`,
        )
        : {
          type: "error",
          code: "no-such-member",
          message: `Nobody called "${argument}" can be banned`,
        };
    }
    case "lock":
      controls.locked = true;
      return notice("locked", "The room is locked: nobody new can join until /unlock");
    case "unlock":
      controls.locked = false;
      return notice("unlocked", "The room is open to new joiners again");
    case "password":
      return { type: "room-password", password: controls.newPassword() };
  }
}

function helpEvent(topic?: string): ChatEvent {
  if (topic === undefined) {
    return { type: "help", commands: COMMANDS.map((c) => ({ command: c.usage, help: c.summary })) };
  }
  const command = findCommand(topic);
  if (!command) {
    return { type: "error", code: "invalid-command", message: `No command ${topic}; type /help` };
  }
  const also = command.aliases.length > 0 ? ` (also ${command.aliases.join(", ")})` : "";
  return { type: "help", commands: [{ command: command.usage + also, help: command.details }] };
}

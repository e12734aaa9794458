/**
 * The chat itself, once in a room: what the user types goes to the room, what the room says
 * goes to the user. Used by the host's own seat and by joiners alike.
 *
 * @module
 */
import { MAX_TEXT_CHARS, type MemberInfo, type RoomMessage } from "../codec/messages.ts";
import type { Session } from "../client/session.ts";
import { AsyncQueue } from "../client/queue.ts";
import { RtError } from "../errors.ts";
import { type ChatEvent, isoTime, type MemberView } from "../tui/events.ts";
import type { ChatUi, UserInput } from "../tui/ui.ts";
import { COMMANDS, findCommand, parseLine } from "./commands.ts";

/** How a chat ended. */
export type ChatEnd =
  /** The user left (or, for the host, closed the room). */
  | "left"
  /** The host closed the room. */
  | "closed"
  /** The connection to the room failed. */
  | "lost";

/** Members in the form shown to the user. */
export function memberViews(members: MemberInfo[]): MemberView[] {
  return members.map((m) => ({ name: m.name, host: m.host, since: isoTime(m.since) }));
}

/** The user-facing event for a room message (`null` for none). */
export function eventFor(message: RoomMessage, self: string | null): ChatEvent | null {
  switch (message.t) {
    case "welcome":
      return null;
    case "name-refused":
      return { type: "name-refused", reason: message.reason };
    case "joined":
      return { type: "joined", name: message.name, time: isoTime(message.at) };
    case "left":
      return {
        type: "left",
        name: message.name,
        reason: message.reason,
        time: isoTime(message.at),
      };
    case "said":
      return {
        type: "message",
        from: message.from,
        text: message.text,
        time: isoTime(message.at),
        own: message.from === self,
        action: message.me === true,
      };
    case "who":
      return { type: "who", members: memberViews(message.members) };
    case "notice":
      return { type: "notice", text: message.text };
    case "closed":
      return { type: "closed", reason: message.reason };
  }
}

/**
 * Chooses a name: sends `join` with each proposal until the room welcomes one. Returns the
 * welcome, or `null` when the user gave up (end of input or interrupt) or the session ended.
 */
export async function chooseName(
  session: Session,
  ui: ChatUi,
  options: { suggested: string; host: boolean; askFirst: boolean },
): Promise<{ name: string; members: MemberInfo[] } | null> {
  let ask = options.askFirst;
  while (true) {
    let name = options.suggested;
    if (ask) {
      const prompt = `Your name${options.suggested ? ` [${options.suggested}]` : ""}: `;
      const answer = await ui.ask({ for: "name", prompt, hidden: false });
      if (answer.kind !== "line") return null;
      name = answer.text.trim() || options.suggested;
    }
    ask = true;
    session.send({ t: "join", name });
    while (true) {
      const message = await session.next();
      if (message === null) return null;
      if (message.t === "welcome") {
        ui.show({
          type: "welcome",
          name: message.name,
          host: options.host,
          members: memberViews(message.members),
        });
        return { name: message.name, members: message.members };
      }
      const event = eventFor(message, null);
      if (event) ui.show(event);
      if (message.t === "closed") return null;
      if (message.t === "name-refused") break;
    }
  }
}

type Happening =
  | { from: "room"; message: RoomMessage | null; error?: unknown }
  | { from: "user"; input: UserInput };

/** Runs the chat until the user leaves, the room closes, or the connection fails. */
export async function runChat(
  session: Session,
  ui: ChatUi,
  options: { name: string; host: boolean },
): Promise<ChatEnd> {
  ui.setPrompt(`${options.name}> `);
  const happenings = new AsyncQueue<Happening>();
  let stop = false;
  const roomPump = (async () => {
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
  const userPump = (async () => {
    while (!stop) {
      const input = await ui.next();
      happenings.push({ from: "user", input });
      if (input.kind === "end") return;
    }
  })();
  void userPump;
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
        const event = eventFor(message, options.name);
        if (event) ui.show(event);
        if (message.t === "closed") return "closed";
        continue;
      }
      const { input } = happening;
      if (input.kind !== "line") return "left";
      const { action, hint } = parseLine(input.text);
      if (hint) ui.show({ type: "notice", code: "hint", text: hint });
      switch (action.kind) {
        case "nothing":
          break;
        case "say":
          if (action.text.length > MAX_TEXT_CHARS) {
            ui.show({
              type: "error",
              code: "too-long",
              message:
                `That message has ${action.text.length} characters; the limit is ${MAX_TEXT_CHARS}`,
            });
          } else {send(session, ui, {
              t: "say",
              text: action.text,
              ...(action.me ? { me: true } : {}),
            });}
          break;
        case "who":
          send(session, ui, { t: "who" });
          break;
        case "help":
          ui.show(helpEvent(action.topic));
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
    }
  } finally {
    stop = true;
    void roomPump;
  }
}

function helpEvent(topic?: string): ChatEvent {
  if (topic === undefined) {
    return {
      type: "help",
      commands: COMMANDS.map((c) => ({ command: c.usage, help: c.summary })),
    };
  }
  const command = findCommand(topic);
  if (!command) {
    return { type: "error", code: "invalid-command", message: `No command ${topic}; type /help` };
  }
  const also = command.aliases.length > 0 ? ` (also ${command.aliases.join(", ")})` : "";
  return { type: "help", commands: [{ command: command.usage + also, help: command.details }] };
}

function send(session: Session, ui: ChatUi, message: Parameters<Session["send"]>[0]): void {
  try {
    session.send(message);
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    ui.show({ type: "error", code: "send-failed", message: text });
  }
}

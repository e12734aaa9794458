/**
 * The chat itself, once in a room: the member's client (`ChatClient`: the room's events out,
 * what the member asks in), the user interface, and the table of commands between them. Used
 * by the host's own seat and by joiners alike.
 *
 * @module
 */
import { ChatClient, type RoomEnd, type RoomView, type Session } from "../client/mod.ts";
import type { ChatEvent } from "../events.ts";
import type { ChatUi, UserInput } from "../tui/mod.ts";
import { AsyncQueue } from "../util/mod.ts";
import { type CommandContext, COMMANDS, type HostControls, runLine } from "./commands.ts";
import { type Comeback, comeBack, type Reconnect } from "./reconnect.ts";

export { chooseName, type Welcome } from "./choose_name.ts";
export type { HostControls } from "./commands.ts";

/** How a chat ended. */
export type ChatEnd =
  /** The user left (or, for the host, closed the room). */
  | "left"
  /** The host closed the room. */
  | "closed"
  /** The connection to the room failed. */
  | "lost";

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
  /** How to come back when the connection drops; absent: a drop ends the chat. */
  reconnect?: Reconnect;
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

/**
 * What the chat waits for: a line typed, the room's end, the outcome of coming back after a
 * drop (`null`: given up), or a failure of any of them.
 */
type Happening =
  | { input: UserInput }
  | { end: RoomEnd | null }
  | { back: Exclude<Comeback, { retry: string }> | null }
  | { error: unknown };

/** What a member is told when the host it came back to is not in the same room. */
export const NEW_ROOM = "The host no longer knows your seat: the room was started again, or " +
  "your seat was not kept that long. rt does not join a new room by itself: to join it, run " +
  "rt again with its address and the password.";

/** What a member is told when its connection drops and rt comes back by itself. */
const RECONNECTING = "Connection lost; reconnecting… What you type is sent once back; " +
  "/quit leaves.";

/** Runs the chat until the user leaves, the room closes, or the connection fails. */
export async function runChat(
  session: Session,
  ui: ChatUi,
  options: ChatOptions,
): Promise<ChatEnd> {
  const { view, files } = options;
  const setPrompt = (to: string | null) =>
    ui.setPrompt(to ? `${view.self} → ${to}> ` : `${view.self}> `);
  const show = (event: ChatEvent) => {
    if (event.type === "dm-target") setPrompt(event.to);
    ui.show(event);
  };
  setPrompt(null);
  const { downloads, autoAcceptFrom } = files;
  const client = new ChatClient(session, view, {
    downloads,
    autoAcceptFrom,
    show,
    reconnects: options.reconnect !== undefined,
  });
  const context: CommandContext = {
    client,
    show,
    configure: (setting, on) => ui.configure(setting, on),
    controls: options.controls,
    addressOf: options.addressOf,
    home: files.home,
    commands: COMMANDS,
  };
  // Each wait hands its outcome to one queue, so that nothing is left waiting unheard.
  const happenings = new AsyncQueue<Happening>();
  const report = (error: unknown) => happenings.push({ error });
  const follow = () => client.run().then((end) => happenings.push({ end }), report);
  follow();
  let asking = false;
  // While coming back after a drop: what stops the tries when the member leaves.
  let comingBack: AbortController | null = null;
  try {
    while (true) {
      if (!asking) {
        asking = true;
        ui.next().then((input) => {
          asking = false;
          happenings.push({ input });
        }, report);
      }
      const happening = (await happenings.next())!;
      if ("error" in happening) throw happening.error;
      if ("end" in happening) {
        if (happening.end !== "lost" || !options.reconnect) return happening.end ?? "left";
        client.away();
        show({ type: "reconnecting", text: RECONNECTING });
        comingBack = new AbortController();
        comeBack(options.reconnect, comingBack.signal).then(
          (back) => happenings.push({ back }),
          report,
        );
        continue;
      }
      if ("back" in happening) {
        comingBack = null;
        const { back } = happening;
        if (back === null) continue;
        if ("final" in back) {
          show(back.final);
          return "lost";
        }
        if (!client.resume(back.session, back.welcome)) {
          void back.session.close();
          show({ type: "error", code: "room-gone", message: NEW_ROOM });
          return "lost";
        }
        follow();
        continue;
      }
      const { input } = happening;
      if (input.kind !== "line" || runLine(input.text, context) === "quit") return "left";
    }
  } finally {
    comingBack?.abort();
    await client.close();
  }
}

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

/** What the chat waits for: a line typed, or the room's end (or a failure of either). */
type Happening = { input: UserInput } | { end: RoomEnd | null } | { error: unknown };

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
  const client = new ChatClient(session, view, { downloads, autoAcceptFrom, show });
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
  client.run().then((end) => happenings.push({ end }), report);
  try {
    while (true) {
      ui.next().then((input) => happenings.push({ input }), report);
      const happening = (await happenings.next())!;
      if ("error" in happening) throw happening.error;
      if ("end" in happening) return happening.end ?? "left";
      const { input } = happening;
      if (input.kind !== "line" || runLine(input.text, context) === "quit") return "left";
    }
  } finally {
    await client.close();
  }
}

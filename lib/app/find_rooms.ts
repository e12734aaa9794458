/**
 * `rt find`: listen for rooms announced on the local network, list them, and (in a terminal)
 * join the one the user picks.
 *
 * @module
 */
import { type HeardRoom, type ListenerOptions, listenForRooms } from "../discovery/mod.ts";
import type { RoomFound } from "../events.ts";
import type { ChatUi } from "../tui/mod.ts";
import { EXIT_CANCELLED } from "./stop.ts";
import { joinRoom, type JoinRoomOptions } from "./join_room.ts";
import { describeError } from "../util/mod.ts";

/** Options of `rt find`. */
export interface FindRoomsOptions {
  /** How long to listen. */
  waitMs: number;
  /** Ask which room to join and join it (the terminal); otherwise only list them (`--json`). */
  choose: boolean;
  /** What joining needs; called only once a room is chosen. */
  joinOptions: () => Promise<JoinRoomOptions>;
  /** Where to listen (tests). Default: the discovery port and group. */
  listen?: ListenerOptions;
}

/** The event form of a room heard. */
export function roomFound(room: HeardRoom): RoomFound {
  return {
    name: room.name,
    host: room.host,
    address: room.address,
    port: room.port,
    fingerprint: room.fingerprint,
  };
}

/**
 * Lists the rooms heard, then joins the one chosen. Returns the exit status: 1 when no room
 * was heard, 0 after listing (or when the user picks none), else that of the join.
 */
export async function findRooms(ui: ChatUi, options: FindRoomsOptions): Promise<number> {
  if (options.choose) {
    const seconds = options.waitMs / 1000;
    ui.show({
      type: "notice",
      code: "hint",
      text: `Listening for rooms on this network for ${seconds} second${seconds === 1 ? "" : "s"}`,
    });
  }
  let heard: HeardRoom[];
  try {
    heard = await listenForRooms(options.waitMs, options.listen);
  } catch (error) {
    const why = describeError(error);
    ui.show({ type: "error", code: "find-failed", message: why });
    return 1;
  }
  ui.show({ type: "rooms", rooms: heard.map(roomFound) });
  if (heard.length === 0) return 1;
  if (!options.choose) return 0;
  const chosen = await chooseRoom(ui, heard.length);
  if (chosen === "cancelled") return EXIT_CANCELLED;
  if (chosen === null) return 0;
  const room = heard[chosen]!;
  const joinOptions = await options.joinOptions();
  // Anyone on the network can announce anything: joining checks the announced host against
  // the key the host proves, and says so before asking to join.
  return await joinRoom(ui, { host: room.address, port: room.port }, {
    ...joinOptions,
    expectedHost: { name: room.host, key: room.publicKey },
  });
}

/** Asks for a room's number: its index, `null` for none (Enter alone), or `cancelled`. */
async function chooseRoom(ui: ChatUi, count: number): Promise<number | null | "cancelled"> {
  const prompt = count === 1
    ? "Join it? Type 1 (or press Enter alone to leave): "
    : `Join which room? Type its number, 1 to ${count} (or press Enter alone to leave): `;
  while (true) {
    // The JSON interface never gets here (`--json` only lists), so no prompt event names this
    // question; the terminal only shows the words.
    const answer = await ui.ask({ for: "name", prompt, hidden: false });
    if (answer.kind !== "line") return "cancelled";
    const text = answer.text.trim();
    if (text === "") return null;
    const n = Number(text);
    if (/^\d+$/.test(text) && n >= 1 && n <= count) return n - 1;
    ui.show({ type: "notice", text: `There is no room ${text}: type a number from 1 to ${count}` });
  }
}

/**
 * One member's side of a room, with no terminal knowledge: the session with the room
 * (`Session`: over a sealed connection, or in process for the host's own seat), the checks
 * that make what the room relays trustworthy (`RoomView`: signatures, replays, keys taken on
 * first use, sealing), and `ChatClient`, which joins the two into events out and commands in.
 *
 * @module
 */
export * from "./session.ts";
export * from "./chat_client.ts";
export * from "./room_view.ts";
export type { Arrival, Seat } from "./seats.ts";
export type { OpenedFile } from "./verifier.ts";
export { MAX_PARTS, messageParts } from "./long_lines.ts";
export { splitText } from "./split_text.ts";
export * from "./host_key.ts";
export * from "./signing.ts";

/**
 * app.
 *
 * @module
 */
export { type FileOptions } from "./chat.ts";
export { onExit, runExitTasks } from "./cleanup.ts";
export { commandWords } from "./commands.ts";
export { findRooms } from "./find_rooms.ts";
export { hostRoom } from "./host_room.ts";
export { forgetReport, identityReport, peersReport } from "./identity_commands.ts";
export { joinRoom } from "./join_room.ts";
export { Stop, STOP_SIGNALS, type StopSignal } from "./stop.ts";
export { parseTarget, type Target } from "./target.ts";

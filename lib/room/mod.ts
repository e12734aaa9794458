/**
 * Membership, names and relaying. Works on abstract links, so it is tested in memory.
 *
 * @module
 */
export * from "./names.ts";
export * from "./room.ts";

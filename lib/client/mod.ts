/**
 * A member's session with a room, with no terminal knowledge.
 *
 * @module
 */
export * from "./queue.ts";
export * from "./session.ts";

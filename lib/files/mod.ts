/**
 * Files shared in the room: safe names for what peers send.
 *
 * @module
 */
export * from "./safe_name.ts";

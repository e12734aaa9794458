/**
 * The wire format: framing and the typed messages, shared by host and joiner.
 *
 * @module
 */
export * from "./frame.ts";
export * from "./messages.ts";
export { anyBytes, bytes } from "./bytes_schema.ts";

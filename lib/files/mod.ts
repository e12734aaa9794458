/**
 * Files shared in the room: safe names for what peers send, and what the user offers to send
 * (the paths typed after `/send`, expanded, typed and hashed).
 *
 * @module
 */
export * from "./safe_name.ts";
export * from "./hash.ts";
export * from "./media_type.ts";
export * from "./collect.ts";
export * from "./send_arguments.ts";
export { type TransferPeers, Transfers, type TransfersOptions } from "./transfers.ts";

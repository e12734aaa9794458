/**
 * What rt keeps on disk: the identity key and the known peers, in rt's own folder.
 *
 * @module
 */
export * from "./identity_file.ts";
export * from "./paths.ts";
export * from "./peer_book.ts";
export * from "./blocklist.ts";
export type { SaveFailed } from "./json_file.ts";

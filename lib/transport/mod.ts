/**
 * Sockets and the sealed connections over them. Knows nothing of rooms.
 *
 * @module
 */
export * from "./framed.ts";
export * from "./secure.ts";
export * from "./tcp.ts";
export * from "./socks5.ts";

/**
 * LAN discovery: a host announces its open room on the local network (UDP multicast to
 * {@link DISCOVERY_GROUP} and broadcast, port {@link DISCOVERY_PORT}); `rt find` listens and
 * lists what it heard. An announcement carries the room's name, the host's name, the port and
 * the host's public key, nothing secret.
 *
 * @module
 */
export * from "./announcement.ts";
export * from "./announcer.ts";
export * from "./listener.ts";

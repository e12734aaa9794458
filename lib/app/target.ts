/**
 * Where to join: `ADDRESS PORT`, `ADDRESS:PORT` or `[IPv6]:PORT`.
 *
 * @module
 */
import { RtError } from "../errors.ts";

/** A host and port to join. */
export interface Target {
  host: string;
  port: number;
}

function parsePort(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) < 1 || Number(text) > 65535) {
    throw new RtError("usage", `"${text}" is not a port number (1 to 65535)`);
  }
  return Number(text);
}

function unbracket(host: string): string {
  return host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host;
}

/** Parses the joiner's arguments. Throws `RtError("usage")` with a reason for people. */
export function parseTarget(address: string, port?: string): Target {
  if (address.length === 0 || /\s/.test(address)) {
    throw new RtError("usage", `"${address}" is not an address`);
  }
  if (port !== undefined) return { host: unbracket(address), port: parsePort(port) };
  const bracketed = /^\[([^\]]+)\]:(.*)$/.exec(address);
  if (bracketed) return { host: bracketed[1]!, port: parsePort(bracketed[2]!) };
  const colons = address.split(":").length - 1;
  if (colons === 1) {
    const [host, p] = address.split(":") as [string, string];
    if (host.length === 0) {
      throw new RtError("usage", `"${address}" has no address before the port`);
    }
    return { host, port: parsePort(p) };
  }
  throw new RtError(
    "usage",
    `Missing the port: type it after the address, as in "rt ${address} 41234"`,
  );
}

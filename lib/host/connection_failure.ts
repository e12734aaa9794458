/**
 * A connection's work ended by an error nothing on its way handled. A failure of the network
 * (of that one peer) just ends the connection; anything else is a bug in rt, and the host is
 * told, whatever else happens.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { describeError } from "../util/mod.ts";
import { from, type Say } from "./notice_text.ts";

/** Whether `error` is the world failing (a lost or refused connection), not a bug. */
export function isNetworkFailure(error: unknown): boolean {
  if (error instanceof RtError) return error.code !== "internal";
  return Object.values(Deno.errors).some((kind) => error instanceof kind);
}

/** What the host is told when the connection with `who` ended with `error`, if anything. */
export function connectionFailure(error: unknown, who: string): Say | null {
  if (isNetworkFailure(error)) return null;
  return {
    code: "internal",
    text: `Closed connection from ${from(who)}: ${describeError(error)}`,
    address: who,
  };
}

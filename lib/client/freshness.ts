/**
 * Whether a genuine room message is new enough to show: signed in its author's present session,
 * and dated near this computer's clock. Otherwise the host (or a clock set wrong) is showing an
 * old message again, and the warning says which.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import { CLOCK_TOLERANCE_MS, clockOffset, sameSession } from "./signing.ts";
import type { Seat } from "./seats.ts";

/** A length of time in words: "12 minutes", "3 hours", "40 days" (minutes rounded up). */
export function duration(ms: number): string {
  const minutes = Math.ceil(Math.abs(ms) / 60_000);
  const [amount, unit] = minutes < 120
    ? [minutes, "minute"]
    : minutes < 48 * 60
    ? [Math.round(minutes / 60), "hour"]
    : [Math.round(minutes / (24 * 60)), "day"];
  return `${amount} ${unit}${amount === 1 ? "" : "s"}`;
}

/**
 * Why a genuine room message is old, if it is: signed in another session of its author than
 * the one seated (the host played it again from an earlier one), or dated too far from `now`
 * (an old one played again, or a clock set wrong). `null`: it is fresh.
 */
export function staleness(
  author: Seat,
  said: { session?: Uint8Array; sent: number },
  now: number,
): ChatEvent | null {
  const warning = (text: string): ChatEvent => ({
    type: "warning",
    code: "replayed-message",
    name: author.name,
    text,
  });
  if (!sameSession(said.session, author.nonce)) {
    return warning(
      `An old message from ${author.name}, written in an earlier visit of theirs to the ` +
        "room, was delivered again and dropped.",
    );
  }
  const offset = clockOffset(said.sent, now);
  if (offset === 0) return null;
  const when = offset < 0 ? "before" : "after";
  return warning(
    `A message from ${author.name} was dropped: it is dated ${duration(offset)} ${when} ` +
      `this computer's clock, and rt takes only messages dated within ` +
      `${duration(CLOCK_TOLERANCE_MS)} of it, so that old ones cannot be shown again. If ` +
      `${author.name}'s clock or yours is wrong, setting it right fixes this.`,
  );
}

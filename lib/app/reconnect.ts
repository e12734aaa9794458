/**
 * Coming back after the connection to the host dropped: tries again and again, soon at first
 * and then about every 30 s, until one try is back in the room, one says it never will be (a
 * new room, a refusal), or the member leaves.
 *
 * @module
 */
import type { Session } from "../client/mod.ts";
import type { ChatEvent } from "../events.ts";
import type { Welcome } from "./choose_name.ts";

/** What one try at coming back gave. */
export type Comeback =
  /** Back: the new session, and the host's welcome on it. */
  | { session: Session; welcome: Welcome }
  /** Not now (the host is not reachable yet): try again later; `why` for the record. */
  | { retry: string }
  /** Never: say `event` and stop (the room is gone, or the host refused). */
  | { final: ChatEvent };

/**
 * One try at coming back, to be given up at once when `signal` aborts. `keepMs`: how long the
 * host keeps the seat (from its last welcome); after that long away, tries are given up.
 */
export type Reconnect = ((signal: AbortSignal) => Promise<Comeback>) & { keepMs?: number };

/** Tries go on this much past the time the host keeps a seat: its clock and ours differ. */
const KEEP_MARGIN_MS = 10_000;

/** What is said when rt stops trying: the seat can no longer be there. */
function gaveUp(keepMs: number): ChatEvent {
  const seconds = Math.round(keepMs / 1000);
  return {
    type: "error",
    code: "gave-up",
    message: `Could not get back into the room within the ${seconds} s its host keeps a seat: ` +
      "the room may have closed, or the host is out of reach. To join again, run rt with its " +
      "address and the password.",
  };
}

/** How long to wait before try number `attempt` (from 0): 0.5 s, 1, 2, 4, 8, 15, then 30 s. */
export function backoffMs(attempt: number): number {
  const steps = [500, 1000, 2000, 4000, 8000, 15_000];
  return steps[attempt] ?? 30_000;
}

/**
 * Tries to come back until a try gives a session or a final answer, or `signal` aborts (then
 * `null`), or the host can no longer be keeping the seat (`reconnect.keepMs`, then a final
 * answer that says so). Each wait is cut short by the abort too.
 */
export async function comeBack(
  reconnect: Reconnect,
  signal: AbortSignal,
  now: () => number = Date.now,
): Promise<Exclude<Comeback, { retry: string }> | null> {
  const since = now();
  for (let attempt = 0; !signal.aborted; attempt++) {
    const keepMs = reconnect.keepMs;
    const left = keepMs === undefined ? Infinity : since + keepMs + KEEP_MARGIN_MS - now();
    if (left <= 0) return { final: gaveUp(keepMs!) };
    await pause(Math.min(backoffMs(attempt), left), signal);
    if (signal.aborted) return null;
    const outcome = await reconnect(signal);
    if (signal.aborted) {
      if ("session" in outcome) void outcome.session.close();
      return null;
    }
    if (!("retry" in outcome)) return outcome;
  }
  return null;
}

function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

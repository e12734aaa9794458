/**
 * Ctrl+C, SIGTERM and SIGHUP (the terminal closed) all stop rt, at any stage (see `stop.ts`):
 * `stop` tells the stage that waits on the network, and the interface tells the one that waits
 * for the user. A second signal, or a stage still going after some seconds, ends rt at once,
 * after removing what it opened on the router.
 *
 * @module
 */
import { runExitTasks } from "../app/mod.ts";
import { type Stop, STOP_SIGNALS, type StopSignal } from "../app/mod.ts";
import { type ChatUi, TextUi } from "../tui/mod.ts";

/**
 * After a signal, how long rt lets the stage it is in end by itself before it exits anyway.
 * Every stage ends within a moment on its own; the host closing its room may wait for the
 * router (asked to open the port a moment before) so as to remove the mapping it made.
 */
const STOP_GRACE_MS = 10_000;

/**
 * Listens for the signals that stop rt; returns what a signal does, for Ctrl+C typed while
 * the terminal is in raw mode (readline), which reaches rt as a key. `finished` is the exit
 * status rt's work returned, once it has (rt is then running its exit tasks).
 */
export function listenForSignals(
  ui: ChatUi,
  stop: Stop,
  finished: () => number | null,
): (signal: StopSignal) => void {
  let forced = false;
  const exitNow = async () => {
    if (forced) return;
    forced = true;
    await runExitTasks();
    Deno.exit(finished() ?? stop.cancelledStatus());
  };
  const onSignal = (signal: StopSignal) => {
    if (stop.by !== null) {
      void exitNow();
      return;
    }
    stop.stop(signal);
    // The terminal is gone: nothing more can be drawn on it, nor typed.
    if (signal === "SIGHUP" && ui instanceof TextUi) ui.terminalGone();
    ui.interrupt();
    Deno.unrefTimer(setTimeout(() => void exitNow(), STOP_GRACE_MS));
  };
  for (const signal of STOP_SIGNALS) {
    try {
      Deno.addSignalListener(signal, () => onSignal(signal));
    } catch {
      // Windows has SIGINT only (and SIGBREAK).
    }
  }
  return onSignal;
}

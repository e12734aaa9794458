/**
 * The interface of a room (hosted, joined, or found with `rt find`): the terminal, or JSON
 * lines with `--json`; with the signals that stop rt wired to it.
 *
 * @module
 */
import { commandWords } from "../app/mod.ts";
import { Stop, type StopSignal } from "../app/mod.ts";
import type { RtError } from "../errors.ts";
import { type ChatUi, JsonUi, TextUi } from "../tui/mod.ts";
import { homeFolder } from "./environment.ts";
import { listenForSignals } from "./signals.ts";

/**
 * The interface (`json`: JSON lines) and what tells rt's stages to stop. `finished` is the
 * exit status rt returned, once it has (see {@link listenForSignals}).
 */
export function openChat(json: boolean, finished: () => number | null): {
  ui: ChatUi;
  stop: Stop;
} {
  const color = !json && Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  const stop = new Stop();
  // Ctrl+C typed while the terminal is in raw mode (readline) reaches rt as a key, not a signal.
  let onSignal: (signal: StopSignal) => void = () => {};
  const ui: ChatUi = json ? new JsonUi() : new TextUi({
    color,
    commands: commandWords(),
    home: homeFolder(),
    onCtrlC: () => onSignal("SIGINT"),
  });
  onSignal = listenForSignals(ui, stop, finished);
  return { ui, stop };
}

/** Says why rt failed: an error event with `--json`, else a line on stderr. */
export function sayFailure(ui: ChatUi, json: boolean, error: RtError): void {
  if (json) ui.show({ type: "error", code: error.code, message: error.message });
  else console.error(`rt: ${error.message}`);
}

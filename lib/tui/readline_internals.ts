/**
 * Everything rt reaches for in node:readline (and the terminal's output stream) beyond their
 * public API, in one place. Node's and Deno's readline both have these; each is used so that,
 * were one missing, the line editor still works, only as readline alone would (see
 * `line_editor.ts` for why each is needed).
 *
 * - `prevRows`: readline's record of the row of the cursor below the prompt, as last drawn.
 *   Read on resize, and set after each key (wide characters at the edge of a row).
 * - `_refreshSize()` of the output: reads the terminal's size now and, if it changed, emits
 *   `resize` at once (before keys or lines that follow a resize are laid out).
 * - readline's own `keypress` listener on the input: taken off and called by rt, so that a run
 *   of pasted characters reaches it as one insertion.
 *
 * @module
 */
import process from "node:process";
import type * as readline from "node:readline";
import type { KeyHandler } from "./key_runs.ts";

/** Readline's record of the cursor's row below the prompt, as last drawn; 0 when unknown. */
export function drawnRows(rl: readline.Interface): number {
  const rows = (rl as unknown as { prevRows?: unknown }).prevRows;
  return typeof rows === "number" ? rows : 0;
}

/** Sets readline's record of the cursor's row below the prompt (see {@link drawnRows}). */
export function setDrawnRows(rl: readline.Interface, rows: number): void {
  (rl as unknown as { prevRows?: unknown }).prevRows = rows;
}

/**
 * Takes in a new terminal size now. The size readline works with is updated when the resize
 * signal is handled, and keys typed (or messages received) just after a resize can be handled
 * first: readline would lay them out for the old width on a screen the terminal has already
 * rewrapped to the new one. The signal's own call then finds nothing new.
 */
export function refreshSize(): void {
  (process.stdout as unknown as { _refreshSize?: () => void })._refreshSize?.();
}

/**
 * Runs `create` (which makes a readline on stdin) and takes readline's own `keypress` listener
 * off stdin: returned, for the caller to call. `null` (and nothing taken off) when readline did
 * not add exactly one listener, as expected.
 */
export function takeKeyHandler<T>(create: () => T): { made: T; handler: KeyHandler | null } {
  const before = process.stdin.listeners("keypress");
  const made = create();
  const added = process.stdin.listeners("keypress").filter((l) => !before.includes(l));
  if (added.length !== 1) return { made, handler: null };
  const handler = added[0] as KeyHandler;
  process.stdin.off("keypress", handler);
  return { made, handler };
}

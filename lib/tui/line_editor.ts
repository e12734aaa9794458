/**
 * The line editor: node:readline on the terminal, with what rt adds to it so that pastes are
 * fast and the screen stays right through wide characters and resizes. The fields of readline
 * touched for that are in `readline_internals.ts`; why each is needed is told here, where it is
 * used:
 *
 * - Keys reach readline through {@link KeyRuns}: a run of pasted characters is one insertion.
 * - Before each key, the terminal's size is read again (`refreshSize`): a key typed just after
 *   a resize would otherwise be laid out for the old width.
 * - After each key, readline's record of the cursor's row is set to where the cursor is (Deno's
 *   readline does not redraw after a wide character that wrapped to the next row).
 * - On resize, before readline's own redraw, the screen is told where the cursor is now (the
 *   terminal has rewrapped the input) and where readline believes it is.
 *
 * @module
 */
import * as readline from "node:readline";
import process from "node:process";
import { columns } from "./columns.ts";
import { type Key, type KeyHandler, KeyRuns } from "./key_runs.ts";
import { drawnRows, refreshSize, setDrawnRows, takeKeyHandler } from "./readline_internals.ts";
import { endColumn } from "./row_layout.ts";

/** What the line editor is told to do, and tells. */
export interface LineEditorOptions {
  /** The prompt to start with. */
  prompt: string;
  /** Tab: the completions of the line before the cursor, and the word they replace. */
  complete(line: string): [string[], string];
  /** Enter: the line typed. */
  onLine(text: string): void;
  /** Ctrl+C (raw mode: no SIGINT comes). */
  onCtrlC(): void;
  /** Readline closed (Ctrl+D, or `close()`). */
  onClose(): void;
  /**
   * The terminal was resized, before readline redraws the prompt and input: the cursor is `now`
   * rows below the prompt as the terminal shows it, where readline `believed` it was (readline
   * moves up that many rows to redraw).
   */
  onResize(now: number, believed: number): void;
}

/** Readline on stdin and stdout, with rt's additions. */
export class LineEditor {
  readonly #rl: readline.Interface;
  readonly #options: LineEditorOptions;
  /** Readline's own key handler, called by rt; `null` when it could not be taken. */
  readonly #readlineKey: KeyHandler | null;
  readonly #keys: KeyRuns;
  #closed = false;
  /** The terminal's width when readline last drew (resizes change it). */
  #columns: number;
  /** The last key's name, and whether this key is a second Tab in a row. */
  #lastKey: string | undefined;
  #tabAgain = false;

  constructor(options: LineEditorOptions) {
    this.#options = options;
    this.#keys = new KeyRuns((text, key) => this.#handleKey(text, key));
    const { made: rl, handler } = takeKeyHandler(() =>
      readline.createInterface({
        input: process.stdin,
        output: process.stdout,
        terminal: true,
        historySize: 500,
        removeHistoryDuplicates: true,
        prompt: options.prompt,
        completer: (line: string) => options.complete(line),
      })
    );
    this.#rl = rl;
    this.#readlineKey = handler;
    rl.on("line", (text) => options.onLine(text));
    rl.on("SIGINT", () => options.onCtrlC());
    rl.on("close", () => {
      this.#closed = true;
      process.stdout.off("resize", this.#beforeRedraw);
      process.stdin.off("keypress", this.#beforeKey);
      process.stdin.off("keypress", this.#afterKey);
      process.stdin.off("keypress", this.#keys.key);
      options.onClose();
    });
    // Runs before readline's own redraw on resize (it was registered first).
    process.stdout.prependListener("resize", this.#beforeRedraw);
    if (handler) process.stdin.on("keypress", this.#keys.key);
    else {
      // A readline that is not as expected: each key as it comes.
      process.stdin.prependListener("keypress", this.#beforeKey);
      process.stdin.on("keypress", this.#afterKey);
    }
    this.#columns = columns();
  }

  /** Whether readline has closed (Ctrl+D, or `close()`): nothing more is drawn through it. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Whether the key being handled is a second Tab in a row (readline then lists candidates). */
  get secondTab(): boolean {
    return this.#tabAgain;
  }

  /** Where the cursor is: rows below the prompt's row, and column. */
  cursor(): { rows: number; cols: number } {
    return this.#rl.getCursorPos();
  }

  getPrompt(): string {
    return this.#rl.getPrompt();
  }

  setPrompt(prompt: string): void {
    this.#rl.setPrompt(prompt);
  }

  /** Draws the prompt and the input; with `preserveCursor`, the cursor stays where it was. */
  prompt(preserveCursor?: boolean): void {
    this.#rl.prompt(preserveCursor);
  }

  /** Closes readline (the terminal's mode restored); keys are no longer handled. */
  close(): void {
    this.#closed = true;
    this.#rl.close();
  }

  /** One key (or a run of characters) through readline, with what goes before and after. */
  #handleKey(text: string | undefined, key: Key | undefined): void {
    if (this.#closed || !this.#readlineKey) return;
    this.#beforeKey(text, key);
    this.#readlineKey(text, key);
    this.#afterKey();
  }

  /** Before readline handles a key: the size, as above, and whether it is a second Tab. */
  readonly #beforeKey = (_text: unknown, key?: { name?: string }): void => {
    refreshSize();
    this.#tabAgain = key?.name === "tab" && this.#lastKey === "tab";
    this.#lastKey = key?.name;
  };

  /**
   * After each key: Deno's readline writes a character typed at the end of the input without
   * redrawing unless the cursor lands at column 0, so a wide character (CJK, emoji) that does
   * not fit at the end of a row, and goes to the next one, leaves readline's record of the
   * cursor's row behind; its next redraw would leave a copy of the input's first row above
   * the input. Keep the record in step with where the terminal put the cursor.
   */
  readonly #afterKey = (): void => {
    if (this.#closed) return;
    setDrawnRows(this.#rl, this.#rl.getCursorPos().rows);
  };

  /**
   * On resize, readline moves up as many rows as the cursor was below the prompt when it last
   * drew the input, then redraws. But a terminal that reflows wrapped lines (most do, tmux
   * too) has rewrapped a long input to the new width: the cursor is now that many rows below
   * the prompt at the new width. Readline would leave rows of the old input above the new one
   * (narrower) or erase lines of chat above it (wider): `onResize` clears from the prompt as
   * the terminal now shows it, and puts the cursor where readline expects it.
   *
   * One case differs from readline's count: with the cursor at the end of an input that now
   * fills its last row exactly, the terminal leaves the cursor at the end of that row, where
   * readline counts it at the start of the next. Unless readline had itself drawn the input
   * ending at the edge (it then writes a space to move to the next row, and the cursor sits
   * on that space).
   */
  readonly #beforeRedraw = (): void => {
    if (this.#closed) return;
    const rl = this.#rl;
    const before = this.#columns;
    this.#columns = columns();
    const believed = drawnRows(rl);
    const position = rl.getCursorPos();
    let now = position.rows;
    if (
      now > 0 && position.cols === 0 && rl.cursor >= rl.line.length &&
      endColumn(rl.getPrompt() + rl.line, before) !== 0
    ) now--;
    this.#options.onResize(now, believed);
  };
}

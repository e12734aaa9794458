/**
 * The bottom of the screen, in a terminal: the chat's lines, then the status lines (one row each,
 * cut to the width), then the prompt and the input (wrapped over as many rows as it needs).
 * Every redraw moves up from the cursor over the input's rows and the status rows, clears down,
 * writes what goes above, the status lines, and lets the line editor redraw the prompt and input.
 *
 * Drivable without a terminal: the editor, the output and the width are passed in.
 *
 * @module
 */
import process from "node:process";
import { columns } from "./columns.ts";
import { refreshSize } from "./readline_internals.ts";
import { CLEAR_DOWN, rowsBelow, up } from "./row_layout.ts";
import type { StatusArea } from "./status_area.ts";

/** What the screen needs of the line editor. */
export interface EditorView {
  /** Where the cursor is: rows below the prompt's row, and column. */
  cursor(): { rows: number; cols: number };
  /** The prompt shown now. */
  getPrompt(): string;
  /** Draws the prompt and the input; with `preserveCursor`, the cursor stays where it was. */
  prompt(preserveCursor?: boolean): void;
}

/** Where the screen is drawn. */
export interface Output {
  write(text: string): void;
  /** The width, in columns. */
  columns(): number;
  /** Takes in a new size now, if the terminal was resized. */
  refresh(): void;
}

/** The terminal on stdout. */
export const STDOUT: Output = {
  write: (text) => void process.stdout.write(text),
  columns,
  refresh: refreshSize,
};

/** The status lines and the line editor below them, drawn together. */
export class Screen<E extends EditorView = EditorView> {
  readonly editor: E;
  readonly #status: StatusArea;
  readonly #out: Output;

  constructor(editor: E, status: StatusArea, out: Output = STDOUT) {
    this.editor = editor;
    this.#status = status;
    this.#out = out;
  }

  /**
   * Redraws the bottom of the screen without disturbing what is half typed: from the top of the
   * status area, clears down, writes `above` (new lines for the scrollback, each ending with a
   * line break), the status lines, then as many line breaks as the cursor is below the prompt's
   * row, so that the editor's own redraw (which moves up that many rows first) puts the prompt
   * and the input, wrapped or not, back with the cursor where it was.
   */
  redraw(above = ""): void {
    this.#out.refresh();
    const rows = this.editor.cursor().rows;
    const columns = this.#out.columns();
    this.#out.write(
      up(rows + this.#status.rows(columns)) + CLEAR_DOWN + above + this.#status.block(columns) +
        "\n".repeat(rows),
    );
    this.editor.prompt(true);
  }

  /**
   * The terminal was resized, before the editor redraws (see `LineEditor`'s `onResize`): clear
   * from the prompt as the terminal shows it now, with the status lines (rewrapped too, when
   * narrower), draw them again cut to the new width, and put the cursor where the editor
   * believes it is.
   */
  resized(now: number, believed: number): void {
    if (now === believed && !this.#status.shown) return;
    const columns = this.#out.columns();
    this.#out.write(
      up(now + this.#status.rows(columns)) + CLEAR_DOWN + this.#status.block(columns) +
        "\n".repeat(believed),
    );
  }

  /**
   * A second Tab with several candidates: readline lists them below the input, then draws the
   * prompt again below the list. The status lines would stay behind above the old input; take
   * them out now (deleting their rows pulls the input up); `redraw()` puts them back above the
   * new prompt once readline is done.
   */
  liftStatus(): void {
    const { rows, cols } = this.editor.cursor();
    const statusRows = this.#status.rows(this.#out.columns());
    this.#out.write(
      up(rows + statusRows) + `\x1b[${statusRows}M` + (rows > 0 ? `\x1b[${rows}B` : "") +
        `\x1b[${cols + 1}G`,
    );
    this.#status.forget();
  }

  /** After Enter, removes `shown` (the prompt and the line typed) from the screen. */
  eraseSubmitted(shown: string): void {
    this.#out.write(up(rowsBelow(shown, this.#out.columns())) + "\x1b[1G\x1b[0J");
  }

  /**
   * After Enter, the typed line stays on the screen, and the status lines must not stay above
   * it: write the line again in their place; they come back above the next prompt.
   */
  keepSubmitted(text: string): void {
    const columns = this.#out.columns();
    const shown = this.editor.getPrompt() + text;
    this.#out.write(
      up(rowsBelow(shown, columns) + this.#status.rows(columns)) + CLEAR_DOWN + shown + "\r\n",
    );
    this.#status.forget();
  }

  /** Before the editor closes: the status lines go, with the prompt and the input below them. */
  clear(): void {
    if (this.#status.shown) {
      const columns = this.#out.columns();
      this.#out.write(up(this.editor.cursor().rows + this.#status.rows(columns)) + CLEAR_DOWN);
      this.#status.forget();
    } else this.#out.write("\x1b[1G\x1b[2K");
  }
}

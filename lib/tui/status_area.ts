/**
 * The status lines (progress bars) kept just above the input: the lines asked for, and the lines
 * on the screen now, with the width they were cut to. Pure: the terminal's width is passed in,
 * and the lines to write are returned.
 *
 * @module
 */
import { rowsOf } from "./row_layout.ts";
import { sanitizeKeepingStyles } from "./sanitize.ts";
import { cutToWidth, stripStyles } from "./width.ts";

/** The status lines, asked for and drawn. */
export class StatusArea {
  /** The lines asked for (controls made inert, colours kept). */
  #wanted: string[] = [];
  /** The lines on the screen now, without styles, just above the prompt's row. */
  #drawn: string[] = [];
  /** The width the lines on the screen were cut to. */
  #drawnColumns = 0;

  /** Replaces the lines asked for; whether they differ from the ones before. */
  set(lines: string[]): boolean {
    const wanted = lines.map(sanitizeKeepingStyles);
    const same = wanted.length === this.#wanted.length &&
      wanted.every((line, i) => line === this.#wanted[i]);
    this.#wanted = wanted;
    return !same;
  }

  /** Whether some lines are asked for. */
  get wanted(): boolean {
    return this.#wanted.length > 0;
  }

  /** Whether some lines are on the screen. */
  get shown(): boolean {
    return this.#drawn.length > 0;
  }

  /** Whether the screen shows the lines asked for, as they would be drawn `columns` wide. */
  isDrawn(columns: number): boolean {
    return this.#drawn.length === this.#wanted.length &&
      (this.#wanted.length === 0 || this.#drawnColumns === columns);
  }

  /**
   * How many rows the lines on the screen take now, `columns` wide: one each as drawn, more when
   * the terminal has since narrowed and rewrapped them (the input's rows are counted the same way).
   */
  rows(columns: number): number {
    return this.#drawn.reduce((sum, line) => sum + rowsOf(line, columns), 0);
  }

  /**
   * The lines to write, each cut to `columns` (a wrapped one would take two rows, and throw every
   * move up over the status area off) and ending its row; recorded as drawn.
   */
  block(columns: number): string {
    const lines = this.#wanted.map((line) => cutToWidth(line, columns));
    this.#drawn = lines.map(stripStyles);
    this.#drawnColumns = columns;
    return lines.map((line) => line + "\r\n").join("");
  }

  /** The lines on the screen were taken off it (or scrolled away with what was typed). */
  forget(): void {
    this.#drawn = [];
  }

  /** No lines are asked for any more. */
  clear(): void {
    this.#wanted = [];
  }
}

/**
 * How text lays out in the rows of a terminal `columns` wide, as readline and the terminal lay it
 * out, and the escape sequences that move over those rows. Pure: the width is passed in.
 *
 * @module
 */
import { charWidth } from "./width.ts";

/**
 * To the start of the row, then clear it and everything below. Not by clearing to the end of
 * the screen from there at once: from the screen's top left corner, tmux (`scroll-on-clear`)
 * takes that for a clear screen and first pushes the screen into the scrollback, so a status
 * area at the top would leave a copy there at every redraw. So: erase the row, then from the
 * next one down (with the cursor saved and restored; at the bottom row it stays put).
 */
export const CLEAR_DOWN = "\x1b[1G\x1b[2K\x1b7\x1b[B\x1b[0J\x1b8";

/** Moves the cursor up `rows` rows (none for 0). */
export function up(rows: number): string {
  return rows > 0 ? `\x1b[${rows}A` : "";
}

/**
 * The cells `text` takes from the start of a row, laid out `columns` wide as readline and the
 * terminal do: a wide character that would straddle the edge goes to the next row, leaving the
 * last cell of the row empty.
 */
export function cells(text: string, columns: number): number {
  let offset = 0;
  for (const char of text) {
    const width = charWidth(char);
    if (width === 2 && (offset + 1) % columns === 0) offset++;
    offset += width;
  }
  return offset;
}

/** How many rows a line of `text` ended by a line break takes, `columns` wide. */
export function rowsOf(text: string, columns: number): number {
  return Math.max(1, Math.ceil(cells(text, columns) / columns));
}

/** The column after `text`, laid out `columns` wide. */
export function endColumn(text: string, columns: number): number {
  return cells(text, columns) % columns;
}

/**
 * How many rows below the start of `text` the cursor is after readline has written it and
 * a line break: a text that exactly fills its last row gets one more (blank) row.
 */
export function rowsBelow(text: string, columns: number): number {
  return Math.floor(cells(text, columns) / columns) + 1;
}

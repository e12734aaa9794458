/**
 * The terminal's width, read in one place, so that the rest of the interface takes it as a
 * number and can be driven without a terminal.
 *
 * @module
 */
import process from "node:process";

/** The width assumed when there is no terminal to ask. */
export const DEFAULT_COLUMNS = 80;

/** The terminal's width in columns, as the line editor knows it; 80 when stdout is no terminal. */
export function columns(): number {
  return process.stdout.columns || DEFAULT_COLUMNS;
}

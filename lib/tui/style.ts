/**
 * Colours and emphasis for the terminal, or none at all (`NO_COLOR`, not a terminal).
 *
 * @module
 */

/** Text styling; the plain version returns text unchanged. */
export interface Style {
  readonly enabled: boolean;
  bold(text: string): string;
  dim(text: string): string;
  italic(text: string): string;
  reverse(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  magenta(text: string): string;
  cyan(text: string): string;
  /** The stable colour of a name. */
  name(name: string, text?: string): string;
}

/** Readable foreground colours for names, on dark and light backgrounds alike. */
const NAME_COLOURS = [31, 32, 33, 34, 35, 36, 91, 92, 93, 94, 95, 96];

/** A stable index into the name palette: FNV-1a of the name's comparison form. */
export function nameColourIndex(name: string): number {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(name.normalize("NFKC").toLowerCase())) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash % NAME_COLOURS.length;
}

const sgr = (open: number | string, close: number) => (text: string) =>
  `\x1b[${open}m${text}\x1b[${close}m`;

/** Styling with colours when `enabled`, plain text otherwise. */
export function makeStyle(enabled: boolean): Style {
  if (!enabled) {
    const same = (text: string) => text;
    return {
      enabled,
      bold: same,
      dim: same,
      italic: same,
      reverse: same,
      red: same,
      green: same,
      yellow: same,
      magenta: same,
      cyan: same,
      name: (name, text = name) => text,
    };
  }
  return {
    enabled,
    bold: sgr(1, 22),
    dim: sgr(2, 22),
    italic: sgr(3, 23),
    reverse: sgr(7, 27),
    red: sgr(31, 39),
    green: sgr(32, 39),
    yellow: sgr(33, 39),
    magenta: sgr(35, 39),
    cyan: sgr(36, 39),
    name: (name, text = name) => sgr(NAME_COLOURS[nameColourIndex(name)]!, 39)(text),
  };
}

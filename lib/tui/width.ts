/**
 * How many terminal columns text takes: wide East Asian characters and emoji take two,
 * combining marks and zero-width characters none.
 *
 * @module
 */

const ZERO_WIDTH = /^[\p{Mn}\p{Me}\p{Cf}\u200b-\u200f\ufe00-\ufe0f]$/u;
const EXTENDED_PICTOGRAPHIC = /^\p{Extended_Pictographic}$/u;

function isWide(code: number): boolean {
  return (code >= 0x1100 && code <= 0x115f) || // Hangul Jamo
    (code >= 0x2e80 && code <= 0x303e) || // CJK radicals, punctuation
    (code >= 0x3041 && code <= 0x33ff) || // Kana, CJK symbols
    (code >= 0x3400 && code <= 0x4dbf) || // CJK extension A
    (code >= 0x4e00 && code <= 0x9fff) || // CJK unified
    (code >= 0xa000 && code <= 0xa4cf) || // Yi
    (code >= 0xac00 && code <= 0xd7a3) || // Hangul syllables
    (code >= 0xf900 && code <= 0xfaff) || // CJK compatibility
    (code >= 0xfe30 && code <= 0xfe4f) || // CJK compatibility forms
    (code >= 0xff00 && code <= 0xff60) || // Fullwidth forms
    (code >= 0xffe0 && code <= 0xffe6) ||
    (code >= 0x1f300 && code <= 0x1f64f) || // Pictographs, emoticons
    (code >= 0x1f900 && code <= 0x1f9ff) || // Supplemental symbols and pictographs
    (code >= 0x1fa70 && code <= 0x1faff) ||
    (code >= 0x20000 && code <= 0x3fffd); // CJK extensions B and beyond
}

/** Terminal columns of one character (a code point). */
export function charWidth(char: string): number {
  const code = char.codePointAt(0)!;
  if (code < 0x20 || (code >= 0x7f && code < 0xa0)) return 0;
  if (ZERO_WIDTH.test(char)) return 0;
  if (isWide(code)) return 2;
  if (code >= 0x1f000 && EXTENDED_PICTOGRAPHIC.test(char)) return 2;
  return 1;
}

/** Terminal columns of a string without escape sequences. */
export function displayWidth(text: string): number {
  let width = 0;
  for (const char of text) width += charWidth(char);
  return width;
}

/** Removes SGR colour sequences (the only escapes rt itself writes in rendered text). */
export function stripStyles(text: string): string {
  // deno-lint-ignore no-control-regex -- the escape character is what is matched
  return text.replace(/\x1b\[[0-9;]*m/g, "");
}

/**
 * Cuts text that may hold SGR colour sequences to at most `columns` terminal columns; the
 * sequences take no room. A cut line that had styles ends with a reset, so no colour leaks.
 */
export function cutToWidth(text: string, columns: number): string {
  let width = 0;
  let out = "";
  let styled = false;
  // deno-lint-ignore no-control-regex -- the escape character is what is matched
  const parts = text.split(/(\x1b\[[0-9;]*m)/);
  for (let i = 0; i < parts.length; i++) {
    if (i % 2 === 1) {
      out += parts[i];
      styled = true;
      continue;
    }
    for (const char of parts[i]!) {
      const w = charWidth(char);
      if (width + w > columns) return out + (styled ? "\x1b[0m" : "");
      width += w;
      out += char;
    }
  }
  return out;
}

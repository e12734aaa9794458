/**
 * Makes peer-supplied text inert before it reaches a terminal: control characters, escape
 * sequences and bidirectional controls are shown as visible escapes instead of acting.
 *
 * @module
 */

// C0 and C1 controls (ESC, CSI, OSC and BEL among them), DEL, and the Unicode bidirectional
// embeddings, overrides, isolates and marks that could reorder what is displayed.
// deno-lint-ignore no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/gu;

/** Replaces every unsafe character with a visible `\x..` or `\u{..}` form. */
export function sanitize(text: string): string {
  return text.replace(UNSAFE, (c) => {
    const code = c.codePointAt(0)!;
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
}

/** Like `sanitize`, but keeps line breaks of multi-line text as line breaks. */
export function sanitizeMultiline(text: string): string {
  return text.split("\n").map(sanitize).join("\n");
}

/**
 * Like `sanitize`, but keeps SGR colour sequences (`ESC [ ... m`) as they are: for lines rt
 * renders itself, with peer text already sanitised inside, that must still never move the
 * cursor (a stray line break or escape would break the layout of the screen).
 */
export function sanitizeKeepingStyles(text: string): string {
  // deno-lint-ignore no-control-regex -- the escape character is what is matched
  return text.split(/(\x1b\[[0-9;]*m)/).map((part, i) => i % 2 === 1 ? part : sanitize(part))
    .join("");
}

/**
 * A message longer than one message may be, cut into several: at a line break or a space near
 * the limit, otherwise between two characters (never inside one: not between the halves of a
 * surrogate pair, nor between a letter and its accent, nor inside an emoji sequence).
 *
 * @module
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: "grapheme" });

/**
 * `text` in parts of at most `limit` UTF-16 code units (how messages are measured). Each cut
 * is made at the last line break in the second half of the part, else at its last space
 * there, which is then left out; else after the last whole character that fits. Parts of
 * nothing but spaces are left out (the room would drop them). A text that fits is one part.
 */
export function splitText(text: string, limit: number): string[] {
  if (!(limit >= 2)) throw new RangeError(`Invalid limit ${limit}`);
  const parts: string[] = [];
  const keep = (part: string) => {
    if (part.trim() !== "") parts.push(part);
  };
  let rest = text;
  while (rest.length > limit) {
    let lineBreak = -1, breakLength = 0, space = -1, lastStart = 0;
    // The characters that fit and the one after them (whole: both halves of a surrogate
    // pair), as each cut allowed is where a character starts.
    const end = limit + (isHighSurrogate(rest.charCodeAt(limit)) ? 2 : 1);
    for (const { segment, index } of graphemes.segment(rest.slice(0, end))) {
      if (index > limit) break;
      lastStart = index;
      // A separator counts when what follows it is in sight too (an accent after a space
      // makes one character of the two).
      if (index < limit / 2 || index + segment.length > limit) continue;
      if (/^(?:\r\n|[\n\r\u2028\u2029])$/u.test(segment)) {
        lineBreak = index;
        breakLength = segment.length;
      } else if (/^\s$/u.test(segment)) space = index;
    }
    if (lineBreak >= 0) {
      keep(rest.slice(0, lineBreak));
      rest = rest.slice(lineBreak + breakLength);
    } else if (space >= 0) {
      keep(rest.slice(0, space));
      rest = rest.slice(space + 1);
    } else {
      // No room to breathe: after the last whole character that fits; a single character
      // longer than the limit (a letter with hundreds of accents) is cut between code points.
      let cut = lastStart > 0 ? lastStart : limit;
      if (cut === limit && isHighSurrogate(rest.charCodeAt(cut - 1))) cut--;
      keep(rest.slice(0, cut));
      rest = rest.slice(cut);
    }
  }
  keep(rest);
  return parts;
}

function isHighSurrogate(code: number): boolean {
  return code >= 0xd800 && code <= 0xdbff;
}

/**
 * Byte-string helpers from the CPace draft (appendix A.1): LEB128 length prefixes and
 * length-value concatenation.
 *
 * @module
 */
import { concat } from "../util/mod.ts";

/** `leb128(n)`: unsigned LEB128 encoding of a length (draft A.1.1). */
export function leb128(n: number): Uint8Array {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Invalid length ${n}`);
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n = Math.floor(n / 128);
    if (n > 0) byte |= 0x80;
    out.push(byte);
  } while (n > 0);
  return Uint8Array.from(out);
}

/** `prepend_len(data)` (draft A.1.2). */
export function prependLen(data: Uint8Array): Uint8Array {
  return concat(leb128(data.length), data);
}

/** `lv_cat(a0, a1, ...)` (draft A.1.3). */
export function lvCat(...parts: Uint8Array[]): Uint8Array {
  return concat(...parts.map(prependLen));
}

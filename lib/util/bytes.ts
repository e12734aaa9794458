/**
 * Bytes: concatenation, UTF-8, hex, and comparison in constant time.
 *
 * @module
 */

const encoder = new TextEncoder();

/** Concatenates byte strings. */
export function concat(...parts: Uint8Array[]): Uint8Array {
  return concatAll(parts);
}

/** Concatenates a list of byte strings of any length (a download's chunks, say). */
export function concatAll(parts: readonly Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/**
 * `head` followed by `tail`. When `head` is the whole of a buffer of its own (what a runtime
 * call just returned, say), that buffer is moved into one `tail`'s length longer (which the
 * runtime may grow where it is) and `head` is left detached (empty): no second buffer of
 * `head`'s size is made by rt. Otherwise both are copied into a new buffer and `head` is left
 * as it was.
 */
export function appendConsuming(head: Uint8Array, tail: Uint8Array): Uint8Array {
  const length = head.length;
  const buffer = head.buffer;
  if (
    buffer instanceof ArrayBuffer && !buffer.detached && !buffer.resizable &&
    head.byteOffset === 0 && buffer.byteLength === length
  ) {
    const out = new Uint8Array(buffer.transfer(length + tail.length));
    out.set(tail, length);
    return out;
  }
  const out = new Uint8Array(length + tail.length);
  // A head used up already (detached) is empty, and cannot even be copied from.
  if (length > 0) out.set(head);
  out.set(tail, length);
  return out;
}

/** UTF-8 encoding of a string. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Lowercase hex of bytes. */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += b.toString(16).padStart(2, "0");
  return out;
}

/** Bytes of a hex string; throws `TypeError` on malformed input. */
export function fromHex(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || /[^0-9a-fA-F]/.test(hex)) {
    throw new TypeError(`Invalid hex string "${hex.slice(0, 16)}"`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

/** Constant-time equality of two byte strings of public length. */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/**
 * SHA-256 of files being offered, computed in pieces so that a file of any size is hashed
 * without ever being whole in memory.
 *
 * @module
 */
import { createHash, type Hash } from "node:crypto";

/** SHA-256 of nothing: what an empty file hashes to. */
export const EMPTY_SHA256: Uint8Array = new Uint8Array(createHash("sha256").digest());

/** How much of a file is read at a time. */
const PIECE_BYTES = 1024 * 1024;

/** SHA-256 over bytes given piece by piece. */
export class FileHasher {
  #hash: Hash = createHash("sha256");

  /** Adds the next bytes. */
  update(bytes: Uint8Array): void {
    this.#hash.update(bytes);
  }

  /** The 32-byte digest of everything added; the hasher cannot be used afterwards. */
  digest(): Uint8Array {
    return new Uint8Array(this.#hash.digest());
  }
}

/**
 * SHA-256 of the file's first `length` bytes (default: all), read in 1 MiB pieces, never whole
 * in memory. A file shorter than `length` is hashed as it is (the digest then differs from that
 * of any `length`-byte prefix, which is what a comparison needs). The next piece is read while
 * this one is hashed (the runtime reads files on another thread): hashing is the slower of the
 * two, and the reads no longer add to it.
 */
export async function hashFile(
  path: string,
  length = Infinity,
  onBytes?: (bytes: number) => void,
): Promise<Uint8Array> {
  const hasher = new FileHasher();
  await addFile(hasher, path, length, onBytes);
  return hasher.digest();
}

/** Adds the file's first `length` bytes (default: all) to `hasher`, as `hashFile` reads them. */
export async function addFile(
  hasher: FileHasher,
  path: string,
  length = Infinity,
  onBytes?: (bytes: number) => void,
): Promise<void> {
  if (!(length >= 0)) throw new RangeError(`Cannot hash ${length} bytes`);
  using file = await Deno.open(path, { read: true });
  const buffers = [new Uint8Array(PIECE_BYTES), new Uint8Array(PIECE_BYTES)];
  let left = length;
  const readInto = (buffer: Uint8Array): Promise<number | null> => {
    const want = Math.min(buffer.length, left);
    return file.read(want === buffer.length ? buffer : buffer.subarray(0, want));
  };
  let which = 0;
  let reading = left > 0 ? readInto(buffers[0]!) : null;
  while (reading !== null) {
    const read = await reading;
    if (read === null) break;
    const piece = buffers[which]!.subarray(0, read);
    left -= read;
    which ^= 1;
    reading = left > 0 ? readInto(buffers[which]!) : null;
    hasher.update(piece);
    onBytes?.(read);
  }
}

/**
 * One received file's part being written: opened at the position this transfer starts from,
 * hashed as it grows (a resumed part's held bytes are read back once, so the hash covers the
 * whole file).
 *
 * @module
 */
import { FileHasher } from "./hash.ts";
import { partShorter } from "./words.ts";

/** A part open for writing. */
export class PartWriter {
  readonly #handle: Deno.FsFile;
  readonly #hasher: FileHasher;

  private constructor(handle: Deno.FsFile, hasher: FileHasher) {
    this.#handle = handle;
    this.#hasher = hasher;
  }

  /** Opens the part at `path` (created when missing) to write from `start` on. */
  static async open(path: string, start: number): Promise<PartWriter> {
    const hasher = new FileHasher();
    if (start > 0) {
      // Resumed: the bytes held count towards the hash; read them back once.
      for await (const piece of readPrefix(path, start)) hasher.update(piece);
    }
    const handle = await Deno.open(path, { write: true, create: true, mode: 0o600 });
    try {
      await handle.truncate(start);
      await handle.seek(start, Deno.SeekMode.Start);
    } catch (error) {
      handle.close();
      throw error;
    }
    return new PartWriter(handle, hasher);
  }

  /**
   * Appends `data`, hashing it while the runtime writes it (on another thread): the two no
   * longer add up. Writes are one at a time (the caller waits for each), so the hash follows
   * the file's order.
   */
  async write(data: Uint8Array): Promise<void> {
    const written = this.#writeAll(data);
    this.#hasher.update(data);
    await written;
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    for (let offset = 0; offset < data.length;) {
      offset += await this.#handle.write(data.subarray(offset));
    }
  }

  /** Closes the part; the SHA-256 of all of it. */
  finish(): Uint8Array {
    this.#handle.close();
    return this.#hasher.digest();
  }

  /** Closes the part, if it is open. */
  close(): void {
    try {
      this.#handle.close();
    } catch {
      // Already closed.
    }
  }
}

async function* readPrefix(path: string, length: number): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1024 * 1024);
  let left = length;
  while (left > 0) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, left)));
    if (n === null) throw new Error(partShorter);
    left -= n;
    yield buffer.subarray(0, n);
  }
}

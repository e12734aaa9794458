/**
 * One received file's part being written: opened at the position this transfer starts from,
 * hashed as it grows (a resumed part's held bytes are read back once, so the hash covers the
 * whole file).
 *
 * @module
 */
import { FileHasher } from "./hash.ts";
import { partShorter } from "./words.ts";

/** Most bytes written at once when pieces are gathered. */
export const GATHER_BYTES = 1024 * 1024;
/** A write that takes longer than this, in ms, is slow (see `DiskWrites`). */
export const SLOW_WRITE_MS = 20;

/**
 * How parts are written: by rt's own thread, until one write is slow; from then on by the
 * runtime, on another thread. A write by rt's own thread is the cheapest there is: a 128 KiB
 * chunk takes about 20 µs (measured, 2-core VM), where a chunk handed to another thread took
 * 0.4 ms on average from asked to done while a transfer kept both cores busy, and the chunks
 * behind it waited. But nothing else in rt runs meanwhile, the chat included: a disk that
 * cannot keep up (a USB stick, a network folder, the system holding back a writer far ahead of
 * the disk) would freeze it. One slow write decides, for every write after it, in every part.
 */
export class DiskWrites {
  /** A write that takes longer than this, in ms, is slow. */
  readonly slowMs: number;
  #slow = false;

  constructor(slowMs = SLOW_WRITE_MS) {
    this.slowMs = slowMs;
  }

  /** Whether a write was slow: writes go to another thread. */
  get slow(): boolean {
    return this.#slow;
  }

  /** A write took `ms`. */
  took(ms: number): void {
    if (ms > this.slowMs) this.#slow = true;
  }
}

/** The process's disk: what received parts are written with unless told otherwise. */
export const disk: DiskWrites = new DiskWrites();

/** A part open for writing. */
export class PartWriter {
  readonly #handle: Deno.FsFile;
  readonly #hasher: FileHasher;
  readonly #disk: DiskWrites;
  /** Where pieces are gathered into one write; made at the first such write. */
  #buffer: Uint8Array | null = null;

  private constructor(handle: Deno.FsFile, hasher: FileHasher, writes: DiskWrites) {
    this.#handle = handle;
    this.#hasher = hasher;
    this.#disk = writes;
  }

  /**
   * Opens the part at `path` (created when missing) to write from `start` on, with `writes`
   * (by default the process's `disk`).
   */
  static async open(path: string, start: number, writes = disk): Promise<PartWriter> {
    const hasher = new FileHasher();
    if (start > 0) {
      // Resumed: the bytes held count towards the hash; read them back once.
      for await (const piece of readPrefix(path, start)) hasher.update(piece);
    }
    const handle = await Deno.open(path, { write: true, create: true, mode: 0o600 });
    try {
      // Only a part that is not `start` long is cut: on ext4, a file cut to nothing (a new one too)
      // is written out whole when it is closed ("auto_da_alloc"), and the close waits for it:
      // 185 ms for 1 GiB, measured, with nothing else in rt running meanwhile.
      if ((await handle.stat()).size !== start) await handle.truncate(start);
      await handle.seek(start, Deno.SeekMode.Start);
    } catch (error) {
      handle.close();
      throw error;
    }
    return new PartWriter(handle, hasher, writes);
  }

  /**
   * Appends `pieces`, in order, and hashes them. While the disk keeps up, each is written here
   * and now; once it is slow (see `DiskWrites`), by the runtime on another thread, gathered
   * into writes of up to `GATHER_BYTES`, each hashed meanwhile. Writes are one at a time (the
   * caller waits for each), so the hash follows the file's order.
   */
  async write(pieces: Uint8Array[]): Promise<void> {
    let i = 0;
    for (; i < pieces.length && !this.#disk.slow; i++) {
      const start = performance.now();
      this.#writeAllSync(pieces[i]!);
      this.#disk.took(performance.now() - start);
      this.#hasher.update(pieces[i]!);
    }
    while (i < pieces.length) {
      let end = i + 1;
      let bytes = pieces[i]!.length;
      while (end < pieces.length && bytes + pieces[end]!.length <= GATHER_BYTES) {
        bytes += pieces[end++]!.length;
      }
      const written = this.#writeAll(end === i + 1 ? pieces[i]! : this.#gather(pieces, i, end));
      for (let j = i; j < end; j++) this.#hasher.update(pieces[j]!);
      await written;
      i = end;
    }
  }

  #writeAllSync(data: Uint8Array): void {
    for (let offset = 0; offset < data.length;) {
      offset += this.#handle.writeSync(data.subarray(offset));
    }
  }

  async #writeAll(data: Uint8Array): Promise<void> {
    for (let offset = 0; offset < data.length;) {
      offset += await this.#handle.write(data.subarray(offset));
    }
  }

  /** `pieces[from]` to `pieces[to - 1]` copied one after the other into the gathering buffer. */
  #gather(pieces: Uint8Array[], from: number, to: number): Uint8Array {
    this.#buffer ??= new Uint8Array(GATHER_BYTES);
    let offset = 0;
    for (let j = from; j < to; j++) {
      this.#buffer.set(pieces[j]!, offset);
      offset += pieces[j]!.length;
    }
    return this.#buffer.subarray(0, offset);
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

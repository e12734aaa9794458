/**
 * Large buffers used again: a received file chunk's frame, once its content is decrypted, is
 * given back, and the next large frame is read into it instead of into a new allocation. A
 * fresh buffer of a chunk's size costs far more than its bytes here (measured with `deno task
 * bench:files`: the receiver's CPU per GiB fell by about a tenth with this pool, the sender's by
 * a fifth when its second buffer per chunk went, see `appendConsuming`).
 *
 * Giving a buffer back moves it (`ArrayBuffer.prototype.transfer`): every view of it still
 * held anywhere is left empty, so a frame given back too early can only be seen as empty (or
 * fail to be written, when queued to be), never as the bytes of the frame read into it next.
 *
 * @module
 */

/** A few buffers of one size, for views of at most that many bytes. */
export class BufferPool {
  readonly #size: number;
  readonly #max: number;
  #free: ArrayBuffer[] = [];
  /** Buffers this pool made: only these are taken back. */
  readonly #ours = new WeakSet<ArrayBuffer>();

  /** `size`: bytes of each buffer; `max`: buffers kept for use again. */
  constructor(size: number, max: number) {
    this.#size = size;
    this.#max = max;
  }

  /** Bytes of each buffer: the largest view `take` gives. */
  get size(): number {
    return this.#size;
  }

  /** Buffers waiting to be used again. */
  get free(): number {
    return this.#free.length;
  }

  /**
   * A view of `length` bytes at the start of a buffer of the pool (one given back, whose bytes
   * are what it last held, or a new one), or `null` when `length` is over the pool's size.
   */
  take(length: number): Uint8Array | null {
    if (length > this.#size) return null;
    let buffer = this.#free.pop();
    if (buffer === undefined) {
      buffer = new ArrayBuffer(this.#size);
      this.#ours.add(buffer);
    }
    return new Uint8Array(buffer, 0, length);
  }

  /**
   * Gives back the buffer `view` is part of, when the pool made it and has room: every view of
   * it is left empty. Anything else is left as it is.
   */
  give(view: Uint8Array): void {
    const buffer = view.buffer;
    if (!(buffer instanceof ArrayBuffer) || buffer.detached || !this.#ours.has(buffer)) return;
    if (this.#free.length >= this.#max) return;
    const moved = buffer.transfer();
    this.#ours.add(moved);
    this.#free.push(moved);
  }
}

/**
 * Framing: every frame on the wire is a 4-byte big-endian length followed by that many bytes.
 * The reader is pure (bytes in, frames out) and enforces a hard size limit before buffering.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { BufferPool } from "../util/mod.ts";
import { CHUNK_BYTES, MAX_CHUNK_BODY_BYTES } from "./messages.ts";

/** Bytes in the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** Largest frame rt ever sends or accepts, in bytes (payload only). */
export const MAX_FRAME_BYTES = 256 * 1024;

/**
 * Frames over a chunk's content are read into buffers of `largeFrames`: a whole file chunk's
 * frame (its content, the tag and the sealed header) and little else. A busy room's batches,
 * sealed at 64 KiB, are not: nobody gives them back.
 */
const POOLED_OVER_BYTES = CHUNK_BYTES;
/**
 * Buffers for large frames, used again: a file chunk's frame (its content and tag, and the
 * bulk frame's prefix and sealed header before them, at most 1 KiB) is given back by whoever is
 * done with it (the receiver, once the chunk is decrypted), and the next large frame read goes
 * into it.
 */
export const largeFrames: BufferPool = new BufferPool(MAX_CHUNK_BODY_BYTES + 2048, 16);

/** A buffer for a frame of `length` bytes, filled by the reader before anyone sees it. */
function frameBuffer(length: number): Uint8Array {
  return length > POOLED_OVER_BYTES
    ? largeFrames.take(length) ?? new Uint8Array(length)
    : new Uint8Array(length);
}

/**
 * Encodes one frame: length prefix and payload. A payload given in parts is joined in the
 * frame itself (each byte copied once). `after`: bytes of the payload that follow these, sent
 * on their own (counted in the length prefix, not in what is returned).
 */
export function encodeFrame(
  payload: Uint8Array | Uint8Array[],
  maxBytes: number = MAX_FRAME_BYTES,
  after = 0,
): Uint8Array {
  const parts = Array.isArray(payload) ? payload : [payload];
  const here = parts.reduce((sum, part) => sum + part.length, 0);
  const length = here + after;
  if (length > maxBytes) {
    throw new RtError(
      "frame-too-large",
      `Frame of ${length} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + here);
  new DataView(out.buffer).setUint32(0, length);
  let offset = FRAME_HEADER_BYTES;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it returns every complete
 * frame and keeps the rest. A length prefix over the limit throws before anything is buffered.
 */
export class FrameReader {
  readonly #header = new Uint8Array(FRAME_HEADER_BYTES);
  #headerFill = 0;
  /** The frame being filled, made once its length is known (see `frameBuffer`). */
  #frame: Uint8Array | null = null;
  #frameFill = 0;
  #maxBytes: number;

  constructor(maxBytes: number = MAX_FRAME_BYTES) {
    this.#maxBytes = maxBytes;
  }

  /** The current limit; lowered before authentication, raised after. */
  get maxBytes(): number {
    return this.#maxBytes;
  }

  set maxBytes(value: number) {
    if (!Number.isSafeInteger(value) || value < 1 || value > MAX_FRAME_BYTES) {
      throw new RangeError(`Invalid frame limit ${value}`);
    }
    this.#maxBytes = value;
  }

  /** Bytes received but not yet part of a complete frame. */
  get pending(): number {
    return this.#headerFill + this.#frameFill;
  }

  /**
   * Adds received bytes; returns the complete frames now available (copies, safe to keep; a
   * large one is a view of a buffer of `largeFrames`, longer than the frame and perhaps used
   * before, for whoever is done with it to give back). Frames wholly inside `chunk` are copied
   * out of it; a frame cut by the end of a chunk is filled in place: each byte is copied once.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const frames: Uint8Array[] = [];
    // First the end of a frame cut by the previous chunk, if any.
    let offset = this.pending > 0 || this.#frame !== null ? this.#fill(chunk, 0, frames) : 0;
    const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    while (chunk.length - offset >= FRAME_HEADER_BYTES) {
      const length = this.#checked(view.getUint32(offset));
      const start = offset + FRAME_HEADER_BYTES;
      if (chunk.length - start < length) break;
      const frame = frameBuffer(length);
      frame.set(chunk.subarray(start, start + length));
      frames.push(frame);
      offset = start + length;
    }
    this.#fill(chunk, offset, frames);
    return frames;
  }

  #checked(length: number): number {
    if (length > this.#maxBytes) {
      this.#headerFill = 0;
      this.#frame = null;
      throw new RtError(
        "frame-too-large",
        `Peer announced a frame of ${length} bytes; the limit is ${this.#maxBytes}`,
      );
    }
    return length;
  }

  /**
   * Takes bytes from `offset` into the frame being filled (starting one when there is none)
   * until it is complete or the chunk ends; returns where it stopped.
   */
  #fill(chunk: Uint8Array, offset: number, frames: Uint8Array[]): number {
    while (offset < chunk.length) {
      if (this.#frame === null) {
        const take = Math.min(FRAME_HEADER_BYTES - this.#headerFill, chunk.length - offset);
        this.#header.set(chunk.subarray(offset, offset + take), this.#headerFill);
        this.#headerFill += take;
        offset += take;
        if (this.#headerFill < FRAME_HEADER_BYTES) return offset;
        this.#frame = frameBuffer(this.#checked(new DataView(this.#header.buffer).getUint32(0)));
        this.#frameFill = 0;
      }
      const take = Math.min(this.#frame.length - this.#frameFill, chunk.length - offset);
      this.#frame.set(chunk.subarray(offset, offset + take), this.#frameFill);
      this.#frameFill += take;
      offset += take;
      if (this.#frameFill < this.#frame.length) return offset;
      frames.push(this.#frame);
      this.#frame = null;
      this.#frameFill = 0;
      this.#headerFill = 0;
      return offset;
    }
    return offset;
  }

  /** Call at end of stream: throws when a frame was cut short. */
  end(): void {
    if (this.pending > 0) {
      throw new RtError(
        "frame-truncated",
        `Connection ended in the middle of a frame (${this.pending} bytes pending)`,
      );
    }
  }
}

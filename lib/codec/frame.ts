/**
 * Framing: every frame on the wire is a 4-byte big-endian length followed by that many bytes.
 * The reader is pure (bytes in, frames out) and enforces a hard size limit before buffering.
 *
 * @module
 */
import { RtError } from "../errors.ts";

/** Bytes in the length prefix. */
export const FRAME_HEADER_BYTES = 4;
/** Largest frame rt ever sends or accepts, in bytes (payload only). */
export const MAX_FRAME_BYTES = 256 * 1024;

/** Encodes one frame: length prefix and payload. */
export function encodeFrame(payload: Uint8Array, maxBytes: number = MAX_FRAME_BYTES): Uint8Array {
  if (payload.length > maxBytes) {
    throw new RtError(
      "frame-too-large",
      `Frame of ${payload.length} bytes exceeds the limit of ${maxBytes}`,
    );
  }
  const out = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  new DataView(out.buffer).setUint32(0, payload.length);
  out.set(payload, FRAME_HEADER_BYTES);
  return out;
}

/**
 * Splits a byte stream into frames. Feed it chunks as they arrive; it returns every complete
 * frame and keeps the rest. A length prefix over the limit throws before anything is buffered.
 */
export class FrameReader {
  #buffer = new Uint8Array(0);
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
    return this.#buffer.length;
  }

  /** Adds received bytes; returns the complete frames now available (copies, safe to keep). */
  push(chunk: Uint8Array): Uint8Array[] {
    let buffer: Uint8Array;
    if (this.#buffer.length === 0) buffer = chunk;
    else {
      buffer = new Uint8Array(this.#buffer.length + chunk.length);
      buffer.set(this.#buffer);
      buffer.set(chunk, this.#buffer.length);
    }
    const frames: Uint8Array[] = [];
    let offset = 0;
    while (buffer.length - offset >= FRAME_HEADER_BYTES) {
      const length = new DataView(buffer.buffer, buffer.byteOffset + offset, 4).getUint32(0);
      if (length > this.#maxBytes) {
        this.#buffer = new Uint8Array(0);
        throw new RtError(
          "frame-too-large",
          `Peer announced a frame of ${length} bytes; the limit is ${this.#maxBytes}`,
        );
      }
      if (buffer.length - offset - FRAME_HEADER_BYTES < length) break;
      const start = offset + FRAME_HEADER_BYTES;
      frames.push(buffer.slice(start, start + length));
      offset = start + length;
    }
    this.#buffer = offset === buffer.length ? new Uint8Array(0) : buffer.slice(offset);
    return frames;
  }

  /** Call at end of stream: throws when a frame was cut short. */
  end(): void {
    if (this.#buffer.length > 0) {
      throw new RtError(
        "frame-truncated",
        `Connection ended in the middle of a frame (${this.#buffer.length} bytes pending)`,
      );
    }
  }
}

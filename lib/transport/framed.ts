/**
 * A connection that carries frames: reads with a size limit and optional deadlines, writes
 * through a bounded queue so a peer that stops reading cannot grow our memory.
 *
 * @module
 */
import { encodeFrame, FrameReader, MAX_FRAME_BYTES } from "../codec/mod.ts";
import { RtError } from "../errors.ts";
import { describeError, isProgrammingError, waitAtMost } from "../util/mod.ts";

/** What a framed connection needs from a socket; `Deno.Conn` and `Deno.TlsConn` fit. */
export interface ByteStream {
  read(buffer: Uint8Array): Promise<number | null>;
  write(data: Uint8Array): Promise<number>;
  /** Ends the sending side only (TCP half-close), where the stream has one. */
  closeWrite?(): Promise<void>;
  close(): void;
}

/** Options of a framed connection. */
export interface FramedOptions {
  /** Largest frame accepted, in bytes. Default: `MAX_FRAME_BYTES`. */
  maxFrameBytes?: number;
  /** Most bytes waiting to be written before the peer counts as stalled. Default: 8 MiB. */
  maxQueuedBytes?: number;
  /** Frames read ahead of the consumer before reading pauses. Default: 64. */
  readAhead?: number;
}

const READ_CHUNK = 256 * 1024;
/**
 * Reads while traffic is light: before authentication (frames are a handshake's), and for an
 * authenticated connection that is idle or chatting. A thousand idle members cost the host
 * 4 MiB of buffers, not 16 or 256. An authenticated connection's read that fills it grows the
 * buffer to `READ_CHUNK` (a file is moving, a busy room's batches); `SHRINK_AFTER` reads in a
 * row that would have fitted shrink it again. One not yet authenticated never grows: garbage
 * from a stranger is not read in bulk.
 */
const SMALL_READ_CHUNK = 4096;
const SHRINK_AFTER = 64;
/** Bytes of queued frames gathered into one write. */
const WRITE_BATCH = 64 * 1024;

function concatFrames(frames: Uint8Array[], count: number, length: number): Uint8Array {
  const out = new Uint8Array(length);
  let offset = 0;
  for (let i = 0; i < count; i++) {
    out.set(frames[i]!, offset);
    offset += frames[i]!.length;
  }
  return out;
}

/** A frame-oriented connection over a byte stream. */
export class FramedConnection {
  readonly #stream: ByteStream;
  readonly #reader: FrameReader;
  readonly #maxQueuedBytes: number;
  readonly #readAhead: number;
  #frames: Uint8Array[] = [];
  #readError: unknown = null;
  #ended = false;
  #waiters: (() => void)[] = [];
  #wakeReader: (() => void) | null = null;
  #writeQueue: Uint8Array[] = [];
  #queuedBytes = 0;
  #writing: Promise<void> | null = null;
  /** Inside `together`: frames are queued, not yet written. */
  #holding = 0;
  /** Waiting for the write queue to shrink: resolved once it is at or below their mark. */
  #roomWaiters: { bytes: number; resolve: () => void }[] = [];
  #closed = false;
  /** Ending: what still arrives is read and dropped, until the peer closes too. */
  #draining = false;
  #closeReason: RtError | null = null;
  readonly #readLoop: Promise<void>;

  constructor(stream: ByteStream, options: FramedOptions = {}) {
    this.#stream = stream;
    this.#reader = new FrameReader(options.maxFrameBytes ?? MAX_FRAME_BYTES);
    this.#maxQueuedBytes = options.maxQueuedBytes ?? 8 * 1024 * 1024;
    this.#readAhead = options.readAhead ?? 64;
    this.#readLoop = this.#pump();
  }

  /** The frame size limit; lowered before authentication and raised after. */
  set maxFrameBytes(value: number) {
    this.#reader.maxBytes = value;
  }

  /** Whether the connection is closed. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Bytes waiting to be written. */
  get queuedBytes(): number {
    return this.#queuedBytes;
  }

  async #pump(): Promise<void> {
    let buffer = new Uint8Array(SMALL_READ_CHUNK);
    /** Reads in a row that would have fitted the small buffer. */
    let light = 0;
    try {
      while (!this.#closed) {
        while (this.#frames.length >= this.#ahead() && !this.#closed && !this.#draining) {
          await new Promise<void>((resolve) => this.#wakeReader = resolve);
        }
        if (this.#closed) break;
        const n = await this.#stream.read(buffer);
        if (n !== null && this.#reader.maxBytes > SMALL_READ_CHUNK) {
          // Sized to the traffic: large while reads fill the buffer, small again once light.
          if (n === buffer.length && buffer.length < READ_CHUNK) {
            const grown = new Uint8Array(READ_CHUNK);
            grown.set(buffer);
            buffer.buffer.transfer(0);
            buffer = grown;
            light = 0;
          } else if (buffer.length === READ_CHUNK && n <= SMALL_READ_CHUNK) {
            if (++light >= SHRINK_AFTER) {
              const shrunk = new Uint8Array(SMALL_READ_CHUNK);
              shrunk.set(buffer.subarray(0, n));
              buffer.buffer.transfer(0);
              buffer = shrunk;
              light = 0;
            }
          } else light = 0;
        }
        if (n === null) {
          if (!this.#draining) this.#reader.end();
          this.#ended = true;
          break;
        }
        // Ending: what still arrives is dropped unread, not cut into frames first.
        if (this.#draining) continue;
        for (const frame of this.#reader.push(buffer.subarray(0, n))) this.#frames.push(frame);
        this.#wake();
      }
    } catch (error) {
      if (!this.#closed) this.#readError = toRtError(error);
      else this.#ended = true;
    }
    this.#ended = true;
    // Give the buffer back now rather than at the next full garbage collection (no read is
    // pending any more): under a flood of short connections, buffers waiting for it added up,
    // and the system's allocator kept the peak long after.
    buffer.buffer.transfer(0);
    this.#wake();
  }

  /**
   * Frames read ahead before reading pauses: two while frames are a handshake's (a joiner
   * sends one message and waits for the answer), so that garbage is not read and cut into
   * frames in bulk before the first one is even looked at.
   */
  #ahead(): number {
    return this.#reader.maxBytes <= SMALL_READ_CHUNK ? 2 : this.#readAhead;
  }

  /** Wakes every waiting reader; each checks again what it waits for. */
  #wake(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }

  /**
   * The next frame, or `null` when the peer closed cleanly. Rejects with an `RtError` on a
   * protocol violation, a broken connection, or when `timeoutMs` passes first.
   */
  async next(timeoutMs?: number): Promise<Uint8Array | null> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let timedOut = false;
    try {
      while (true) {
        const frame = this.#frames.shift();
        if (frame) {
          const wake = this.#wakeReader;
          this.#wakeReader = null;
          wake?.();
          return frame;
        }
        if (this.#readError) throw this.#readError;
        if (this.#closeReason) throw this.#closeReason;
        if (this.#ended || this.#closed) return null;
        if (timedOut) {
          throw new RtError("timeout", `No message within ${Math.round(timeoutMs! / 1000)} s`);
        }
        await new Promise<void>((resolve) => {
          this.#waiters.push(resolve);
          if (timeoutMs !== undefined && timer === undefined) {
            timer = setTimeout(() => {
              timedOut = true;
              this.#wake();
            }, timeoutMs);
          }
        });
      }
    } finally {
      if (timer !== undefined) clearTimeout(timer);
    }
  }

  /**
   * Queues one frame (its payload whole, or in parts joined in the frame). When the queue would
   * pass its limit the peer is treated as stalled: the connection closes and this throws
   * `RtError("connection-closed")`.
   */
  send(payload: Uint8Array | Uint8Array[]): void {
    const parts = Array.isArray(payload) ? payload : [payload];
    const body = parts.at(-1)!;
    // A large last part (a file's chunk) is written as it is, after the rest of its frame:
    // joining them would copy it.
    const pieces = parts.length > 1 && body.length >= WRITE_BATCH
      ? [encodeFrame(parts.slice(0, -1), MAX_FRAME_BYTES, body.length), body]
      : [encodeFrame(parts)];
    const bytes = pieces.reduce((sum, piece) => sum + piece.length, 0);
    this.ensureRoom(bytes);
    this.#writeQueue.push(...pieces);
    this.#queuedBytes += bytes;
    if (this.#holding === 0) this.#writing ??= this.#drain();
  }

  /**
   * Runs `send`, whose frames go out together in one write: otherwise the first goes alone and
   * the rest wait until it is written, a turn of the event loop later (a trip's worth when the
   * other side waits for all of them, as in the handshake). `send` must not `end` the
   * connection: what it queued would not be written before the end.
   */
  together(send: () => void): void {
    this.#holding++;
    try {
      send();
    } finally {
      if (--this.#holding === 0 && this.#writeQueue.length > 0) this.#writing ??= this.#drain();
    }
  }

  /**
   * Throws `RtError` when the connection is closed (why it closed), or when `bytes` more would
   * pass the queue's limit: the peer is then treated as stalled and the connection closed.
   */
  ensureRoom(bytes: number): void {
    if (this.#closed) {
      throw this.#closeReason ?? new RtError("connection-closed", "Connection is closed");
    }
    if (this.#queuedBytes + bytes > this.#maxQueuedBytes) {
      this.close(
        new RtError("connection-closed", "Peer stopped reading; its outgoing queue is full"),
      );
      throw this.#closeReason;
    }
  }

  async #drain(): Promise<void> {
    try {
      while (this.#writeQueue.length > 0 && !this.#closed) {
        // Coalesce queued frames into one write: one system call for a burst of small frames.
        let count = 0, length = 0;
        // A large piece goes in a write of its own.
        while (
          count < this.#writeQueue.length &&
          (count === 0 || (length < WRITE_BATCH && this.#writeQueue[count]!.length < WRITE_BATCH))
        ) {
          length += this.#writeQueue[count++]!.length;
        }
        const batch = count === 1
          ? this.#writeQueue[0]!
          : concatFrames(this.#writeQueue, count, length);
        let offset = 0;
        while (offset < batch.length) {
          offset += await this.#stream.write(batch.subarray(offset));
        }
        if (this.#closed) break;
        this.#writeQueue.splice(0, count);
        this.#queuedBytes -= length;
        this.#wakeRoomWaiters();
      }
    } catch (error) {
      if (!this.#closed) this.close(toRtError(error));
    } finally {
      this.#writing = null;
    }
  }

  /**
   * Resolves once at most `bytes` are waiting to be written (or the connection closed): how a
   * sender of bulk data keeps its queue short without ever being taken for a stalled peer.
   * `null` when that is already so (no promise to wait on in the common case).
   */
  hasRoom(bytes: number): Promise<void> | null {
    if (this.#queuedBytes <= bytes || this.#closed) return null;
    return new Promise((resolve) => this.#roomWaiters.push({ bytes, resolve }));
  }

  #wakeRoomWaiters(): void {
    if (this.#roomWaiters.length === 0) return;
    const waiting = this.#roomWaiters;
    this.#roomWaiters = [];
    for (const waiter of waiting) {
      if (this.#queuedBytes <= waiter.bytes || this.#closed) waiter.resolve();
      else this.#roomWaiters.push(waiter);
    }
  }

  /** Waits until every queued frame is written (or `timeoutMs` passes), then closes. */
  async end(timeoutMs = 2000): Promise<void> {
    if (this.#writing) await waitAtMost(this.#writing, timeoutMs);
    // Half-close, then read and drop what the peer still sends until it closes too (briefly):
    // closing a socket with unread data makes the system reset the connection, and the peer
    // could lose the last frames we sent (the room's goodbye) along with it.
    if (!this.#closed && this.#stream.closeWrite) {
      this.#draining = true;
      this.#frames = [];
      const wake = this.#wakeReader;
      this.#wakeReader = null;
      wake?.();
      try {
        await this.#stream.closeWrite();
        await waitAtMost(this.#readLoop, Math.min(timeoutMs, 1000));
      } catch {
        // Already closed.
      }
    }
    this.close();
    await this.#readLoop;
  }

  /** Closes at once; pending reads end, frames read ahead and queued writes are dropped. */
  close(reason?: RtError): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#closeReason = reason ?? null;
    // Frames read ahead are dropped too: a consumer that is slow on purpose (a member held to
    // the rate limit) would otherwise go on through hundreds of them after the close.
    this.#frames = [];
    this.#writeQueue = [];
    this.#queuedBytes = 0;
    this.#wakeRoomWaiters();
    try {
      this.#stream.close();
    } catch {
      // Already closed by the peer or the runtime.
    }
    const wake = this.#wakeReader;
    this.#wakeReader = null;
    wake?.();
    this.#wake();
  }

  /** Resolves when the read side has stopped (after close or end of stream). */
  get done(): Promise<void> {
    return this.#readLoop;
  }
}

/** Maps socket and codec failures to `RtError`. */
export function toRtError(error: unknown): RtError {
  if (error instanceof RtError) return error;
  if (error instanceof Deno.errors.ConnectionReset || error instanceof Deno.errors.BrokenPipe) {
    return new RtError("connection-closed", "The connection was lost", { cause: error });
  }
  // A bug is not a lost connection: it is said as what it is.
  if (isProgrammingError(error)) {
    return new RtError("internal", describeError(error), { cause: error });
  }
  const message = describeError(error);
  return new RtError("connection-closed", `Connection failed: ${message}`, { cause: error });
}

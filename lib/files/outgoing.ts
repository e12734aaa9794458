/**
 * One offer being sent to one member: once accepted, each file is read from where the
 * recipient asked (a resumed transfer starts half way) in chunks, encrypted with the
 * transfer's key (in a streamed offer, hashed as it goes, its digest sent after it), and sent
 * no faster than the recipient acknowledges writing them and the connection drains: a file of
 * any size never sits in memory, and chat never waits behind it.
 *
 * @module
 */
import type { ClientMessage } from "../codec/mod.ts";
import { CHUNK_BYTES } from "../codec/mod.ts";
import { addFile, FileHasher } from "./hash.ts";
import { WorkerHash } from "./hash_worker.ts";
import { decodeAck, isStreamed, StreamCipher, WINDOW_BYTES } from "./wire.ts";
import { Pacing } from "./pacing.ts";
import { changedSinceOffered, notOffered } from "./words.ts";

/** Window at the start of a transfer, in bytes; it adapts (see `pacing.ts`). */
export const INITIAL_WINDOW_BYTES = 1024 * 1024;
/** Queueing delay a transfer may add on the way, in ms. */
const TARGET_QUEUE_MS = 100;

/**
 * A file of a streamed offer this large or larger is hashed by a worker (see `hash_worker.ts`)
 * while it is sent; a smaller one does not wait for a worker to start. The whole file is hashed
 * (what the recipient holds from before too), so its size decides, not the bytes left to send.
 */
const WORKER_HASH_BYTES = 8 * 1024 * 1024;

/** Bytes read from a file at a time. */
const READ_BYTES = 1024 * 1024;

/** A file as the sender has it. */
export interface SourceFile {
  path: string;
  source: string;
  size: number;
  /** Set in a streamed offer (see `wire.ts`): the file is hashed as it is sent. */
  tag?: Uint8Array;
}

/** What an outgoing transfer needs from the chat. */
export interface OutgoingLink {
  /** Sends one message to the room. Throws when the session is over. */
  send(message: ClientMessage): void;
  /** Resolves when more bulk data for `to` may be queued; `null` when it may now. */
  ready(to: string): Promise<void> | null;
}

/** A transfer's window, growing from `INITIAL_WINDOW_BYTES` up to `maxBytes`. */
function pacing(maxBytes: number): Pacing {
  return new Pacing({
    minBytes: 2 * CHUNK_BYTES,
    maxBytes,
    initialBytes: INITIAL_WINDOW_BYTES,
    targetMs: TARGET_QUEUE_MS,
  });
}

/** An offer of files from this member to one other. */
export class Outgoing {
  readonly to: string;
  readonly files: SourceFile[];
  readonly total: number;
  readonly #id: Uint8Array;
  readonly #cipher: StreamCipher;
  readonly #link: OutgoingLink;
  /** Whether each file's digest follows its content (see `wire.ts`). */
  readonly #streamed: boolean;
  #from: number[] = [];
  #n = 0;
  #acksN = 0;
  #sent = 0;
  #acked = 0;
  #stopped = false;
  #wakeSender: (() => void) | null = null;
  /** How far ahead of the acknowledgements it may be: up to what the recipient allows. */
  #pacing = pacing(WINDOW_BYTES);
  /** Resolved by `stop()`: ends a wait for the link that may not end by itself. */
  readonly #stopping = Promise.withResolvers<void>();

  constructor(options: {
    to: string;
    files: SourceFile[];
    id: Uint8Array;
    key: Uint8Array;
    link: OutgoingLink;
  }) {
    this.to = options.to;
    this.files = options.files;
    this.total = options.files.reduce((sum, f) => sum + f.size, 0);
    this.#id = options.id;
    this.#cipher = new StreamCipher(options.key, options.id);
    this.#link = options.link;
    this.#streamed = isStreamed(options.files);
  }

  /** Bytes the recipient has: held before, plus written in this transfer. */
  get done(): number {
    return this.#from.reduce((sum, n) => sum + n, 0) + this.#acked;
  }

  /** Whether it has stopped sending. */
  get stopped(): boolean {
    return this.#stopped;
  }

  /**
   * Sends the content, starting each file at `from`, at most `window` bytes ahead of the
   * acknowledgements (as the recipient asked). In a streamed offer, each file the recipient
   * asked any of is hashed whole (the bytes it holds read back first) and its digest follows
   * its last chunk. Resolves when all of it is sent, or it was stopped; rejects when a file
   * cannot be read as offered.
   */
  async send(from: number[], window = WINDOW_BYTES): Promise<void> {
    if (from.length !== this.files.length || from.some((n, i) => n > this.files[i]!.size)) {
      throw new Error(notOffered);
    }
    this.#from = from;
    this.#pacing = pacing(window);
    for (const [i, file] of this.files.entries()) {
      if (from[i] !== file.size) await this.#sendFile(file, from[i]!);
      if (this.#stopped) return;
    }
  }

  /**
   * Sends `file` from `start`, then, in a streamed offer, its digest: of the whole file (what
   * the recipient holds from before too), hashed as it is sent, by a worker for a large one.
   */
  async #sendFile(file: SourceFile, start: number): Promise<void> {
    using handle = await Deno.open(file.source, { read: true });
    const info = await handle.stat();
    if (info.size !== file.size) throw new Error(changedSinceOffered(file.path));
    const big = file.size >= WORKER_HASH_BYTES;
    using worker = this.#streamed && big ? new WorkerHash(file.source, file.size) : null;
    const hasher = this.#streamed && !big ? new FileHasher() : null;
    if (hasher && start > 0) await addFile(hasher, file.source, start);
    await handle.seek(start, Deno.SeekMode.Start);
    // Read in large pieces (fewer system calls), send in chunks.
    const buffer = new Uint8Array(READ_BYTES);
    let left = file.size - start;
    while (left > 0) {
      const want = Math.min(buffer.length, left);
      let filled = 0;
      while (filled < want) {
        const n = await handle.read(buffer.subarray(filled, want));
        if (n === null) throw new Error(changedSinceOffered(file.path));
        filled += n;
      }
      for (let at = 0; at < want; at += CHUNK_BYTES) {
        const piece = buffer.subarray(at, Math.min(want, at + CHUNK_BYTES));
        await this.#room(piece.length);
        if (this.#stopped) return;
        hasher?.update(piece);
        this.#frame(piece);
        this.#sent += piece.length;
        this.#pacing.sent(this.#sent);
      }
      left -= want;
    }
    if (!this.#streamed) return;
    // A stop does not wait for the worker (it ends with this call).
    const digest = worker
      ? await Promise.race([worker.digest, this.#stopping.promise])
      : hasher!.digest();
    if (!digest) return;
    await this.#room(0);
    if (this.#stopped) return;
    this.#frame(digest);
  }

  /** Seals and sends the next frame of the content stream. */
  #frame(plaintext: Uint8Array): void {
    const body = this.#cipher.seal("content", this.#n, plaintext);
    this.#link.send({ t: "data", to: this.to, id: this.#id, n: this.#n++, body });
  }

  /** Waits until `bytes` more fit in the window and the connection has room. */
  async #room(bytes: number): Promise<void> {
    while (!this.#stopped && this.#sent + bytes - this.#acked > this.#pacing.window) {
      await new Promise<void>((resolve) => this.#wakeSender = resolve);
    }
    const ready = this.#stopped ? null : this.#link.ready(this.to);
    if (ready) await Promise.race([ready, this.#stopping.promise]);
  }

  /** Takes acknowledgement frame `n` from the recipient; `false` when it is not genuine. */
  ack(n: number, body: Uint8Array): boolean {
    if (n !== this.#acksN) return false;
    const plaintext = this.#cipher.open("acks", n, body);
    const written = plaintext === null ? null : decodeAck(plaintext);
    if (written === null || written < this.#acked || written > this.#sent) return false;
    this.#acksN++;
    this.#acked = written;
    this.#pacing.acked(written);
    this.#wake();
    return true;
  }

  /** Stops sending. */
  stop(): void {
    this.#stopped = true;
    this.#stopping.resolve();
    this.#wake();
  }

  #wake(): void {
    const wake = this.#wakeSender;
    this.#wakeSender = null;
    wake?.();
  }
}

/** The recipient's side of acknowledgements: numbers and seals them. */
export class AckSender {
  readonly #cipher: StreamCipher;
  #n = 0;

  constructor(key: Uint8Array, id: Uint8Array) {
    this.#cipher = new StreamCipher(key, id);
  }

  /** The next acknowledgement frame: its number and sealed body. */
  next(plaintext: Uint8Array): { n: number; body: Uint8Array } {
    const n = this.#n++;
    return { n, body: this.#cipher.seal("acks", n, plaintext) };
  }
}

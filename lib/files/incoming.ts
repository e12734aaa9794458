/**
 * One offer being received: where each file goes, the chunks checked and written in order,
 * each file's hash (offered, or following its content in a streamed offer) checked before it is
 * moved among the downloads, acknowledgements for the
 * sender's flow control, and what is left behind when it stops (a part to resume from, or
 * nothing at all).
 *
 * @module
 */
import { join } from "node:path";
import { CHUNK_BYTES, largeFrames } from "../codec/mod.ts";
import { describeError, equalBytes, Serial } from "../util/mod.ts";
import { EMPTY_SHA256, hashFile } from "./hash.ts";
import { disk, type DiskWrites, GATHER_BYTES, PartWriter } from "./part_writer.ts";
import { firstOfEachContent, type PartialStore } from "./partials.ts";
import { type Destination, placeFile, planDestinations, receivedFolder } from "./place.ts";
import {
  DIGEST_BYTES,
  isStreamed,
  type OfferedFileInfo,
  partKey,
  StreamCipher,
  WINDOW_BYTES,
} from "./wire.ts";
import {
  alreadyReceiving,
  altered,
  couldNotWrite,
  doesNotWait,
  hashMismatch,
  moreThanOffered,
  noDigest,
  outOfOrder,
} from "./words.ts";

/**
 * Bytes a sender may have in flight to this member while its disk keeps up (see
 * `DiskWrites`), four times what rt allowed before: on loopback (1 GiB, 2-core VM, 5 runs
 * each), the median host-to-joiner transfer went from 231 to 242 MB/s and its spread from
 * 161–250 to 237–246; joiner to joiner from 158 to 190. A transfer accepted once the disk is
 * slow, whose chunks wait for it in memory, gets `WINDOW_BYTES`, as before.
 */
export const FAST_WINDOW_BYTES = 32 * 1024 * 1024;

/** Chunks of file `index`, one after the other from `start`, written together. */
interface QueuedWrite {
  index: number;
  start: number;
  pieces: Uint8Array[];
  bytes: number;
}

/** What an incoming transfer reports. */
export interface IncomingSink {
  /** Bytes written so far in this transfer: acknowledge them to the sender. */
  written(bytes: number): void;
  /** One file is complete, verified (its SHA-256 is `hash`) and saved at `path`. */
  saved(file: OfferedFileInfo, path: string, hash: Uint8Array): void;
  /** Every file is saved. */
  complete(): void;
  /** The transfer failed (`corrupt`: a hash did not match; `failed`: anything else). */
  failed(code: "corrupt" | "failed", reason: string): void;
}

/** An offer of files from one sender, to this member. */
export class Incoming {
  readonly files: OfferedFileInfo[];
  readonly total: number;
  readonly #sender: Uint8Array;
  readonly #cipher: StreamCipher;
  readonly #downloads: string;
  readonly #partials: PartialStore;
  readonly #writes: DiskWrites;
  /** Whether each file's hash follows its content (see `wire.ts`). */
  readonly #streamed: boolean;
  /** A streamed offer's digests, per file, as they come. */
  readonly #digests: Uint8Array[] = [];
  #sink: IncomingSink | null = null;
  #destinations: Destination[] = [];
  /** Bytes held before this transfer started (resumed), per file. */
  #from: number[] = [];
  /**
   * Files saved already, by this transfer or the one it carries on (see `accept`): they are
   * not finished again.
   */
  #whole = new Set<number>();
  /** Next chunk number expected. */
  #n = 0;
  /** Cursor of the content stream: file and position in it. */
  #file = 0;
  #position = 0;
  /** Bytes received and bytes written in this transfer. */
  #received = 0;
  #written = 0;
  /** Bytes the sender may have in flight: decided on accepting. */
  #window = WINDOW_BYTES;
  /** Bytes acknowledged, and writes queued: acknowledgements go out in batches. */
  #acked = 0;
  #queuedWrites = 0;
  /** Writes and checks, one at a time, in order. */
  readonly #work = new Serial();
  /**
   * Chunks of one file waiting for the write ahead of them, up to `GATHER_BYTES`: one write
   * takes them all (once the disk is slow, a write is a trip to another thread and back,
   * whatever its size). No more: a stop waits for the write under way, and acknowledgements
   * follow each.
   */
  #waiting: QueuedWrite | null = null;
  /** The part being written, if any. */
  #part: PartWriter | null = null;
  #stopped = false;
  /** Whether this transfer holds its parts (see `PartialStore.claim`). */
  #claimed = false;

  constructor(options: {
    files: OfferedFileInfo[];
    sender: Uint8Array;
    key: Uint8Array;
    id: Uint8Array;
    downloads: string;
    partials: PartialStore;
    /** How parts are written; by default the process's `disk`. */
    writes?: DiskWrites;
  }) {
    this.files = options.files;
    this.total = options.files.reduce((sum, f) => sum + f.size, 0);
    this.#sender = options.sender;
    this.#cipher = new StreamCipher(options.key, options.id);
    this.#downloads = options.downloads;
    this.#partials = options.partials;
    this.#writes = options.writes ?? disk;
    this.#streamed = isStreamed(options.files);
  }

  /** Bytes already held for each file from an earlier, interrupted offer of the same content. */
  held(): Promise<number[]> {
    return this.#partials.heldFor(this.#sender, this.files);
  }

  /** Bytes the sender may have in flight (said in the accept), once accepted. */
  get window(): number {
    return this.#window;
  }

  /** Where the files are: the folder received, or the downloads folder. */
  get folder(): string {
    return receivedFolder(this.#destinations, this.#downloads);
  }

  /** Bytes done: held before plus written now. */
  get done(): number {
    return this.#from.reduce((sum, n) => sum + n, 0) + this.#written;
  }

  /**
   * Accepts: works out where each file goes (safe names only; a folder that exists already
   * gets a new name), and returns where each file's content should start. `earlier`: the
   * transfer of the same files this one carries on (stopped when a connection dropped): the
   * files go where its files went, and those it saved are not asked for again.
   */
  async accept(sink: IncomingSink, earlier?: Incoming): Promise<number[]> {
    if (!this.#partials.claim(this.#sender, this.#keys())) {
      throw new Error(alreadyReceiving);
    }
    this.#claimed = true;
    this.#sink = sink;
    await this.#partials.prepare();
    const held = await this.held();
    const firsts = firstOfEachContent(this.#keys());
    // A part longer than its file cannot be ours: start that one again.
    for (const [i, file] of this.files.entries()) {
      if (held[i] === 0 && firsts[i]) await this.#partials.remove(this.#sender, partKey(file));
    }
    if (earlier && earlier.#destinations.length === this.files.length) {
      this.#destinations = earlier.#destinations;
      this.#whole = new Set(earlier.#whole);
    } else {
      const paths = this.files.map((f) => f.path);
      this.#destinations = await planDestinations(paths, this.#downloads);
    }
    this.#from = held.map((bytes, i) => {
      const { size } = this.files[i]!;
      if (this.#whole.has(i)) return size;
      // A streamed file's digest comes after its content, and only when some is asked for:
      // a part held whole but not yet checked asks for its last byte again.
      return this.#streamed && bytes === size && size > 0 ? size - 1 : bytes;
    });
    this.#window = this.#writes.slow ? WINDOW_BYTES : FAST_WINDOW_BYTES;
    this.#position = this.#from[0] ?? 0;
    this.#advance();
    return this.#from;
  }

  /** Takes chunk `n` of the content; a chunk that is not genuine or not in order fails it all. */
  chunk(n: number, body: Uint8Array): void {
    if (this.#stopped || this.#sink === null) return;
    if (n !== this.#n) return this.#fail("failed", outOfOrder);
    const plaintext = this.#cipher.open("content", n, body);
    // Decrypted: the frame's buffer is read into again (see `largeFrames`).
    largeFrames.give(body);
    if (plaintext === null) {
      return this.#fail("failed", altered);
    }
    const file = this.files[this.#file];
    if (this.#streamed && file && this.#position === file.size) {
      // The file's content is all here: this frame is its digest.
      if (plaintext.length !== DIGEST_BYTES) return this.#fail("failed", noDigest);
      this.#n++;
      this.#digests[this.#file] = plaintext;
      return this.#advance();
    }
    if (!file || plaintext.length === 0 || plaintext.length > file.size - this.#position) {
      return this.#fail("failed", moreThanOffered);
    }
    this.#received += plaintext.length;
    if (this.#received - this.#written > this.#window + CHUNK_BYTES) {
      return this.#fail("failed", doesNotWait);
    }
    this.#n++;
    const index = this.#file;
    const start = this.#position;
    this.#position += plaintext.length;
    this.#queuedWrites++;
    this.#queueWrite(index, start, plaintext);
    this.#advance();
  }

  /**
   * Files whose content is all there (empty ones, fully held ones) are finished in turn; in a
   * streamed offer, once their digest is here too (none comes for a file none was asked of).
   */
  #advance(): void {
    while (this.#file < this.files.length && this.#complete(this.#file)) {
      const index = this.#file;
      if (!this.#whole.has(index)) this.#then(() => this.#finish(index));
      this.#file++;
      this.#position = this.#from[this.#file] ?? 0;
    }
    if (this.#file === this.files.length) {
      this.#then(() => {
        this.#stopped = true;
        this.#release();
        this.#sink!.complete();
      });
    }
  }

  /** Whether file `index`, the one the stream is at, is all here. */
  #complete(index: number): boolean {
    const { size } = this.files[index]!;
    if (this.#position !== size) return false;
    return !this.#streamed || this.#from[index] === size || this.#digests[index] !== undefined;
  }

  #then(step: () => Promise<void> | void): void {
    void this.#work.run(async () => {
      if (this.#stopped) return;
      try {
        await step();
      } catch (error) {
        this.#fail("failed", couldNotWrite(describeError(error)));
      }
    });
  }

  /**
   * Queues a chunk of file `index` that starts at `start`: with the chunks of the same file
   * waiting already while they come to at most `GATHER_BYTES`, or as a new write after
   * everything queued.
   */
  #queueWrite(index: number, start: number, data: Uint8Array): void {
    const waiting = this.#waiting;
    if (waiting && waiting.index === index && waiting.bytes + data.length <= GATHER_BYTES) {
      waiting.pieces.push(data);
      waiting.bytes += data.length;
      return;
    }
    const write: QueuedWrite = { index, start, pieces: [data], bytes: data.length };
    this.#waiting = write;
    this.#then(() => {
      // Its turn: later chunks wait for the next write.
      if (this.#waiting === write) this.#waiting = null;
      return this.#write(write);
    });
  }

  async #write(write: QueuedWrite): Promise<void> {
    if (!this.#part) {
      const file = this.files[write.index]!;
      const path = this.#partials.pathFor(this.#sender, partKey(file));
      this.#part = await PartWriter.open(path, write.start, this.#writes);
    }
    await this.#part.write(write.pieces);
    this.#written += write.bytes;
    this.#queuedWrites -= write.pieces.length;
    // Acknowledge when the writes queued are done, or every quarter of rt's first window.
    if (this.#queuedWrites === 0 || this.#written - this.#acked >= WINDOW_BYTES / 4) {
      this.#acked = this.#written;
      this.#sink!.written(this.#written);
    }
  }

  async #finish(index: number): Promise<void> {
    const file = this.files[index]!;
    const key = partKey(file);
    const part = this.#partials.pathFor(this.#sender, key);
    let hash: Uint8Array;
    if (this.#part) {
      hash = this.#part.finish();
      this.#part = null;
    } else {
      // Nothing written in this transfer: empty, or held complete from before.
      if (file.size === 0) await Deno.writeFile(part, new Uint8Array(0), { mode: 0o600 });
      hash = await hashFile(part);
    }
    // A streamed file is checked against its digest; an empty one needs none (it is empty).
    const expected = file.hash ?? this.#digests[index] ?? EMPTY_SHA256;
    if (!equalBytes(hash, expected)) {
      await this.#partials.remove(this.#sender, key);
      return this.#fail("corrupt", hashMismatch(file.path));
    }
    const { folder, name } = this.#destinations[index]!;
    const path = await placeFile(part, join(this.#downloads, ...folder), name);
    this.#whole.add(index);
    this.#sink!.saved(file, path, hash);
  }

  #keys(): Uint8Array[] {
    return this.files.map(partKey);
  }

  /** Lets other transfers have this one's parts again. */
  #release(): void {
    if (this.#claimed) this.#partials.release(this.#sender, this.#keys());
    this.#claimed = false;
  }

  #fail(code: "corrupt" | "failed", reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closePart();
    this.#release();
    this.#sink?.failed(code, reason);
  }

  #closePart(): void {
    this.#part?.close();
    this.#part = null;
  }

  /**
   * Stops. `keep`: leave the parts to resume from (the sender or the connection went away);
   * otherwise delete them (cancelled). Resolves when the files are closed.
   */
  async stop(keep: boolean): Promise<void> {
    this.#stopped = true;
    await this.#work.idle;
    this.#closePart();
    // Parts another transfer is writing are not this one's to delete.
    if (!this.#claimed) this.#claimed = this.#partials.claim(this.#sender, this.#keys());
    if (!keep && this.#claimed) {
      for (const file of this.files) await this.#partials.remove(this.#sender, partKey(file));
    }
    this.#release();
  }

  /** Whether it has stopped (finished, failed or stopped). */
  get stopped(): boolean {
    return this.#stopped;
  }
}

/**
 * One offer being received: where each file goes, the chunks checked and written in order,
 * each file's hash checked before it is moved among the downloads, acknowledgements for the
 * sender's flow control, and what is left behind when it stops (a part to resume from, or
 * nothing at all).
 *
 * @module
 */
import { join } from "node:path";
import { CHUNK_BYTES } from "../codec/messages.ts";
import { equalBytes } from "../handshake/bytes.ts";
import { toHex } from "../handshake/bytes.ts";
import { FileHasher, hashFile } from "./hash.ts";
import type { PartialStore } from "./partials.ts";
import { placeFile, reserveFolder } from "./place.ts";
import { safeRelativePath } from "./safe_name.ts";
import { type OfferedFileInfo, StreamCipher, WINDOW_BYTES } from "./wire.ts";

/** What an incoming transfer reports. */
export interface IncomingSink {
  /** Bytes written so far in this transfer: acknowledge them to the sender. */
  written(bytes: number): void;
  /** One file is complete, verified and saved at `path`. */
  saved(file: OfferedFileInfo, path: string): void;
  /** Every file is saved. */
  complete(): void;
  /** The transfer failed (`corrupt`: a hash did not match; `failed`: anything else). */
  failed(code: "corrupt" | "failed", reason: string): void;
}

/** Where a received file goes. */
interface Destination {
  /** Folder under the downloads folder, relative segments. */
  folder: string[];
  name: string;
}

/** An offer of files from one sender, to this member. */
export class Incoming {
  readonly files: OfferedFileInfo[];
  readonly total: number;
  readonly #sender: Uint8Array;
  readonly #cipher: StreamCipher;
  readonly #downloads: string;
  readonly #partials: PartialStore;
  #sink: IncomingSink | null = null;
  #destinations: Destination[] = [];
  /** Bytes held before this transfer started (resumed), per file. */
  #from: number[] = [];
  /** Next chunk number expected. */
  #n = 0;
  /** Cursor of the content stream: file and position in it. */
  #file = 0;
  #position = 0;
  /** Bytes received and bytes written in this transfer. */
  #received = 0;
  #written = 0;
  /** Bytes acknowledged, and writes queued: acknowledgements go out in batches. */
  #acked = 0;
  #queuedWrites = 0;
  #chain: Promise<void> = Promise.resolve();
  #handle: Deno.FsFile | null = null;
  #hasher: FileHasher | null = null;
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
  }) {
    this.files = options.files;
    this.total = options.files.reduce((sum, f) => sum + f.size, 0);
    this.#sender = options.sender;
    this.#cipher = new StreamCipher(options.key, options.id);
    this.#downloads = options.downloads;
    this.#partials = options.partials;
  }

  /** Bytes already held for each file from an earlier, interrupted offer of the same content. */
  async held(): Promise<number[]> {
    const held: number[] = [];
    const firsts = this.#firsts();
    for (const [i, file] of this.files.entries()) {
      // Files with the same content share one part: it is the first one's to resume.
      const bytes = firsts[i] ? await this.#partials.held(this.#sender, file.hash) : 0;
      held.push(bytes <= file.size ? bytes : 0);
    }
    return held;
  }

  /** Where the files are: the folder received, or the downloads folder. */
  get folder(): string {
    const tops = new Set(this.#destinations.map((d) => d.folder[0]));
    const [top] = tops;
    return tops.size === 1 && top !== undefined ? join(this.#downloads, top) : this.#downloads;
  }

  /** For each file, whether it is the first of the offer with its content (its hash). */
  #firsts(): boolean[] {
    const seen = new Set<string>();
    return this.files.map((file) => {
      const hex = toHex(file.hash);
      if (seen.has(hex)) return false;
      seen.add(hex);
      return true;
    });
  }

  /** Bytes done: held before plus written now. */
  get done(): number {
    return this.#from.reduce((sum, n) => sum + n, 0) + this.#written;
  }

  /**
   * Accepts: works out where each file goes (safe names only; a folder that exists already
   * gets a new name), and returns where each file's content should start.
   */
  async accept(sink: IncomingSink): Promise<number[]> {
    if (!this.#partials.claim(this.#sender, this.#hashes())) {
      throw new Error("the same file from this sender is being received already");
    }
    this.#claimed = true;
    this.#sink = sink;
    await this.#partials.prepare();
    const held = await this.held();
    const firsts = this.#firsts();
    // A part longer than its file cannot be ours: start that one again.
    for (const [i, file] of this.files.entries()) {
      if (held[i] === 0 && firsts[i]) await this.#partials.remove(this.#sender, file.hash);
    }
    this.#from = held;
    const folders = new Map<string, string>();
    for (const [i, file] of this.files.entries()) {
      const segments = safeRelativePath(file.path) ?? [`file ${i + 1}`];
      const name = segments.pop()!;
      if (segments.length > 0) {
        // A folder of the offer gets one name for all its files, claimed now.
        const top = segments[0]!;
        let claimed = folders.get(top);
        if (claimed === undefined) {
          claimed = await reserveFolder(this.#downloads, top);
          folders.set(top, claimed);
        }
        segments[0] = claimed;
      }
      this.#destinations.push({ folder: segments, name });
    }
    this.#position = this.#from[0] ?? 0;
    this.#advance();
    return this.#from;
  }

  /** Takes chunk `n` of the content; a chunk that is not genuine or not in order fails it all. */
  chunk(n: number, body: Uint8Array): void {
    if (this.#stopped || this.#sink === null) return;
    if (n !== this.#n) return this.#fail("failed", "a piece of the file arrived out of order");
    const plaintext = this.#cipher.open("content", n, body);
    if (plaintext === null) {
      return this.#fail("failed", "a piece of the file was altered on the way");
    }
    const file = this.files[this.#file];
    if (!file || plaintext.length === 0 || plaintext.length > file.size - this.#position) {
      return this.#fail("failed", "the sender sent more than it offered");
    }
    this.#received += plaintext.length;
    if (this.#received - this.#written > WINDOW_BYTES + CHUNK_BYTES) {
      return this.#fail("failed", "the sender does not wait for the file to be written");
    }
    this.#n++;
    const index = this.#file;
    const start = this.#position;
    this.#position += plaintext.length;
    this.#queuedWrites++;
    this.#then(() => this.#write(index, start, plaintext));
    this.#advance();
  }

  /** Files whose content is all there (empty ones, fully held ones) are finished in turn. */
  #advance(): void {
    while (this.#file < this.files.length && this.#position === this.files[this.#file]!.size) {
      const index = this.#file;
      this.#then(() => this.#finish(index));
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

  #then(step: () => Promise<void> | void): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#stopped) return;
      try {
        await step();
      } catch (error) {
        const why = error instanceof Error ? error.message : String(error);
        this.#fail("failed", `could not save the file: ${why}`);
      }
    });
  }

  async #write(index: number, start: number, data: Uint8Array): Promise<void> {
    if (!this.#handle) {
      const file = this.files[index]!;
      const path = this.#partials.pathFor(this.#sender, file.hash);
      this.#hasher = new FileHasher();
      if (start > 0) {
        // Resumed: the bytes held count towards the hash; read them back once.
        for await (const piece of readPrefix(path, start)) this.#hasher.update(piece);
      }
      this.#handle = await Deno.open(path, { write: true, create: true, mode: 0o600 });
      await this.#handle.truncate(start);
      await this.#handle.seek(start, Deno.SeekMode.Start);
    }
    for (let offset = 0; offset < data.length;) {
      offset += await this.#handle.write(data.subarray(offset));
    }
    this.#hasher!.update(data);
    this.#written += data.length;
    // Acknowledge when the writes queued are done, or a good part of the window is written.
    if (--this.#queuedWrites === 0 || this.#written - this.#acked >= WINDOW_BYTES / 4) {
      this.#acked = this.#written;
      this.#sink!.written(this.#written);
    }
  }

  async #finish(index: number): Promise<void> {
    const file = this.files[index]!;
    const part = this.#partials.pathFor(this.#sender, file.hash);
    let hash: Uint8Array;
    if (this.#handle) {
      this.#handle.close();
      this.#handle = null;
      hash = this.#hasher!.digest();
    } else {
      // Nothing written in this transfer: empty, or held complete from before.
      if (file.size === 0) await Deno.writeFile(part, new Uint8Array(0), { mode: 0o600 });
      hash = await hashFile(part);
    }
    if (!equalBytes(hash, file.hash)) {
      await this.#partials.remove(this.#sender, file.hash);
      return this.#fail(
        "corrupt",
        `${file.path} did not match its hash; the partial file was deleted`,
      );
    }
    const destination = this.#destinations[index]!;
    const path = await placeFile(
      part,
      join(this.#downloads, ...destination.folder),
      destination.name,
    );
    this.#sink!.saved(file, path);
  }

  #hashes(): Uint8Array[] {
    return this.files.map((file) => file.hash);
  }

  /** Lets other transfers have this one's parts again. */
  #release(): void {
    if (this.#claimed) this.#partials.release(this.#sender, this.#hashes());
    this.#claimed = false;
  }

  #fail(code: "corrupt" | "failed", reason: string): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#closeHandle();
    this.#release();
    this.#sink?.failed(code, reason);
  }

  #closeHandle(): void {
    try {
      this.#handle?.close();
    } catch {
      // Already closed.
    }
    this.#handle = null;
  }

  /**
   * Stops. `keep`: leave the parts to resume from (the sender or the connection went away);
   * otherwise delete them (cancelled). Resolves when the files are closed.
   */
  async stop(keep: boolean): Promise<void> {
    this.#stopped = true;
    await this.#chain;
    this.#closeHandle();
    // Parts another transfer is writing are not this one's to delete.
    if (!this.#claimed) this.#claimed = this.#partials.claim(this.#sender, this.#hashes());
    if (!keep && this.#claimed) {
      for (const file of this.files) await this.#partials.remove(this.#sender, file.hash);
    }
    this.#release();
  }

  /** Whether it has stopped (finished, failed or stopped). */
  get stopped(): boolean {
    return this.#stopped;
  }
}

async function* readPrefix(path: string, length: number): AsyncGenerator<Uint8Array> {
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1024 * 1024);
  let left = length;
  while (left > 0) {
    const n = await file.read(buffer.subarray(0, Math.min(buffer.length, left)));
    if (n === null) throw new Error("the partial file is shorter than it was");
    left -= n;
    yield buffer.subarray(0, n);
  }
}

/**
 * SHA-256 of a file, read and hashed by a worker: the sender of a streamed offer sends each
 * file's digest after it (see `wire.ts`), and hashed on the main thread (0.7 s of CPU per GiB,
 * measured) it would come between every chunk and the next. The worker reads the file on its
 * own, alongside the sender (from the system's cache, mostly: it reads ahead of the sender,
 * which reads what it read). A file changed while it is sent then no longer matches its digest,
 * and the recipient says so, as after a hash-first offer. Measured with `deno task bench:files
 * 1024 5` (1 GiB, medians of 5, as a share of raw TCP in the same run, which moved 10-20 %
 * between runs): host to joiner 24 % this way (273-292 MB/s) against 23 % (263) hashed on the
 * main thread; joiner to joiner 25-26 % (211-235) against 20 % (191). Handing the worker the
 * pieces the sender read, each in a fresh 1 MiB buffer moved to it, was slower than either: 19 %
 * both ways (213, 160).
 *
 * The worker takes `{ path, length }` and answers with the 32-byte digest of the file's first
 * `length` bytes, or `{ error }`.
 *
 * The main thread imports this module too, for {@link hashInWorker}: that puts it in rt's module
 * graph, so `deno install`, `deno compile` and a JSR run fetch it with everything else.
 *
 * @module
 */
import { describeError, workerScope } from "../util/mod.ts";
import { hashFile } from "./hash.ts";

/** Where this module is: what `new Worker` loads. */
const HASH_WORKER_URL: string = import.meta.url;

// Only inside a worker: imported on the main thread, this module does nothing.
const scope = workerScope();
if (scope) {
  scope.onmessage = async (event: MessageEvent) => {
    const { path, length } = event.data as { path: string; length: number };
    try {
      scope.postMessage(await hashFile(path, length));
    } catch (error) {
      scope.postMessage({ error: describeError(error) });
    }
  };
}

/** A file being hashed by a worker of its own. */
export class WorkerHash {
  readonly #worker = new Worker(HASH_WORKER_URL, { type: "module" });
  /** The digest of the file's first `length` bytes; rejects when it cannot be read. */
  readonly digest: Promise<Uint8Array>;

  constructor(path: string, length: number) {
    const { promise, resolve, reject } = Promise.withResolvers<Uint8Array>();
    this.digest = promise;
    // Awaited only once the content is sent: a failure meanwhile is not unhandled.
    promise.catch(() => {});
    this.#worker.onmessage = (event) => {
      const data = event.data as Uint8Array | { error: string };
      if (data instanceof Uint8Array) resolve(data);
      else reject(new Error(data.error));
      this.#worker.terminate();
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      reject(new Error(event.message));
      this.#worker.terminate();
    };
    this.#worker.postMessage({ path, length });
  }

  /** Stops hashing, if it has not finished (the transfer stopped, or could not go on). */
  [Symbol.dispose](): void {
    this.#worker.terminate();
  }
}

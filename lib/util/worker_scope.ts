/**
 * What rt's workers (pictures, hashes) need of a worker's global scope, and whether the module
 * runs in one: each worker module is imported on the main thread too (that puts it in rt's module
 * graph, for `deno compile` and a JSR run), and does nothing there.
 *
 * @module
 */

/** The part of a worker's global scope rt's workers use. */
export interface WorkerScope {
  onmessage: ((event: MessageEvent) => void) | null;
  postMessage(message: unknown): void;
}

/** The worker's global scope inside a worker; `null` on the main thread. */
export function workerScope(): WorkerScope | null {
  return "WorkerGlobalScope" in globalThis ? globalThis as unknown as WorkerScope : null;
}

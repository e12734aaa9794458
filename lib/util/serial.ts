/**
 * Work done one piece at a time, in the order it was given.
 *
 * @module
 */

/** Runs tasks one after another; a failing task does not stop the ones after it. */
export class Serial {
  #tail: Promise<unknown> = Promise.resolve();

  /** Runs `task` once every task given before it has ended; resolves as it does. */
  run<T>(task: () => T | Promise<T>): Promise<T> {
    const result = this.#tail.then(task);
    this.#tail = result.catch(() => {});
    return result;
  }

  /** Resolves once every task given so far has ended. */
  get idle(): Promise<void> {
    return this.#tail.then(() => {});
  }
}

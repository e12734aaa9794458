/**
 * An unbounded single-consumer queue with an end: the glue between push-style producers and
 * `await next()` consumers.
 *
 * @module
 */

/** A queue whose consumer awaits items; `end()` makes `next()` resolve `null` once drained. */
export class AsyncQueue<T> {
  #items: T[] = [];
  #waiter: ((value: T | null) => void) | null = null;
  #ended = false;

  /** Adds an item, or hands it straight to a waiting consumer. */
  push(item: T): void {
    if (this.#ended) return;
    const waiter = this.#waiter;
    if (waiter) {
      this.#waiter = null;
      waiter(item);
    } else this.#items.push(item);
  }

  /** No more items will come. */
  end(): void {
    this.#ended = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  }

  /** Whether `end()` was called. */
  get ended(): boolean {
    return this.#ended;
  }

  /** The next item, or `null` after the end. */
  next(): Promise<T | null> {
    if (this.#items.length > 0) return Promise.resolve(this.#items.shift()!);
    if (this.#ended) return Promise.resolve(null);
    return new Promise((resolve) => this.#waiter = resolve);
  }
}

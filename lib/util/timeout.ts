/**
 * Deadlines on promises, without timers that outlive them.
 *
 * @module
 */

/** `work`'s outcome, or a rejection with `late()` once `ms` have passed. */
export async function withTimeout<T>(work: Promise<T>, ms: number, late: () => Error): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => timer = setTimeout(() => reject(late()), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits for `work` to settle, at most `ms`; `true` when it did in time. Never rejects. */
export async function waitAtMost(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      work.then(() => true, () => true),
      new Promise<boolean>((resolve) => timer = setTimeout(() => resolve(false), ms)),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

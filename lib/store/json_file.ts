/**
 * One JSON file in rt's folder, written whole and atomically (a temporary file renamed over
 * the old one), readable by its owner only. Saves are queued, so they land in order.
 *
 * @module
 */
import { dirname } from "node:path";

/** A JSON file written in the background. */
export class JsonFile {
  readonly path: string | null;
  #saving: Promise<void> = Promise.resolve();

  /** `null`: kept in memory only (saves do nothing). */
  constructor(path: string | null) {
    this.path = path;
  }

  /** The file's text, or `null` when it does not exist (other errors throw). */
  async read(): Promise<string | null> {
    if (!this.path) return null;
    try {
      return await Deno.readTextFile(this.path);
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return null;
      throw error;
    }
  }

  /** Queues writing `data`. A failed save does not throw: the next one tries again. */
  save(data: unknown): void {
    const path = this.path;
    if (!path) return;
    const text = JSON.stringify(data, null, 2) + "\n";
    this.#saving = this.#saving.then(async () => {
      const temporary = `${path}.tmp`;
      await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(temporary, text, { mode: 0o600 });
      await Deno.rename(temporary, path);
    }).catch(() => {});
  }

  /** Resolves when every queued save has been tried. */
  flush(): Promise<void> {
    return this.#saving;
  }
}

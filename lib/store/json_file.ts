/**
 * One JSON file in rt's folder, written whole and atomically (a temporary file renamed over
 * the old one), readable by its owner only. Saves coalesce (the newest state is written, at
 * most once a second unless flushed), and land in order.
 *
 * @module
 */
import { dirname } from "node:path";
import type { z } from "zod";
import { RtError } from "../errors.ts";
import { describeError } from "../util/mod.ts";

/** Least time between the starts of two writes of one file, in ms, unless flushed (`save`). */
const SAVE_SPACING_MS = 1000;

/** Told when a save fails (the next save tries again). */
export type SaveFailed = (error: RtError) => void;

/** A JSON file written in the background. */
export class JsonFile {
  readonly path: string | null;
  readonly #onSaveFailed: SaveFailed;
  /** What the next write writes: the newest state, read when it is written. */
  #pending: (() => unknown) | null = null;
  /** Writing, or waiting to: ends when nothing is pending. */
  #writing: Promise<void> | null = null;
  /** When the last write began (`performance.now()`). */
  #lastWrite = -Infinity;
  /**
   * Told when the next write that begins has ended (`flush`). While any wait, pending saves are
   * written without waiting for their turn.
   */
  #flushes: (() => void)[] = [];
  /** Ends the wait for the next write's turn. */
  #hurry: (() => void) | null = null;

  /** `null`: kept in memory only (saves do nothing). */
  constructor(path: string | null, options: { onSaveFailed?: SaveFailed } = {}) {
    this.path = path;
    this.#onSaveFailed = options.onSaveFailed ?? (() => {});
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

  /**
   * The file's contents checked against `schema`, or `null` when it does not exist. A file that
   * cannot be read, is not JSON, or does not fit is an error made by `unreadable` or `damaged`.
   */
  async readChecked<T>(
    schema: z.ZodType<T>,
    faults: { unreadable: (cause: unknown) => RtError; damaged: (why: string) => RtError },
  ): Promise<T | null> {
    const text = await this.read().catch((cause) => {
      throw faults.unreadable(cause);
    });
    if (text === null) return null;
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      throw faults.damaged("not valid JSON");
    }
    const checked = schema.safeParse(data);
    if (!checked.success) {
      const issue = checked.error.issues[0];
      throw faults.damaged(issue ? `${issue.path.join(".") || "the file"}: ${issue.message}` : "");
    }
    return checked.data;
  }

  /**
   * Saves what `data` returns, soon. A save that fails does not throw: the one who opened the
   * file is told, and the next save tries again.
   *
   * Saves coalesce: the first after a quiet second is written at once; those that follow
   * within `SAVE_SPACING_MS` of a write are written together when it has passed, as what
   * `data` returns then (the newest state, read once). A room with a thousand people joining
   * writes the file once a second, not once a join (each write is the whole file).
   */
  save(data: () => unknown): void {
    if (!this.path) return;
    this.#pending = data;
    this.#writing ??= this.#writeAll(this.path);
  }

  /** Resolves when every save asked for so far has been tried (at once, without the wait). */
  flush(): Promise<void> {
    if (!this.#writing) return Promise.resolve();
    return new Promise((resolve) => {
      this.#flushes.push(resolve);
      this.#hurry?.();
    });
  }

  async #writeAll(path: string): Promise<void> {
    // Never done before the caller has noted that a write is under way (see `save`).
    await Promise.resolve();
    while (this.#pending) {
      const wait = this.#lastWrite + SAVE_SPACING_MS - performance.now();
      if (wait > 0 && this.#flushes.length === 0) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
          this.#hurry = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.#hurry = null;
      }
      const data = this.#pending!;
      this.#pending = null;
      // This write holds every save asked for before it began: the flushes waiting so far end
      // with it, and saves after it wait for their turn again.
      const flushes = this.#flushes;
      this.#flushes = [];
      this.#lastWrite = performance.now();
      try {
        const text = JSON.stringify(data(), null, 2) + "\n";
        const temporary = `${path}.tmp`;
        await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
        await Deno.writeTextFile(temporary, text, { mode: 0o600 });
        await Deno.rename(temporary, path);
      } catch (cause) {
        this.#onSaveFailed(
          new RtError("store", `Could not save ${path}: ${describeError(cause)}`, { cause }),
        );
      }
      for (const done of flushes) done();
    }
    this.#writing = null;
    // Flushes asked for during the last write, with nothing saved since: it held everything.
    for (const done of this.#flushes.splice(0)) done();
  }
}

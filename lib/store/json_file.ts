/**
 * One JSON file in rt's folder, written whole and atomically (a temporary file renamed over
 * the old one), readable by its owner only. Saves are queued, so they land in order.
 *
 * @module
 */
import { dirname } from "node:path";
import type { z } from "zod";
import { RtError } from "../errors.ts";
import { describeError, Serial } from "../util/mod.ts";

/** Told when a save fails (the next save tries again). */
export type SaveFailed = (error: RtError) => void;

/** A JSON file written in the background. */
export class JsonFile {
  readonly path: string | null;
  readonly #saves = new Serial();
  readonly #onSaveFailed: SaveFailed;

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
   * Queues writing `data`. A failed save does not throw: the one who opened the file is told,
   * and the next save tries again.
   */
  save(data: unknown): void {
    const path = this.path;
    if (!path) return;
    const text = JSON.stringify(data, null, 2) + "\n";
    this.#saves.run(async () => {
      const temporary = `${path}.tmp`;
      await Deno.mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await Deno.writeTextFile(temporary, text, { mode: 0o600 });
      await Deno.rename(temporary, path);
    }).catch((cause) =>
      this.#onSaveFailed(
        new RtError("store", `Could not save ${path}: ${describeError(cause)}`, { cause }),
      )
    );
  }

  /** Resolves when every queued save has been tried. */
  flush(): Promise<void> {
    return this.#saves.idle;
  }
}

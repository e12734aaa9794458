/**
 * Where files being received wait until they are complete and verified: one hidden folder in
 * the downloads folder, one file per sender and part key (the content's hash, or the tag of a
 * streamed offer's file: see `partKey`). A transfer that stops half way leaves its part here,
 * never a corrupt file among the downloads, and the same sender offering the same content (the
 * same file, streamed) again carries on from it.
 *
 * @module
 */
import { join } from "node:path";
import { toHex } from "../util/mod.ts";
import { type OfferedFileInfo, partKey } from "./wire.ts";

/** The partial files of one downloads folder. */
export class PartialStore {
  /** The hidden folder. */
  readonly directory: string;
  /** Parts a transfer is writing now: no other may touch them. */
  readonly #inUse = new Set<string>();

  constructor(downloads: string) {
    this.directory = join(downloads, ".rt-partial");
  }

  /** Where the part kept under `key` (see `partKey`) from `sender` is. */
  pathFor(sender: Uint8Array, key: Uint8Array): string {
    return join(this.directory, `${toHex(sender)}-${toHex(key)}.part`);
  }

  /**
   * Claims the parts under `keys` from `sender` for one transfer; `false` (and nothing claimed)
   * when another transfer has one of them. Two transfers writing one part would let the second
   * change a file after the first checked it.
   */
  claim(sender: Uint8Array, keys: Uint8Array[]): boolean {
    const paths = [...new Set(keys.map((key) => this.pathFor(sender, key)))];
    if (paths.some((path) => this.#inUse.has(path))) return false;
    for (const path of paths) this.#inUse.add(path);
    return true;
  }

  /** Gives back what `claim` took. */
  release(sender: Uint8Array, keys: Uint8Array[]): void {
    for (const key of keys) this.#inUse.delete(this.pathFor(sender, key));
  }

  /** Deletes parts nobody has offered to resume for `maxAgeMs` (default: a week). */
  async prune(maxAgeMs = 7 * 24 * 3600_000, now = Date.now()): Promise<void> {
    try {
      for await (const entry of Deno.readDir(this.directory)) {
        const path = join(this.directory, entry.name);
        if (!entry.isFile || !entry.name.endsWith(".part") || this.#inUse.has(path)) continue;
        const info = await Deno.stat(path);
        if (now - (info.mtime?.getTime() ?? now) > maxAgeMs) await Deno.remove(path);
      }
    } catch {
      // No folder yet, or it cannot be read: nothing to prune.
    }
  }

  /** Bytes already held under `key` from `sender`; 0 when none. */
  async held(sender: Uint8Array, key: Uint8Array): Promise<number> {
    try {
      const info = await Deno.stat(this.pathFor(sender, key));
      return info.isFile ? info.size : 0;
    } catch {
      return 0;
    }
  }

  /**
   * Bytes held to resume from, for each file of an offer from `sender`: for the first file of
   * each part key (files with the same content share one part), and none when the part is
   * longer than its file (it cannot be ours).
   */
  async heldFor(sender: Uint8Array, files: OfferedFileInfo[]): Promise<number[]> {
    const held: number[] = [];
    const firsts = firstOfEachContent(files.map(partKey));
    for (const [i, file] of files.entries()) {
      const bytes = firsts[i] ? await this.held(sender, partKey(file)) : 0;
      held.push(bytes <= file.size ? bytes : 0);
    }
    return held;
  }

  /** Makes sure the folder exists. */
  async prepare(): Promise<void> {
    await Deno.mkdir(this.directory, { recursive: true, mode: 0o700 });
  }

  /** Deletes a part, if there is one. */
  async remove(sender: Uint8Array, key: Uint8Array): Promise<void> {
    try {
      await Deno.remove(this.pathFor(sender, key));
    } catch {
      // Not there.
    }
  }
}

/** For each part key, whether it is the first of the list with that key (that content). */
export function firstOfEachContent(keys: Uint8Array[]): boolean[] {
  const seen = new Set<string>();
  return keys.map((key) => {
    const hex = toHex(key);
    if (seen.has(hex)) return false;
    seen.add(hex);
    return true;
  });
}

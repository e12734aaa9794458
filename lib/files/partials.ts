/**
 * Where files being received wait until they are complete and verified: one hidden folder in
 * the downloads folder, one file per (sender, content hash). A transfer that stops half way
 * leaves its part here, never a corrupt file among the downloads, and the same sender offering
 * the same content again carries on from it.
 *
 * @module
 */
import { join } from "node:path";
import { toHex } from "../handshake/bytes.ts";

/** The partial files of one downloads folder. */
export class PartialStore {
  /** The hidden folder. */
  readonly directory: string;

  constructor(downloads: string) {
    this.directory = join(downloads, ".rt-partial");
  }

  /** Where the part of `hash` from `sender` is kept. */
  pathFor(sender: Uint8Array, hash: Uint8Array): string {
    return join(this.directory, `${toHex(sender).slice(0, 16)}-${toHex(hash)}.part`);
  }

  /** Bytes already held of `hash` from `sender`; 0 when none. */
  async held(sender: Uint8Array, hash: Uint8Array): Promise<number> {
    try {
      const info = await Deno.stat(this.pathFor(sender, hash));
      return info.isFile ? info.size : 0;
    } catch {
      return 0;
    }
  }

  /** Makes sure the folder exists. */
  async prepare(): Promise<void> {
    await Deno.mkdir(this.directory, { recursive: true, mode: 0o700 });
  }

  /** Deletes a part, if there is one. */
  async remove(sender: Uint8Array, hash: Uint8Array): Promise<void> {
    try {
      await Deno.remove(this.pathFor(sender, hash));
    } catch {
      // Not there.
    }
  }
}

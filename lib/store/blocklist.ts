/**
 * Addresses and keys the host has shut out, kept across restarts until the host lifts them.
 *
 * @module
 */
import { join } from "node:path";
import { toHex } from "../util/mod.ts";
import { RtError } from "../errors.ts";
import { JsonFile, type SaveFailed } from "./json_file.ts";
import { BlocklistFileSchema } from "./schemas.ts";
import type { z } from "zod";

/** The file's name inside rt's folder. */
export const BLOCKLIST_FILE = "blocked.json";

/** One block. */
export interface BlockEntry {
  /** An address key (IPv4, or an IPv6 /64), or `null` for a key-only ban. */
  address: string | null;
  /** An identity key (hex) banned with it, if any. */
  key: string | null;
  /** The name the person used, if known. */
  name: string | null;
  /** Why, for people. */
  reason: string;
  since: string;
}

type BlocklistFile = z.infer<typeof BlocklistFileSchema>;

/** The host's blocklist. */
export class Blocklist {
  #entries: BlockEntry[];
  readonly #file: JsonFile;

  private constructor(entries: BlockEntry[], file: JsonFile) {
    this.#entries = entries;
    this.#file = file;
  }

  /** A blocklist kept in memory only. */
  static inMemory(): Blocklist {
    return new Blocklist([], new JsonFile(null));
  }

  /** Loads the blocklist from rt's folder; a save that fails later is told to `onSaveFailed`. */
  static async open(
    directory: string,
    options: { onSaveFailed?: SaveFailed } = {},
  ): Promise<Blocklist> {
    const file = new JsonFile(join(directory, BLOCKLIST_FILE), options);
    const data = await file.readChecked(BlocklistFileSchema, {
      unreadable: (cause) =>
        new RtError("store", `Cannot read the blocklist ${file.path}`, { cause }),
      damaged: () =>
        new RtError(
          "store",
          `The blocklist ${file.path} is damaged; fix or remove it (removing it unblocks everyone)`,
        ),
    });
    return new Blocklist(data?.blocked ?? [], file);
  }

  /** The block covering an address key, if any. */
  blockedAddress(address: string): BlockEntry | undefined {
    return this.#entries.find((e) => e.address === address);
  }

  /** The ban covering an identity key, if any. */
  bannedKey(key: Uint8Array): BlockEntry | undefined {
    const hex = toHex(key);
    return this.#entries.find((e) => e.key === hex);
  }

  /** Adds a block. */
  add(entry: Omit<BlockEntry, "since">, when = new Date()): BlockEntry {
    const full = { ...entry, since: when.toISOString() };
    this.#entries.push(full);
    this.#save();
    return full;
  }

  /**
   * Lifts every block matching `what`: an address (key), a name, or a hex key prefix of at
   * least 8 characters. Returns what was lifted.
   */
  remove(what: string): BlockEntry[] {
    const lower = what.trim().toLowerCase();
    const lifted = this.#entries.filter((e) =>
      e.address?.toLowerCase() === lower || e.name?.toLowerCase() === lower ||
      (lower.length >= 8 && e.key?.startsWith(lower))
    );
    if (lifted.length > 0) {
      this.#entries = this.#entries.filter((e) => !lifted.includes(e));
      this.#save();
    }
    return lifted;
  }

  /** Every block, oldest first. */
  list(): BlockEntry[] {
    return this.#entries.map((e) => ({ ...e }));
  }

  /** Resolves when pending writes are on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  #save(): void {
    this.#file.save(() =>
      ({ format: "rt-blocked-1", blocked: this.#entries }) satisfies BlocklistFile
    );
  }
}

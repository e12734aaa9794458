/**
 * Addresses and keys the host has shut out, kept across restarts until the host lifts them.
 *
 * @module
 */
import { join } from "node:path";
import { toHex } from "../handshake/bytes.ts";
import { RtError } from "../errors.ts";
import { JsonFile } from "./json_file.ts";

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

interface BlocklistFile {
  format: "rt-blocked-1";
  blocked: BlockEntry[];
}

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

  /** Loads the blocklist from rt's folder. */
  static async open(directory: string): Promise<Blocklist> {
    const file = new JsonFile(join(directory, BLOCKLIST_FILE));
    const text = await file.read().catch((cause) => {
      throw new RtError("store", `Cannot read the blocklist ${file.path}`, { cause });
    });
    if (text === null) return new Blocklist([], file);
    try {
      const data: BlocklistFile = JSON.parse(text);
      if (data?.format !== "rt-blocked-1" || !Array.isArray(data.blocked)) throw new Error();
      const valid = data.blocked.every((e) =>
        (e.address === null || typeof e.address === "string") &&
        (e.key === null || (typeof e.key === "string" && /^[0-9a-f]{64}$/.test(e.key)))
      );
      if (!valid) throw new Error();
      return new Blocklist(data.blocked, file);
    } catch {
      throw new RtError(
        "store",
        `The blocklist ${file.path} is damaged; fix or remove it (removing it unblocks everyone)`,
      );
    }
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
    this.#file.save({ format: "rt-blocked-1", blocked: this.#entries } satisfies BlocklistFile);
  }
}

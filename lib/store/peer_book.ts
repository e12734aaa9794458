/**
 * The people rt has met: which key went with which name, when, and whether the user checked
 * it. Kept in memory, with an optional file behind it.
 *
 * @module
 */
import { join } from "node:path";
import { fromHex, toHex } from "../util/mod.ts";
import { nameKey } from "../room/mod.ts";
import { RtError } from "../errors.ts";
import { JsonFile, type SaveFailed } from "./json_file.ts";
import { PeersFileSchema } from "./schemas.ts";
import type { z } from "zod";

/** The file's name inside rt's folder. */
export const PEERS_FILE = "peers.json";

/** One key rt has met. */
export interface PeerRecord {
  /** Ed25519 public key, hex. */
  key: string;
  /** Names seen with this key, oldest first. */
  names: string[];
  firstSeen: string;
  lastSeen: string;
  /** The user compared the safety code and trusted this key. */
  verified: boolean;
  /**
   * Names this key arrived under while another key was already known by them, and the user has
   * not trusted it since: it is "key-changed" under these names until `/trust` (or until the
   * other keys are forgotten). Absent when there are none.
   */
  unresolved?: string[];
}

/** How a name and key compare with what rt remembers. */
export type PeerStatus =
  /** This key, under this name, checked by the user. */
  | { status: "verified" }
  /** This key, under this name, seen before. */
  | { status: "known" }
  /** Never seen this key nor this name. */
  | { status: "new" }
  /** A known name arrives with a different key: maybe an impostor. */
  | { status: "key-changed"; previousKeys: string[] }
  /** A known key arrives under a new name. */
  | { status: "name-changed"; previousNames: string[] };

type PeersFile = z.infer<typeof PeersFileSchema>;

/** The known-peers book. */
export class PeerBook {
  readonly #peers = new Map<string, PeerRecord>();
  /** The keys known under each name, by the name's comparison form (`nameKey`). */
  readonly #byName = new Map<string, Set<string>>();
  readonly #file: JsonFile;

  private constructor(peers: PeerRecord[], file: JsonFile) {
    for (const p of peers) this.#peers.set(p.key, p);
    // From the records kept: a key listed twice (a file edited by hand) keeps its last one.
    for (const p of this.#peers.values()) for (const name of p.names) this.#index(name, p.key);
    this.#file = file;
  }

  #index(name: string, key: string): void {
    const wanted = nameKey(name);
    const keys = this.#byName.get(wanted);
    if (keys) keys.add(key);
    else this.#byName.set(wanted, new Set([key]));
  }

  #unindex(name: string, key: string): void {
    const wanted = nameKey(name);
    const keys = this.#byName.get(wanted);
    keys?.delete(key);
    if (keys?.size === 0) this.#byName.delete(wanted);
  }

  /** A book kept only in memory. */
  static inMemory(peers: PeerRecord[] = []): PeerBook {
    return new PeerBook(
      peers.map((p) => ({ ...p, names: [...p.names], ...unresolvedCopy(p) })),
      new JsonFile(null),
    );
  }

  /**
   * Loads the book from rt's folder (empty when the file does not exist yet); a save that fails
   * later is told to `onSaveFailed`.
   */
  static async open(
    directory: string,
    options: { onSaveFailed?: SaveFailed } = {},
  ): Promise<PeerBook> {
    const file = new JsonFile(join(directory, PEERS_FILE), options);
    const path = file.path!;
    const data = await file.readChecked(PeersFileSchema, {
      unreadable: (cause) =>
        new RtError("store", `Cannot read the known-peers file ${path}`, { cause }),
      damaged: () =>
        new RtError(
          "store",
          `The known-peers file ${path} is damaged; move it away to start a new one ` +
            "(rt will then treat everyone as new)",
        ),
    });
    return new PeerBook(data?.peers ?? [], file);
  }

  /**
   * How `name` with `key` compares with what rt remembers. A name already known with other
   * keys is `key-changed` for this key, whether the key is new or known under other names, and
   * stays so (see {@link record}) until the user trusts this key or forgets the other keys.
   */
  classify(name: string, key: Uint8Array): PeerStatus {
    const hex = toHex(key);
    const wanted = nameKey(name);
    const record = this.#peers.get(hex);
    const others = this.#holders(wanted, hex);
    if (record?.names.some((n) => nameKey(n) === wanted)) {
      if (others.length > 0 && record.unresolved?.some((n) => nameKey(n) === wanted)) {
        return { status: "key-changed", previousKeys: others };
      }
      return { status: record.verified ? "verified" : "known" };
    }
    if (others.length > 0) return { status: "key-changed", previousKeys: others };
    if (record) return { status: "name-changed", previousNames: [...record.names] };
    return { status: "new" };
  }

  /** The keys other than `except` known under the name whose comparison form is `wanted`. */
  #holders(wanted: string, except: string): string[] {
    return [...this.#byName.get(wanted) ?? []].filter((key) => key !== except);
  }

  /**
   * Remembers that `name` was seen with `key` at `when`. When the name was known with other
   * keys, the change is remembered as unresolved: the key is not "known" under that name next
   * time, in this session or the next, until {@link trust}.
   */
  record(name: string, key: Uint8Array, when = new Date()): void {
    const hex = toHex(key);
    const at = when.toISOString();
    const wanted = nameKey(name);
    let record = this.#peers.get(hex);
    const known = record?.names.some((n) => nameKey(n) === wanted) ?? false;
    const changed = !known && this.#holders(wanted, hex).length > 0;
    if (!record) {
      record = { key: hex, names: [], firstSeen: at, lastSeen: at, verified: false };
      this.#peers.set(hex, record);
    }
    record.lastSeen = at;
    if (!known) {
      record.names.push(name);
      this.#index(name, hex);
    }
    if (changed) record.unresolved = [...(record.unresolved ?? []), name];
    this.#save();
  }

  /**
   * Marks a key as checked by the user, under every name it came with (its changes are
   * resolved). Returns false when the key is unknown.
   */
  trust(key: Uint8Array): boolean {
    const record = this.#peers.get(toHex(key));
    if (!record) return false;
    record.verified = true;
    delete record.unresolved;
    this.#save();
    return true;
  }

  /** The record of a key. */
  get(key: Uint8Array): PeerRecord | undefined {
    const r = this.#peers.get(toHex(key));
    return r ? { ...r, names: [...r.names], ...unresolvedCopy(r) } : undefined;
  }

  /** Every record, most recently seen first. */
  list(): PeerRecord[] {
    return [...this.#peers.values()]
      .map((r) => ({ ...r, names: [...r.names], ...unresolvedCopy(r) }))
      .sort((a, b) => b.lastSeen.localeCompare(a.lastSeen));
  }

  /**
   * Forgets the peers matching `what`: a name (any name they used; spaces, which names from
   * older versions of rt may hold, however they are typed), or a fingerprint, or a hex key
   * prefix of at least 8 characters. Returns the forgotten records.
   */
  forget(what: string, matches: (record: PeerRecord) => boolean): PeerRecord[] {
    const spaced = (name: string) => nameKey(name.trim().replace(/\s+/gu, " "));
    const wanted = spaced(what);
    const gone = [...this.#peers.values()].filter((r) =>
      matches(r) || r.names.some((n) => spaced(n) === wanted) ||
      (what.length >= 8 && r.key.startsWith(what.toLowerCase()))
    );
    for (const r of gone) {
      this.#peers.delete(r.key);
      for (const name of r.names) this.#unindex(name, r.key);
    }
    if (gone.length > 0) this.#save();
    return gone;
  }

  /** Resolves when pending writes are on disk. */
  flush(): Promise<void> {
    return this.#file.flush();
  }

  #save(): void {
    this.#file.save(() =>
      ({ format: "rt-peers-1", peers: [...this.#peers.values()] }) satisfies PeersFile
    );
  }
}

function unresolvedCopy(record: PeerRecord): { unresolved?: string[] } {
  return record.unresolved ? { unresolved: [...record.unresolved] } : {};
}

/** The bytes of a record's key. */
export function recordKey(record: PeerRecord): Uint8Array {
  return fromHex(record.key);
}

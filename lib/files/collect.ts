/**
 * What the user asked to send, as the list of files offered to peers: named folders expanded,
 * every file sized, typed and hashed (or, for a streamed offer, tagged), every offered path
 * unique.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { basename, isAbsolute, relative, resolve, sep } from "node:path";
import { RtError } from "../errors.ts";
import { hashFile } from "./hash.ts";
import { HEAD_BYTES, mediaType } from "./media_type.ts";
import { unusedName } from "./safe_name.ts";

/** One file offered to peers. */
export interface OfferedFile {
  /**
   * Relative path as offered to peers, "/"-separated, e.g. "cat.jpg" or "photos/2024/cat.jpg"
   * (a folder keeps its own name as the first segment).
   */
  path: string;
  /** Where it is on disk (absolute). */
  source: string;
  /** Size in bytes. */
  size: number;
  /** Media type, e.g. `image/jpeg`. */
  type: string;
  /**
   * SHA-256 of the content (of its first `size` bytes, should the file grow meanwhile); none
   * for a streamed offer (see `wire.ts`), whose files are hashed as they are sent.
   */
  hash?: Uint8Array;
  /** For a streamed offer: what the recipient keeps the file's part under (see `partTag`). */
  tag?: Uint8Array;
}

/** How {@link collectFiles} works. */
export interface CollectOptions {
  /** Most files accepted in one offer (default 10 000). */
  maxFiles?: number;
  /** For a streamed offer: tag the files instead of hashing them (see `wire.ts`). */
  streamed?: boolean;
  /** Called before each file is hashed, with its offered path and its index (from 0). */
  onFile?: (path: string, index: number) => void;
  /** Called as content is hashed: bytes hashed so far, and in all. */
  onHashed?: (done: number, total: number) => void;
  /**
   * Called with the offered path of each link inside a named folder that leads out of it (to
   * a file or a folder elsewhere), which is not sent: see {@link collectFiles}.
   */
  onSkippedLink?: (path: string) => void;
}

/** A file found, not yet hashed. */
interface Found {
  path: string;
  source: string;
  size: number;
  /** What tells this file from another, or from itself once changed: see `partTag`. */
  mtime: number | null;
  ino: number | null;
}

/** What of a file's information `Found` keeps. */
function foundFile(path: string, source: string, info: Deno.FileInfo): Found {
  return { path, source, size: info.size, mtime: info.mtime?.getTime() ?? null, ino: info.ino };
}

/**
 * The tag of a file in a streamed offer: the same each time the same file, unchanged, is
 * offered (so a transfer that stopped carries on from the recipient's part), another once it
 * was written to (its time) or replaced (its inode), or for another name. Nothing in it can be
 * read back: it is 16 bytes of a hash. A file changed without either changing is caught all
 * the same: its digest, sent after the content, no longer matches the part.
 */
export function partTag(file: Found): Uint8Array {
  const { path, source, size, mtime, ino } = file;
  const fields = JSON.stringify(["rt part tag 1", path, source, size, mtime, ino]);
  return new Uint8Array(createHash("sha256").update(fields).digest()).slice(0, 16);
}

function fail(error: unknown, path: string): RtError {
  if (error instanceof RtError) return error;
  if (error instanceof Deno.errors.NotFound) {
    return new RtError("file-not-found", `There is no file or folder "${path}"`, { cause: error });
  }
  const why = error instanceof Deno.errors.PermissionDenied
    ? "permission denied"
    : error instanceof Error
    ? error.message
    : String(error);
  return new RtError("file-unreadable", `"${path}" cannot be read (${why})`, { cause: error });
}

/** Reads the first bytes of a file, for its media type. */
async function readHead(source: string): Promise<Uint8Array> {
  using file = await Deno.open(source, { read: true });
  const head = new Uint8Array(HEAD_BYTES);
  let filled = 0;
  while (filled < head.length) {
    const read = await file.read(head.subarray(filled));
    if (read === null) break;
    filled += read;
  }
  return head.subarray(0, filled);
}

/** Whether `path` is `folder` or inside it (both real, absolute paths). */
function inside(path: string, folder: string): boolean {
  const rel = relative(folder, path);
  return rel === "" || (rel.split(sep)[0] !== ".." && !isAbsolute(rel));
}

/**
 * Walks a folder in sorted order. Files are taken; folders walked; anything else skipped. A
 * link is taken only when it leads to a regular file inside `root` (the real path of the
 * folder the user named), read from where it leads; a link out of it is reported to
 * `skipped`; a link to a folder (no loops) or to nothing is passed over.
 */
async function walk(
  folder: string,
  prefix: string,
  root: string,
  add: (found: Found) => void,
  skipped: (path: string) => void,
): Promise<void> {
  let entries: Deno.DirEntry[];
  try {
    entries = await Array.fromAsync(Deno.readDir(folder));
  } catch (error) {
    throw fail(error, folder);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    const source = resolve(folder, entry.name);
    const path = prefix === "" ? entry.name : `${prefix}/${entry.name}`;
    if (entry.isSymlink) {
      let target: string;
      let info: Deno.FileInfo;
      try {
        target = await Deno.realPath(source);
        info = await Deno.stat(target);
      } catch (error) {
        if (error instanceof Deno.errors.NotFound) continue; // broken link
        throw fail(error, source);
      }
      if (!inside(target, root)) skipped(path);
      else if (info.isFile) add(foundFile(path, target, info));
    } else if (entry.isDirectory) {
      await walk(source, path, root, add, skipped);
    } else if (entry.isFile) {
      let info: Deno.FileInfo;
      try {
        info = await Deno.lstat(source);
      } catch (error) {
        throw fail(error, source);
      }
      if (info.isFile) add(foundFile(path, source, info));
    }
  }
}

/**
 * Expands the paths the user named into files: folders recursively (sorted, stable order),
 * anything not a regular file skipped; hashes each. A named path is followed even when it is a
 * symlink (the user chose it); naming the same path twice offers it once. Inside a folder, a
 * link is followed only to a file within that same folder (the file is read where it really
 * is, under the link's name): a link out of the folder, to a file or folder elsewhere or to
 * `/`, would send what the user did not choose, so it is left out and reported to
 * `onSkippedLink`; links to folders are not followed (no loops). Throws {@link RtError}
 * `file-not-found`, `file-unreadable`, `too-many-files` or `nothing-to-send` with a plain-words
 * message naming the path. Duplicate relative paths (two named files with the same base name) get " (1)"
 * suffixes so every path is unique; names differing only in case count as duplicates, since
 * the receiver's file system may not tell them apart.
 */
export async function collectFiles(
  paths: string[],
  options: CollectOptions = {},
): Promise<OfferedFile[]> {
  const maxFiles = options.maxFiles ?? 10_000;
  if (paths.length === 0) {
    throw new RtError("nothing-to-send", "Name at least one file or folder to send");
  }
  const found: Found[] = [];
  const named = `"${paths.join('", "')}"`;
  const add = (file: Found) => {
    if (found.length >= maxFiles) {
      throw new RtError(
        "too-many-files",
        `There are more than ${maxFiles} files in ${named}; send fewer at once`,
      );
    }
    found.push(file);
  };
  const seen = new Set<string>();
  const topNames = new Set<string>();
  for (const path of paths) {
    const source = resolve(path);
    let info: Deno.FileInfo;
    let real: string;
    try {
      info = await Deno.stat(source);
      real = await Deno.realPath(source);
    } catch (error) {
      throw fail(error, path);
    }
    if (seen.has(real)) continue;
    seen.add(real);
    if (!info.isFile && !info.isDirectory) continue;
    const taken = (name: string) => Promise.resolve(topNames.has(name.toLowerCase()));
    const top = basename(source) === "" ? "" : await unusedName(basename(source), taken);
    topNames.add(top.toLowerCase());
    if (info.isFile) add(foundFile(top, source, info));
    else await walk(source, top, real, add, (link) => options.onSkippedLink?.(link));
  }
  if (found.length === 0) {
    throw new RtError(
      "nothing-to-send",
      `Nothing to send: there are no regular files in ${named}`,
    );
  }
  const offered: OfferedFile[] = [];
  const total = found.reduce((sum, file) => sum + file.size, 0);
  let hashed = 0;
  const onBytes = options.onHashed &&
    ((bytes: number) => options.onHashed!(hashed += bytes, total));
  for (const [index, file] of found.entries()) {
    options.onFile?.(file.path, index);
    const { path, source, size } = file;
    try {
      const type = mediaType(path, await readHead(source));
      if (options.streamed) offered.push({ path, source, size, type, tag: partTag(file) });
      else offered.push({ path, source, size, type, hash: await hashFile(source, size, onBytes) });
    } catch (error) {
      throw fail(error, file.source);
    }
  }
  return offered;
}

/** What to tell the user about links left out of an offer (see `onSkippedLink`). */
export function skippedLinksNotice(paths: string[]): string {
  const shown = paths.slice(0, 5).map((p) => `"${p}"`).join(", ");
  const more = paths.length > 5 ? ` and ${paths.length - 5} more` : "";
  const links = paths.length === 1 ? "a link that leads" : `${paths.length} links that lead`;
  return `Not sent: ${links} out of the folder (${shown}${more}). rt sends only what is inside ` +
    "the folders you name; to send what a link leads to, name it in /send.";
}

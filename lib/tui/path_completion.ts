/**
 * Tab completion of file paths after `/send NAME`: the last word of the line, with `~` for the
 * home folder and backslash-escaped spaces and quotes (as `/send` reads them back). Only
 * `readFolder` reads the disk, and it is passed in: the rest runs on any list of entries.
 *
 * @module
 */

/** A folder entry, as completion needs it. */
export interface Entry {
  name: string;
  isDirectory: boolean;
}

/** Most candidates offered at once. */
const MAX_CANDIDATES = 200;

/** The last word of `line`: non-space characters and backslash escapes. */
export function lastPathWord(line: string): string {
  return /(?:\\.|[^\s\\])*\\?$/.exec(line)![0];
}

const unescape = (word: string) => word.replace(/\\(.)/g, "$1");
const escape = (name: string) => name.replace(/([\s'"\\])/g, "\\$1");

/**
 * Completions of the path `word` (as typed): entries of its folder whose names start with what
 * follows its last `/`, folders with a `/` after them. Hidden entries only when asked for with
 * a leading dot. `list` reads a folder (it may throw: no completions).
 */
export function completePath(
  word: string,
  home: string | undefined,
  list: (folder: string) => Entry[],
): string[] {
  const typed = unescape(word);
  const slash = typed.lastIndexOf("/");
  const stem = typed.slice(slash + 1);
  let folder = slash >= 0 ? typed.slice(0, slash + 1) : "./";
  if (home && (folder === "~/" || folder.startsWith("~/"))) folder = home + folder.slice(1);
  let entries: Entry[];
  try {
    entries = list(folder);
  } catch {
    return [];
  }
  const prefix = word.slice(0, word.length - escape(stem).length);
  return entries
    .filter((e) => e.name.startsWith(stem) && (stem.startsWith(".") || !e.name.startsWith(".")))
    .map((e) => prefix + escape(e.name) + (e.isDirectory ? "/" : ""))
    .sort()
    .slice(0, MAX_CANDIDATES);
}

/** Reads a folder's entries from the disk (throws as `Deno.readDirSync` does). */
export function readFolder(folder: string): Entry[] {
  return [...Deno.readDirSync(folder)].map((e) => ({ name: e.name, isDirectory: e.isDirectory }));
}

/**
 * Tab on a line `/send NAME ...` (or `/file`): the completions of the path being typed, and the
 * word they replace; `null` for any other line. A single file ends the word with a space, a
 * single folder leaves it open for what is in it. `list` reads a folder (the disk by default).
 */
export function completeSendPath(
  line: string,
  home: string | undefined,
  list: (folder: string) => Entry[] = readFolder,
): { hits: string[]; word: string } | null {
  if (!/^\/(?:send|file)\s+\S+\s/i.test(line)) return null;
  const word = lastPathWord(line);
  const found = completePath(word, home, list);
  const only = found.length === 1 ? found[0]! : null;
  return { hits: only === null ? found : [only.endsWith("/") ? only : only + " "], word };
}

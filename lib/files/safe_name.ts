/**
 * Where a received file may be written: names from peers turned into safe relative paths under
 * the downloads folder, with no way out of it (path traversal was a CVE in both Magic Wormhole
 * and croc), no absolute paths, no device names, no control characters, and no overwriting.
 *
 * @module
 */

/** Windows device names, forbidden with any extension, in any case. */
const DEVICES = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)(\..*)?$/i;
// Control and format characters (bidirectional overrides among them) and characters that are
// special in file names on some system.
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}<>:"|?*\\]/gu;
/** Longest name segment, in UTF-8 bytes (most file systems allow 255). */
const MAX_SEGMENT_BYTES = 200;
/** Deepest folder structure accepted. */
const MAX_DEPTH = 32;

function truncateUtf8(text: string, maxBytes: number): string {
  const encoder = new TextEncoder();
  if (encoder.encode(text).length <= maxBytes) return text;
  const dot = text.lastIndexOf(".");
  const extension = dot > 0 && text.length - dot <= 16 ? text.slice(dot) : "";
  const stem = [...text.slice(0, text.length - extension.length)];
  while (stem.length > 0 && encoder.encode(stem.join("") + extension).length > maxBytes) stem.pop();
  return stem.join("") + extension;
}

/** One safe path segment from a peer's name segment, or `null` when nothing usable is left. */
export function safeSegment(segment: string): string | null {
  let name = segment.normalize("NFC").replace(UNSAFE, "_");
  // Windows ignores trailing dots and spaces; leading ones hide files or confuse people.
  name = name.replace(/[. ]+$/u, "").replace(/^[ ]+/u, "");
  if (name === "" || name === "." || name === "..") return null;
  if (/^\.+$/.test(name)) return null;
  if (DEVICES.test(name)) name = `_${name}`;
  name = truncateUtf8(name, MAX_SEGMENT_BYTES);
  return name === "" ? null : name;
}

/**
 * A peer's file name (possibly with folders, `/` or `\\` separated) as safe path segments under
 * the downloads folder. `..`, `.`, empty segments, drive letters and leading slashes are
 * dropped; `null` when no name is left.
 */
export function safeRelativePath(name: string): string[] | null {
  const segments = name
    .split(/[\\/]+/)
    .map((s, i) => (i === 0 && /^[a-z]:$/i.test(s) ? "" : s))
    .map(safeSegment)
    .filter((s): s is string => s !== null);
  if (segments.length === 0 || segments.length > MAX_DEPTH) return null;
  return segments;
}

/**
 * The first of `name`, `name (1)`, `name (2)`... (before the extension) that `exists` says is
 * free: a received file never replaces one already there.
 */
export async function unusedName(
  name: string,
  exists: (candidate: string) => Promise<boolean>,
  limit = 10_000,
): Promise<string> {
  if (!(await exists(name))) return name;
  const dot = name.lastIndexOf(".");
  const [stem, extension] = dot > 0 ? [name.slice(0, dot), name.slice(dot)] : [name, ""];
  for (let i = 1; i <= limit; i++) {
    const candidate = `${stem} (${i})${extension}`;
    if (!(await exists(candidate))) return candidate;
  }
  throw new RangeError(`No free name for "${name}" after ${limit} tries`);
}

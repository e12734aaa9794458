/** What the file tests share: temporary folders, listing them, random content. */
import { createHash, randomFillSync } from "node:crypto";
import { join } from "node:path";

/** A fresh temporary folder for a test: under /tmp (what the tests may write), except on Windows. */
export async function tempDir(prefix: string): Promise<string> {
  const options = Deno.build.os === "windows" ? { prefix } : { dir: "/tmp", prefix };
  return await Deno.realPath(await Deno.makeTempDir(options));
}

/** Runs `fn` with a fresh temporary folder, removed afterwards whatever happens. */
export async function withTempDir(
  fn: (dir: string) => Promise<void>,
  prefix = "rt-files-",
): Promise<void> {
  const dir = await tempDir(prefix);
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

/** Whether anything is at `path` (a link counts, whatever it points to). */
export async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return false;
    throw error;
  }
}

/** Every file (not folder) under `dir`, relative to it, sorted; none when it is missing. */
export async function filesUnder(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const out: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const path = join(dir, entry.name);
    if (entry.isDirectory) out.push(...(await filesUnder(path)).map((p) => join(entry.name, p)));
    else out.push(entry.name);
  }
  return out.sort();
}

/** `length` random bytes (any length: filled 64 KiB at a time). */
export function randomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let i = 0; i < length; i += 65_536) crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  return bytes;
}

/** Writes `size` random bytes to `path`, 4 MiB at a time (never the whole file in memory). */
export async function randomFile(path: string, size: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const buffer = new Uint8Array(4 * 1024 * 1024);
  for (let left = size; left > 0;) {
    const piece = buffer.subarray(0, Math.min(buffer.length, left));
    randomFillSync(piece);
    for (let offset = 0; offset < piece.length;) {
      offset += await file.write(piece.subarray(offset));
    }
    left -= piece.length;
  }
}

/** The SHA-256 of a file, in hex, read a mebibyte at a time (files of hundreds of MB). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  using file = await Deno.open(path, { read: true });
  const buffer = new Uint8Array(1024 * 1024);
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

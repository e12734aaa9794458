/**
 * Puts a verified file (or a received folder) in the downloads folder without ever replacing
 * what is there: the name is claimed atomically (a hard link, a new folder), and a name taken
 * in the meantime moves on to `name (1)`, `name (2)`...
 *
 * @module
 */
import { join } from "node:path";
import { safeRelativePath, unusedName } from "./safe_name.ts";

/**
 * Creates the folder `name` in `parent`, or the first free `name (n)`; returns the name used.
 * `parent` is created when missing.
 */
export async function reserveFolder(parent: string, name: string): Promise<string> {
  await Deno.mkdir(parent, { recursive: true });
  return await unusedName(name, async (candidate) => {
    try {
      await Deno.mkdir(join(parent, candidate));
      return false;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return true;
      throw error;
    }
  });
}

/** Claims `path` by creating it empty; `false` when something is there already. */
async function createNew(path: string): Promise<boolean> {
  try {
    (await Deno.open(path, { write: true, createNew: true })).close();
    return true;
  } catch (error) {
    if (error instanceof Deno.errors.AlreadyExists) return false;
    throw error;
  }
}

/**
 * Moves `source` into `directory` (created when missing) as `name`, or the first free
 * `name (n)`; returns the path it now has.
 */
export async function placeFile(source: string, directory: string, name: string): Promise<string> {
  await Deno.mkdir(directory, { recursive: true });
  let linked = true;
  const chosen = await unusedName(name, async (candidate) => {
    const target = join(directory, candidate);
    if (!linked) return !(await createNew(target));
    try {
      // A hard link fails when the name exists: claiming it cannot race with another writer.
      await Deno.link(source, target);
      return false;
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) return true;
      // No hard links here (some file systems, some permissions): claim the name with an empty
      // file created only if there is none, then move the file over that claim.
      linked = false;
      return !(await createNew(target));
    }
  });
  const target = join(directory, chosen);
  if (linked) await Deno.remove(source);
  else await Deno.rename(source, target);
  return target;
}

/** Where a received file goes. */
export interface Destination {
  /** Folder under the downloads folder, relative segments. */
  folder: string[];
  name: string;
}

/**
 * Where each file offered (by its path in the offer) goes under `downloads`: safe names only,
 * and each folder of the offer claimed now, under a new name when one exists already.
 */
export async function planDestinations(paths: string[], downloads: string): Promise<Destination[]> {
  const destinations: Destination[] = [];
  const folders = new Map<string, string>();
  for (const [i, path] of paths.entries()) {
    const segments = safeRelativePath(path) ?? [`file ${i + 1}`];
    const name = segments.pop()!;
    if (segments.length > 0) {
      // A folder of the offer gets one name for all its files.
      const top = segments[0]!;
      let claimed = folders.get(top);
      if (claimed === undefined) {
        claimed = await reserveFolder(downloads, top);
        folders.set(top, claimed);
      }
      segments[0] = claimed;
    }
    destinations.push({ folder: segments, name });
  }
  return destinations;
}

/** Where received files are: the one folder received, or the downloads folder. */
export function receivedFolder(destinations: Destination[], downloads: string): string {
  const tops = new Set(destinations.map((d) => d.folder[0]));
  const [top] = tops;
  return tops.size === 1 && top !== undefined ? join(downloads, top) : downloads;
}

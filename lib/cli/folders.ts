/**
 * rt's folders on this computer: its own (identity key, known people, caches) and where
 * accepted files go, made when missing, with the access rt needs to them.
 *
 * @module
 */
import { join, resolve } from "node:path";
import { RtError } from "../errors.ts";
import { rtDirectory } from "../store/mod.ts";
import { describeError } from "../util/mod.ts";
import { folderAccess, grantAdvice } from "./permissions.ts";

/** Makes `dir` (and its parents) if missing, saying in plain words why it could not. */
async function makeFolder(dir: string, what: string, fix: string): Promise<void> {
  try {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    const why = error instanceof Deno.errors.PermissionDenied
      ? "you may not write there"
      : error instanceof Deno.errors.AlreadyExists || error instanceof Deno.errors.NotADirectory
      ? "a file of that name is in the way"
      : describeError(error);
    throw new RtError("store", `rt cannot make ${what} ${dir} (${why}): ${fix}`, { cause: error });
  }
}

/** rt's folder, made if missing, with read and write access to it. */
export async function rtFolder(): Promise<string> {
  const dir = rtDirectory({ os: Deno.build.os, env: (name) => Deno.env.get(name) });
  if (dir === null) {
    throw new RtError(
      "store",
      Deno.build.os === "windows"
        ? "Cannot tell where to keep rt's files: set APPDATA (or RT_HOME)"
        : "Cannot tell where to keep rt's files: set HOME (or RT_HOME)",
    );
  }
  await folderAccess(dir, (name) =>
    new RtError(
      "store",
      `rt keeps your identity key in ${dir} and needs to ${name} it: ` +
        grantAdvice(`--allow-${name}`, dir),
    ));
  await makeFolder(dir, "its folder", "set RT_HOME to a folder you can write");
  return dir;
}

/**
 * Where accepted files go: `--downloads`, or `downloads` in rt's folder; rt must be able to
 * write there (Deno asks when it runs with prompts).
 */
export async function downloadsFolder(rtDir: string, flag: string | undefined): Promise<string> {
  const dir = resolve(flag ?? join(rtDir, "downloads"));
  await folderAccess(dir, (name) =>
    new RtError(
      "usage",
      `rt may not save files in ${dir}: ` + grantAdvice(`--allow-${name}`, dir),
    ));
  // A folder named with --downloads is checked now, not when the first file arrives.
  if (flag !== undefined) {
    await makeFolder(dir, "the downloads folder", "choose another with --downloads");
  }
  return dir;
}

/** Where the offline IP database is kept, inside rt's folder. */
export function ipdbFolder(rtDir: string): string {
  return join(rtDir, "cache", "ipdb");
}

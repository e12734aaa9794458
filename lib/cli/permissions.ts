/**
 * Deno's permissions: asking for the ones rt needs at the moment it needs them, and what to say
 * when they are refused.
 *
 * @module
 */
import type { RtError } from "../errors.ts";

/**
 * What to say when rt lacks Deno's permission for `path`: with Deno, the flag that grants it;
 * an executable carries its permissions inside, so only another build can change them.
 */
export function grantAdvice(flag: "--allow-read" | "--allow-write", path: string): string {
  return Deno.build.standalone
    ? "this rt executable was built without that permission: get the release build for your " +
      "system (see rt's README)"
    : `allow it when asked, or run Deno with ${flag}=${path}`;
}

/** Whether rt may read `path`, asking Deno (and so the user, when it prompts) for just that. */
export async function mayRead(path: string): Promise<boolean> {
  return (await Deno.permissions.request({ name: "read", path })).state === "granted";
}

/**
 * Read and write access to the folder `dir`, asked for when not granted yet; when refused,
 * throws what `refused` makes of the permission missing.
 */
export async function folderAccess(
  dir: string,
  refused: (name: "read" | "write") => RtError,
): Promise<void> {
  for (const name of ["read", "write"] as const) {
    if ((await Deno.permissions.query({ name, path: dir })).state === "granted") continue;
    if ((await Deno.permissions.request({ name, path: dir })).state !== "granted") {
      throw refused(name);
    }
  }
}

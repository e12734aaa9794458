/**
 * Reading a file the user named on the command line (a certificate, a key), asking Deno for
 * permission to read just that file.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { describeError } from "../util/mod.ts";
import { grantAdvice, mayRead } from "./permissions.ts";

/** The text of `file`, which the user named as `what` (e.g. "certificate"). */
export async function readNamedFile(file: string, what: string): Promise<string> {
  if (!await mayRead(file)) {
    throw new RtError(
      "usage",
      `rt may not read the ${what} "${file}": ${grantAdvice("--allow-read", file)}`,
    );
  }
  try {
    return await Deno.readTextFile(file);
  } catch (error) {
    const why = describeError(error);
    throw new RtError("usage", `Could not read the ${what} "${file}": ${why}`);
  }
}

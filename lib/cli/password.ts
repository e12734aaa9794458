/**
 * The room password given from outside rt: read from `--password-file`, or RT_PASSWORD. When
 * neither is given rt asks (host_room.ts, join_room.ts).
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { describeError } from "../util/mod.ts";
import { grantAdvice, mayRead } from "./permissions.ts";

/** The password from `file` (its last line break left out), else RT_PASSWORD, else none. */
export async function passwordFromOutside(file: string | undefined): Promise<string | undefined> {
  if (file !== undefined) {
    if (!await mayRead(file)) {
      throw new RtError(
        "password-file",
        `rt may not read "${file}" (or set RT_PASSWORD): ${grantAdvice("--allow-read", file)}`,
      );
    }
    let text: string;
    try {
      text = await Deno.readTextFile(file);
    } catch (error) {
      const why = describeError(error);
      throw new RtError("password-file", `Could not read the password file "${file}": ${why}`);
    }
    const password = text.replace(/\r?\n$/, "");
    if (password.length === 0) {
      throw new RtError("password-file", `The password file "${file}" is empty`);
    }
    return password;
  }
  const fromEnv = Deno.env.get("RT_PASSWORD");
  return fromEnv === undefined || fromEnv === "" ? undefined : fromEnv;
}

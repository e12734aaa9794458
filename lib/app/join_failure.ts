/**
 * What a joiner is told when joining fails: each refusal of the host in its own words, with a
 * stable code for `--json` (`locked`, `blocked`, `busy`, `full`, `wrong-password`; `denied` for
 * a refusal an older host did not explain). Pure.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { Refused } from "../transport/mod.ts";

/** An `error` event's code and message. */
export interface JoinFailure {
  code: string;
  message: string;
}

/** The host's own words, cut short and on one line (they are peer text). */
function hostSays(reason: string): string {
  // deno-lint-ignore no-control-regex
  const plain = reason.replace(/[\u0000-\u001f\u007f-\u009f]+/g, " ").trim().slice(0, 200);
  return plain === "" ? "" : ` (the host says: ${plain})`;
}

/** The code and sentence for a failed join. */
export function joinFailure(error: unknown): JoinFailure {
  if (error instanceof Refused) {
    switch (error.refusal) {
      case "wrong-password":
        return {
          code: "wrong-password",
          message: "Wrong password too many times; the host closed the connection",
        };
      case "locked":
        return {
          code: "locked",
          message: "The room is locked: the host lets nobody new in for now. Ask the host to " +
            "/unlock it, then try again",
        };
      case "blocked":
        return {
          code: "blocked",
          message: "The host has blocked your address, after too many wrong passwords from it " +
            `(or a ban)${hostSays(error.reason)}`,
        };
      case "busy":
        return {
          code: "busy",
          message: `The host cannot let you in right now${hostSays(error.reason)}`,
        };
      case "full":
        return { code: "full", message: `The room is full${hostSays(error.reason)}` };
      case null:
        return { code: "denied", message: `The host refused${hostSays(error.reason)}` };
    }
  }
  const e = error instanceof RtError ? error : new RtError("connect-failed", String(error));
  return { code: e.code, message: e.message };
}

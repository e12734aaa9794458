/**
 * The words the host's operator is told about the gate: refusals, wrong passwords, blocks, the
 * room's budget of guesses. Pure: each returns the notices to give, nothing is sent.
 *
 * @module
 */
import type { NewBlock, Refusal } from "./gate.ts";
import { ONION_ADDRESS } from "./host_options.ts";

/** A notice to give the host's operator, before its address is described. */
export interface Say {
  /** Stable code (see `HostNotice`). */
  code: string;
  text: string;
  /** The peer's address (`onion` through the onion service). */
  address: string;
  /** About a connection that has not proven the password: given at a bounded rate. */
  limited?: boolean;
  /** Not worth describing the address for (a summary). */
  plain?: boolean;
}

/** `127.0.0.1`, or "a joiner through Tor" ("A joiner…" to start a sentence). */
export function from(who: string, start = false): string {
  if (who === ONION_ADDRESS) return start ? "A joiner through Tor" : "a joiner through Tor";
  return who;
}

/** A joiner is turned away: the host is told (a blocked address quietly). */
export function refusalNotices(refusal: Refusal, who: string, what = ""): Say[] {
  const said: Say[] = [];
  if (refusal.budgetRanOut !== undefined) said.push(budgetNotice(refusal.budgetRanOut, who));
  // A blocked address is refused quietly: the host was told when it was blocked.
  if (refusal.code !== "blocked") {
    const text = `Turned away ${what}${from(who)}: ${refusal.reason}`;
    said.push({ code: "refused", text, address: who, limited: true });
  }
  return said;
}

/** The room's budget of wrong guesses ran out after `spent` of them. */
export function budgetNotice(spent: number, who: string): Say {
  return {
    code: "guess-budget",
    text: `${spent} wrong passwords were tried in this room lately, from any address: someone ` +
      "may be guessing the room's password. Nobody's password is checked for a while now (the " +
      "wait grows each time this happens). /lock keeps everyone new out; /password makes a " +
      "new password, which ends the wait (tell it to the people you still expect).",
    address: who,
  };
}

/** A wrong password: what the host is told. */
export function wrongPasswordNotice(
  who: string,
  turn: { attempt: number; left: number; abandoned: boolean; guesses: number },
): Say {
  const count = who === ONION_ADDRESS ? "" : `guess ${turn.guesses} from this address`;
  const text = turn.abandoned
    ? `${from(who, true)} went away after a password guess` + (count ? ` (${count})` : "")
    : `Wrong password from ${from(who)} (try ${turn.attempt}; ${turn.left} left on this ` +
      "connection" + (count ? `; ${count})` : ")");
  return { code: "wrong-password", text, address: who };
}

/**
 * Blocks made by wrong guesses: what the host is told of each, and what the joiner is told
 * (`""` when no block was made).
 */
export function blockNotices(blocks: NewBlock[], who: string): { said: Say[]; told: string } {
  const said: Say[] = [];
  let told = "";
  for (const b of blocks) {
    if (b.kept) {
      said.push({
        code: "blocked",
        text:
          `Blocked ${b.address} after ${b.guesses} wrong passwords; /unblock ${b.address} lifts it`,
        address: who,
      });
      told = "too many wrong passwords came from your address: the host has blocked it";
    } else {
      const minutes = Math.ceil((b.forMs ?? 60_000) / 60_000);
      const span = `${minutes} minute${minutes === 1 ? "" : "s"}`;
      said.push({
        code: "blocked",
        text: `${b.guesses} wrong passwords from this computer (${b.address}): its guesses wait ` +
          `${span} (not kept when the room closes; /unblock ${b.address} lifts it now)`,
        address: who,
      });
      told = `too many wrong passwords came from your address: it may try again in ${span}`;
    }
  }
  return { said, told };
}

/** `n` notices about connections were left out: said with the next one given. */
export function suppressedNotice(n: number, who: string): Say {
  return {
    code: "suppressed",
    text: `${n} more notice${n === 1 ? "" : "s"} about connections ${
      n === 1 ? "was" : "were"
    } left out: too many connections at once`,
    address: who,
    plain: true,
  };
}

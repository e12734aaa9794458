/**
 * Member names: what is allowed, how it is displayed, and when two names are the same.
 *
 * @module
 */
import { MAX_NAME_CHARS } from "../codec/mod.ts";
import { latinLookAlikes, mixedAlphabets } from "./scripts.ts";

/** A name that passed the rules, in display form and in comparison form. */
export interface CheckedName {
  /** NFC-normalised, as typed (trimmed). */
  display: string;
  /**
   * Compatibility-normalised, case-folded, look-alike letters made Latin: equal keys are the
   * same name.
   */
  key: string;
}

// Control characters, format characters (bidirectional overrides, zero-width joiners...),
// line and paragraph separators, unassigned and private-use code points.
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cn}\p{Co}\p{Cs}]/u;

/**
 * Spaces of every kind, and the characters that show as nothing though they are not spaces
 * (Hangul fillers, the Braille blank): a name is one word, which commands take as it is typed
 * (`/msg NAME TEXT`), so it holds none of them.
 */
const BLANK = /[\s\p{Zs}\u115f\u1160\u3164\uffa0\u2800]/u;
const BLANKS = /[\s\p{Zs}\u115f\u1160\u3164\uffa0\u2800]+/gu;

/**
 * What a name may be, for a person: the name prompt says it with a refusal. (The room's own
 * refusals, sent over the network, stay within the 200 characters a reason may have.)
 */
export const NAME_RULES = `A name is one word of 1 to ${MAX_NAME_CHARS} characters: no spaces, ` +
  'no control or invisible characters, not "all", not starting with "/", and letters of one ' +
  "alphabet (Latin may go with Chinese, Japanese or Korean)";

/** Longest reason a refusal may give: what the protocol carries (`name-refused`). */
const MAX_REASON_CHARS = 200;

/** Checks a proposed name; returns it or a reason for a person (see also {@link NAME_RULES}). */
export function checkName(proposed: string): CheckedName | { refused: string } {
  const display = proposed.normalize("NFC").trim();
  if (display.length === 0) return { refused: "A name cannot be empty" };
  if ([...display].length > MAX_NAME_CHARS) {
    return { refused: `A name can be at most ${MAX_NAME_CHARS} characters` };
  }
  if (FORBIDDEN.test(display)) {
    return { refused: "A name cannot contain control or invisible characters" };
  }
  if (BLANK.test(display)) {
    const offered = suggestName(display);
    return {
      refused: "A name cannot contain spaces: commands such as /msg NAME take a name as one word" +
        (offered ? ` (${offered} would do)` : ""),
    };
  }
  if (display.startsWith("/")) return { refused: 'A name cannot start with "/"' };
  const key = nameKey(display);
  if (key === "all") {
    return { refused: '"all" cannot be a name: /send all and /dm all mean everyone' };
  }
  // Letters from two alphabets can spell a name that looks like someone else's ("аlice" with
  // a Cyrillic "а"). Refused rather than flagged: a flag is easily missed, and a name needs
  // only one alphabet (Latin with Chinese, Japanese or Korean is allowed, as people write so).
  const mixed = mixedAlphabets(display.normalize("NFKC"));
  if (mixed) {
    const why = "A name cannot mix letters of different alphabets";
    const explained = `${why} (here ${mixed}): such a name can be made to look just like ` +
      "someone else's. Use one alphabet";
    return {
      refused: explained.length <= MAX_REASON_CHARS ? explained : `${why}. Use one alphabet`,
    };
  }
  return { display, key };
}

/**
 * A name the rules allow that is close to a refused one: its words joined with "_", without
 * control or invisible characters and a leading "/"; `null` when nothing usable is left.
 */
export function suggestName(proposed: string): string | null {
  const words = proposed.normalize("NFC").replace(new RegExp(FORBIDDEN, "gu"), "")
    .replace(BLANKS, " ").trim().replace(/^\/+/, "").trim();
  const joined = [...words.replaceAll(" ", "_")].slice(0, MAX_NAME_CHARS).join("");
  return joined !== "" && !("refused" in checkName(joined)) ? joined : null;
}

/**
 * The name to offer after `name` was taken: `alice` gives `alice2`, `alice2` gives `alice3`,
 * cut (by characters) to fit the longest name allowed.
 */
export function nextName(name: string): string {
  let [, base = name, digits] = /^(.*?)(\d+)$/u.exec(name) ?? [];
  let number = digits === undefined
    ? "2"
    : (BigInt(digits) + 1n).toString().padStart(digits.length, "0");
  if (number.length >= MAX_NAME_CHARS) [base, number] = [name, "2"];
  return [...base].slice(0, MAX_NAME_CHARS - number.length).join("") + number;
}

/**
 * The comparison form of a name: NFKC, case-folded, then Cyrillic, Greek and Armenian letters
 * that look Latin made Latin (so "аӏісе" written in Cyrillic is the same name as "alice"), NFKC
 * again.
 */
export function nameKey(name: string): string {
  const folded = name.normalize("NFKC").toLowerCase().toUpperCase().toLowerCase();
  return latinLookAlikes(folded).normalize("NFKC");
}

/**
 * What is said of a name no member has: `Nobody called "NAME" is in the room`, or with `what`
 * in place of "is in the room" (`can be removed`).
 */
export function nobodyCalled(name: string, what = "is in the room"): string {
  return `Nobody called "${name}" ${what}`;
}

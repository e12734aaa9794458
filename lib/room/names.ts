/**
 * Member names: what is allowed, how it is displayed, and when two names are the same.
 *
 * @module
 */
import { MAX_NAME_CHARS } from "../codec/messages.ts";
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

/** Checks a proposed name; returns it or a reason for a person. */
export function checkName(proposed: string): CheckedName | { refused: string } {
  const display = proposed.normalize("NFC").trim();
  if (display.length === 0) return { refused: "A name cannot be empty" };
  if ([...display].length > MAX_NAME_CHARS) {
    return { refused: `A name can be at most ${MAX_NAME_CHARS} characters` };
  }
  if (FORBIDDEN.test(display)) {
    return { refused: "A name cannot contain control or invisible characters" };
  }
  if (/\s{2,}/u.test(display)) return { refused: "A name cannot contain runs of spaces" };
  if (display.startsWith("/")) return { refused: 'A name cannot start with "/"' };
  // Letters from two alphabets can spell a name that looks like someone else's ("аlice" with
  // a Cyrillic "а"). Refused rather than flagged: a flag is easily missed, and a name needs
  // only one alphabet (Latin with Chinese, Japanese or Korean is allowed, as people write so).
  const mixed = mixedAlphabets(display.normalize("NFKC"));
  if (mixed) {
    return {
      refused: `A name cannot mix letters of different alphabets (here ${mixed}): such a name ` +
        "can be made to look just like someone else's. Use one alphabet",
    };
  }
  return { display, key: nameKey(display) };
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

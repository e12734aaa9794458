/**
 * Member names: what is allowed, how it is displayed, and when two names are the same.
 *
 * @module
 */
import { MAX_NAME_CHARS } from "../codec/messages.ts";

/** A name that passed the rules, in display form and in comparison form. */
export interface CheckedName {
  /** NFC-normalised, as typed (trimmed). */
  display: string;
  /** Compatibility-normalised and case-folded: equal keys are the same name. */
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
  return { display, key: nameKey(display) };
}

/** The comparison form of a name: NFKC, case-folded, NFKC again. */
export function nameKey(name: string): string {
  return name.normalize("NFKC").toLowerCase().toUpperCase().toLowerCase().normalize("NFKC");
}

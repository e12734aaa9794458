/**
 * A rough, explainable estimate of how many guesses a room password would take someone who
 * tries likely passwords first. The password is cut into runs of one kind of character:
 * letters, digits, the rest. Letters from four on count as one word from a dictionary (about
 * 130,000 words, four times that with capitals), a shorter run of letters and every other run
 * count each character by its kind (26 or 52 letters, 10 digits, 33 symbols), and a run of one
 * repeated character or a simple sequence (`aaaa`, `1234`, `cba`) counts as almost nothing.
 * It is meant to catch `sunshine2024` and `Password1!`, not to rate strong passwords. Pure.
 *
 * @module
 */

/** Below this many bits (2^40 guesses, about a trillion) a password counts as weak. */
export const WEAK_BELOW_BITS = 40;
/** Guesses a word from the dictionary counts for: about 130,000 words. */
const WORD_BITS = 17;

/** The estimate. */
export interface PasswordEstimate {
  /** log2 of the estimated guesses. */
  bits: number;
  weak: boolean;
  /** Characters (code points). */
  length: number;
}

type Kind = "letter" | "digit" | "other";

function kindOf(char: string): Kind {
  if (/\p{L}/u.test(char)) return "letter";
  if (/\p{Nd}/u.test(char)) return "digit";
  return "other";
}

/** Runs of one kind of character. */
function runs(password: string): { kind: Kind; chars: string[] }[] {
  const out: { kind: Kind; chars: string[] }[] = [];
  for (const char of password) {
    const kind = kindOf(char);
    const last = out.at(-1);
    if (last && last.kind === kind) last.chars.push(char);
    else out.push({ kind, chars: [char] });
  }
  return out;
}

/** One repeated character, or each character one up or one down from the last. */
function trivial(chars: string[]): boolean {
  if (chars.length < 3) return false;
  const codes = chars.map((c) => c.toLowerCase().codePointAt(0)!);
  const step = codes[1]! - codes[0]!;
  return Math.abs(step) <= 1 && codes.every((c, i) => i === 0 || c - codes[i - 1]! === step);
}

function runBits(kind: Kind, chars: string[]): number {
  const mixedCase = kind === "letter" && chars.some((c) => c !== c.toLowerCase()) &&
    chars.some((c) => c !== c.toUpperCase());
  const ascii = chars.every((c) => c.codePointAt(0)! < 128);
  const pool = kind === "digit"
    ? 10
    : kind === "other"
    ? 33
    : (ascii ? 26 : 60) * (mixedCase ? 2 : 1);
  if (trivial(chars)) return Math.log2(pool * chars.length * 2);
  const random = chars.length * Math.log2(pool);
  if (kind === "letter" && chars.length >= 4) {
    return Math.min(random, WORD_BITS + (mixedCase ? 2 : 0));
  }
  return random;
}

/** How guessable `password` is, roughly. */
export function estimatePassword(password: string): PasswordEstimate {
  const text = password.normalize("NFC");
  const bits = runs(text).reduce((sum, run) => sum + runBits(run.kind, run.chars), 0);
  return { bits, weak: bits < WEAK_BELOW_BITS, length: [...text].length };
}

/** The warning for a weak password, in plain words. */
export function weakPasswordWarning(estimate: PasswordEstimate): string {
  const chars = `${estimate.length} character${estimate.length === 1 ? "" : "s"}`;
  return `This password is weak (${chars}): someone who tries likely passwords first could ` +
    `find it in about 2^${Math.max(0, Math.round(estimate.bits))} tries (rt counts a run of ` +
    `letters as one word, other characters by their kind; at least 2^${WEAK_BELOW_BITS} is ` +
    "wanted). rt limits wrong guesses, but a patient guesser can keep trying for days.";
}

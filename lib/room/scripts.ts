/**
 * Alphabets in names, against look-alikes: which alphabets (Unicode scripts) a name mixes, and a
 * comparison form in which Cyrillic, Greek and Armenian letters that look Latin are Latin.
 *
 * Mixing follows Unicode's "highly restrictive" level (UTS #39, section 5.2): one alphabet, or
 * Latin with Han and the Japanese kana, with Han and Bopomofo, or with Han and Hangul. Digits,
 * punctuation and combining accents belong to no alphabet.
 *
 * @module
 */

/** Alphabets told apart, in the order they are named. Any other letter counts as "another". */
const SCRIPTS = [
  "Latin",
  "Greek",
  "Cyrillic",
  "Armenian",
  "Georgian",
  "Cherokee",
  "Coptic",
  "Lisu",
  "Hebrew",
  "Arabic",
  "Syriac",
  "Thaana",
  "Devanagari",
  "Bengali",
  "Gurmukhi",
  "Gujarati",
  "Oriya",
  "Tamil",
  "Telugu",
  "Kannada",
  "Malayalam",
  "Sinhala",
  "Thai",
  "Lao",
  "Tibetan",
  "Myanmar",
  "Khmer",
  "Mongolian",
  "Ethiopic",
  "Canadian_Aboriginal",
  "Tifinagh",
  "Han",
  "Hiragana",
  "Katakana",
  "Hangul",
  "Bopomofo",
] as const;

const PATTERNS = SCRIPTS.map((script) => new RegExp(`^\\p{Script=${script}}$`, "u"));
const NEUTRAL = /^[\p{Script=Common}\p{Script=Inherited}]$/u;

/** Sets of alphabets that may go together (besides any one alone). */
const ALLOWED_TOGETHER = [
  new Set(["Latin", "Han", "Hiragana", "Katakana"]),
  new Set(["Latin", "Han", "Bopomofo"]),
  new Set(["Latin", "Han", "Hangul"]),
];

/** The alphabets of the letters of `text`, in `SCRIPTS` order ("another" for the rest). */
export function alphabets(text: string): string[] {
  const found = new Set<string>();
  for (const char of text) {
    if (NEUTRAL.test(char)) continue;
    const index = PATTERNS.findIndex((p) => p.test(char));
    found.add(index === -1 ? "another" : SCRIPTS[index]!);
  }
  const order = (s: string) => s === "another" ? SCRIPTS.length : SCRIPTS.indexOf(s as never);
  return [...found].sort((a, b) => order(a) - order(b));
}

/**
 * The alphabets `text` mixes when that is not allowed, for a person ("Latin and Cyrillic");
 * `null` when it is fine.
 */
export function mixedAlphabets(text: string): string | null {
  const found = alphabets(text);
  if (found.length <= 1) return null;
  if (ALLOWED_TOGETHER.some((allowed) => found.every((s) => allowed.has(s)))) return null;
  const names = found.map((s) => s === "another" ? "another alphabet" : s.replace(/_/g, " "));
  return names.length === 2
    ? `${names[0]} and ${names[1]}`
    : `${names.slice(0, -1).join(", ")} and ${names.at(-1)}`;
}

/**
 * Lower-case Cyrillic, Greek and Armenian letters and the Latin letter they (or their capitals)
 * look like, after Unicode's confusables (UTS #39). Where a Greek letter's small and capital
 * forms look like different Latin letters (η and Η), the capital's is taken: a name in capitals
 * imitates Latin best. Accented forms are covered by their base letter.
 */
const LOOK_ALIKES: Record<string, string> = {
  // Cyrillic
  "\u0430": "a", // а
  "\u0432": "b", // в (В)
  "\u0433": "r", // г
  "\u0435": "e", // е
  "\u043a": "k", // к (К)
  "\u043c": "m", // м (М)
  "\u043d": "h", // н (Н)
  "\u043e": "o", // о
  "\u043f": "n", // п
  "\u0440": "p", // р
  "\u0441": "c", // с
  "\u0442": "t", // т (Т)
  "\u0443": "y", // у
  "\u0445": "x", // х
  "\u044c": "b", // ь
  "\u0455": "s", // ѕ
  "\u0456": "i", // і
  "\u0458": "j", // ј
  "\u04bb": "h", // һ
  "\u04af": "y", // ү
  "\u04cf": "l", // ӏ (Ӏ)
  "\u0501": "d", // ԁ
  "\u051b": "q", // ԛ
  "\u051d": "w", // ԝ
  // Greek
  "\u03b1": "a", // α
  "\u03b2": "b", // β (Β)
  "\u03b3": "y", // γ
  "\u03b5": "e", // ε (Ε)
  "\u03b6": "z", // ζ (Ζ)
  "\u03b7": "h", // η (Η)
  "\u03b9": "i", // ι (Ι)
  "\u03ba": "k", // κ (Κ)
  "\u03bc": "m", // μ (Μ)
  "\u03bd": "n", // ν (Ν)
  "\u03bf": "o", // ο (Ο)
  "\u03c1": "p", // ρ (Ρ)
  "\u03c3": "o", // σ
  "\u03c4": "t", // τ (Τ)
  "\u03c5": "y", // υ (Υ)
  "\u03c7": "x", // χ (Χ)
  "\u03c9": "w", // ω
  "\u03f2": "c", // ϲ (Ϲ)
  "\u03f3": "j", // ϳ
  // Armenian
  "\u0570": "h", // հ
  "\u0578": "n", // ո
  "\u057d": "u", // ս
  "\u0581": "g", // ց
  "\u0566": "q", // զ
  "\u0585": "o", // օ
};

/**
 * `text` (already lower-cased) with look-alike letters made Latin, accents kept: "аӏісе" in
 * Cyrillic becomes "alice", and Cyrillic "ё" becomes "ë". Returned decomposed (NFD).
 */
export function latinLookAlikes(text: string): string {
  let out = "";
  for (const char of text.normalize("NFD")) out += LOOK_ALIKES[char] ?? char;
  return out;
}

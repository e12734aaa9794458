/**
 * What the user typed after `/send`: who to send to (the first word, as typed), and which paths,
 * split like a shell would (quotes, backslash, `~`) so that paths with spaces can be sent.
 *
 * @module
 */
import { RtError } from "../errors.ts";

/** How `/send` is typed. */
export const SEND_USAGE = "Usage: /send NAME|all PATH...";

/** A word as typed, and whether it starts with an unquoted `~` to expand. */
interface Word {
  text: string;
  /** Length of an unquoted leading `~` meant as the home folder (0 or 1). */
  tilde: 0 | 1;
}

const SPACE = /\s/;

/**
 * Splits `text` into words: whitespace separates, single and double quotes group (nothing is
 * special inside single quotes), and a backslash escapes the next character only when that is
 * whitespace, a quote or a backslash, so `C:\Users\me` stays as typed. Throws
 * {@link RtError} `usage` when a quote is not closed.
 */
function splitWords(text: string): Word[] {
  const words: Word[] = [];
  let word = "";
  let started = false;
  let tilde: 0 | 1 = 0;
  let quote: "'" | '"' | null = null;
  const chars = [...text];
  for (let i = 0; i < chars.length; i++) {
    const c = chars[i]!;
    const next = chars[i + 1];
    if (quote === "'") {
      if (c === "'") quote = null;
      else word += c;
    } else if (
      c === "\\" && next !== undefined && (next === "\\" || next === '"' ||
        (quote === null && (next === "'" || SPACE.test(next))))
    ) {
      word += next;
      started = true;
      i++;
    } else if (quote === '"') {
      if (c === '"') quote = null;
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      started = true;
    } else if (SPACE.test(c)) {
      if (started) words.push({ text: word, tilde });
      word = "";
      started = false;
      tilde = 0;
    } else {
      if (
        !started && c === "~" && (next === undefined || next === "/" || next === "\\" ||
          SPACE.test(next))
      ) {
        tilde = 1;
      }
      word += c;
      started = true;
    }
  }
  if (quote !== null) {
    throw new RtError("usage", `A ${quote === "'" ? "single" : "double"} quote is not closed`);
  }
  if (started) words.push({ text: word, tilde });
  return words;
}

function expand(word: Word, home: string | undefined): string {
  if (word.tilde === 0 || home === undefined || home === "") return word.text;
  const base = home.length > 1 ? home.replace(/[\\/]+$/, "") : home;
  const rest = word.text.slice(1);
  return base.endsWith("/") && rest.startsWith("/") ? base + rest.slice(1) : base + rest;
}

/**
 * Splits what the user typed after `/send NAME` into paths, shell-like: whitespace separates,
 * single and double quotes group, a backslash escapes the next character only before
 * whitespace, a quote or a backslash (so Windows paths like `C:\x` need no doubling), and an
 * unquoted leading `~` or `~/` expands to `home` (kept as is without a home). Empty words (`""`)
 * are dropped. Throws {@link RtError} `usage` when a quote is not closed.
 */
export function splitPaths(text: string, home: string | undefined): string[] {
  return splitWords(text)
    .map((word) => expand(word, home))
    .filter((path) => path !== "");
}

/**
 * What `/send` asks for: the first word, exactly as typed (names have no spaces, and may hold
 * quotes and backslashes), is the recipient's name or `all` (in any case); the rest are paths
 * as {@link splitPaths} splits them; or an error in plain words with the usage.
 */
export function parseSend(
  argument: string,
  home: string | undefined,
): { to: string; paths: string[] } | { error: string } {
  const [, recipient = "", after = ""] = /^\s*(\S*)(.*)$/su.exec(argument) ?? [];
  let rest: Word[];
  try {
    rest = splitWords(after);
  } catch (error) {
    if (error instanceof RtError) return { error: `${error.message}. ${SEND_USAGE}` };
    throw error;
  }
  if (recipient === "") {
    return { error: `${SEND_USAGE} (who to send to, then the files or folders to send)` };
  }
  const paths = rest.map((word) => expand(word, home)).filter((path) => path !== "");
  const to = recipient.toLowerCase() === "all" ? "all" : recipient;
  if (paths.length === 0) {
    return { error: `${SEND_USAGE} (name at least one file or folder to send to ${to})` };
  }
  return { to, paths };
}

/**
 * Tab completion of commands and member names: what the word before the cursor may become.
 * Names are completed exactly as they are (whatever characters the name rules allow: quotes,
 * `|`, `@`, any alphabet), so that the command reads them back as the same name.
 *
 * @module
 */

/** Commands whose first argument is a member's name (or `all`, for some). */
const NAME_COMMANDS = /^\/(?:msg|dm|whois|verify|trust|send|file|kick|ban|unblock)\s+\S*$/iu;
/** Of those, the ones where `all` stands for everyone. */
const ALL_COMMANDS = /^\/(?:dm|send|file)\s/iu;

/** How a name is compared with what was typed: case and Unicode form set aside. */
const fold = (text: string) => text.normalize("NFC").toLowerCase();

/**
 * The completions of the last word of `line` (the text before the cursor), and that word:
 * commands for a word starting with `/` at the start of the line; otherwise the `names`.
 * A single completion ends the word: `: ` after a name at the start of the line (addressing
 * someone), a space elsewhere. `@` before a name in a message is kept (a mention); as a
 * command's argument the name goes alone, as the command reads it.
 */
export function completeWord(
  line: string,
  names: string[],
  commands: string[],
): { hits: string[]; word: string } {
  const word = /\S*$/u.exec(line)![0];
  const atStart = word.length === line.length;
  if (atStart && word.startsWith("/")) {
    const hits = commands.filter((c) => fold(c).startsWith(fold(word)));
    return { hits: hits.length === 1 ? [hits[0]! + " "] : hits, word };
  }
  const argument = NAME_COMMANDS.test(line);
  const candidates = argument && ALL_COMMANDS.test(line) ? [...names, "all"] : names;
  const typed = fold(word);
  const hits = new Set<string>();
  for (const name of candidates) {
    if (fold(name).startsWith(typed)) hits.add(name);
  }
  if (word.startsWith("@")) {
    // "@bo" is bob, mentioned; as a command's argument, just bob.
    const prefix = argument || atStart ? "" : "@";
    for (const name of candidates) {
      if (fold(name).startsWith(typed.slice(1))) hits.add(prefix + name);
    }
  }
  const found = [...hits];
  if (found.length !== 1) return { hits: found, word };
  return { hits: [found[0]! + (atStart ? ": " : " ")], word };
}

/**
 * A line longer than one message may be goes out as several, cut between words; one that
 * would flood the room is refused, to be sent as a file.
 *
 * @module
 */
import { MAX_TEXT_CHARS } from "../codec/mod.ts";
import type { ChatEvent } from "../events.ts";
import { splitText } from "./split_text.ts";

/** Most messages one line is sent as (each at most `MAX_TEXT_CHARS`). */
export const MAX_PARTS = 25;

const count = (n: number) => n.toLocaleString("en-US");

/**
 * The messages `text` goes out as, with the notice that says it was cut when it was; or the
 * error event that says it is too long to send.
 */
export function messageParts(
  text: string,
): { parts: string[]; notice?: ChatEvent } | { refused: ChatEvent } {
  const parts = text.length > MAX_TEXT_CHARS ? splitText(text, MAX_TEXT_CHARS) : [text];
  if (parts.length > MAX_PARTS) {
    return {
      refused: {
        type: "error",
        code: "too-long",
        message: `That message has ${count(text.length)} characters, ${parts.length} ` +
          `messages' worth; rt sends at most ${MAX_PARTS} from one line. Send it as a file ` +
          "with /send (Up brings the line back)",
      },
    };
  }
  if (parts.length <= 1) return { parts };
  return {
    parts,
    notice: {
      type: "notice",
      code: "split",
      text: `That message has ${count(text.length)} characters, more than one message holds ` +
        `(${count(MAX_TEXT_CHARS)}): sent as ${parts.length} messages`,
    },
  };
}

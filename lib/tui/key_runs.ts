/**
 * Keys on their way to the line editor, with the printable characters typed in a row handed on
 * as one insertion. Readline takes each key on its own, and for each character added at the end
 * of the input works out where the whole input ends on the screen (and redraws it all at the end
 * of each row): a paste of n characters cost n times the input's length, 1.7 s for 1,000
 * characters and 93 s for 10,000. The terminal gives a paste (and fast typing) in chunks, each a
 * run of keys handled at once: printable characters that come in a row are kept, and handed on
 * as one when the run ends (another key, or the end of the chunk), so a paste costs a few
 * insertions. Every other key (Enter, Tab, arrows, Ctrl+...) is handed on as it comes, after the
 * run before it, so the order is kept. Pure: when a chunk ends is told by `schedule`.
 *
 * @module
 */

/** A key as node:readline's keypress events describe it. */
export interface Key {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** A handler of keypress events. */
export type KeyHandler = (text: string | undefined, key?: Key) => void;

/**
 * Whether a key only adds its text to the input: printable characters (no control
 * characters, no escape sequences, neither Ctrl nor Alt).
 */
export function isPlainText(text: string | undefined, key: Key | undefined): text is string {
  return typeof text === "string" && text !== "" && !key?.ctrl && !key?.meta &&
    !/\p{Cc}/u.test(text);
}

/** Gathers runs of printable keys, and hands each run (text, no key) and every other key on. */
export class KeyRuns {
  readonly #handle: KeyHandler;
  readonly #schedule: (flush: () => void) => void;
  /** The printable characters typed in a row, not yet handed on. */
  #pending = "";

  /**
   * `handle` gets the keys; `schedule` runs its argument once the chunk of keys being handled
   * now has ended (by default, a microtask: the terminal's chunk is handled in one go).
   */
  constructor(handle: KeyHandler, schedule: (flush: () => void) => void = queueMicrotask) {
    this.#handle = handle;
    this.#schedule = schedule;
  }

  /** One key, as a keypress listener gets it. */
  readonly key = (text: string | undefined, key?: Key): void => {
    if (isPlainText(text, key)) {
      if (this.#pending === "") this.#schedule(this.flush);
      this.#pending += text;
      return;
    }
    this.flush();
    this.#handle(text, key);
  };

  /** Hands on the run kept so far, as one insertion (text without a key, inserted as it is). */
  readonly flush = (): void => {
    const text = this.#pending;
    if (text === "") return;
    this.#pending = "";
    this.#handle(text, undefined);
  };
}

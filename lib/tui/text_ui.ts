/**
 * The interface for people: a line editor (node:readline) in a terminal, with incoming lines
 * printed above a half-typed message; plain lines when stdin or stdout is not a terminal.
 *
 * @module
 */
import * as readline from "node:readline";
import process from "node:process";
import { AsyncQueue } from "../client/queue.ts";
import type { ChatEvent } from "./events.ts";
import { readHiddenLine } from "./hidden_input.ts";
import { readLines } from "./json_ui.ts";
import { mentions, renderEvent } from "./render.ts";
import { sanitize } from "./sanitize.ts";
import { makeStyle, type Style } from "./style.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";
import { charWidth } from "./width.ts";

/** Options of the human interface. */
export interface TextUiOptions {
  /** Use colours (off for `NO_COLOR` or when stdout is not a terminal). */
  color: boolean;
  /** Words Tab completes at the start of a line (the commands). */
  commands: string[];
}

/** The human interface. */
export class TextUi implements ChatUi {
  readonly #inputs = new AsyncQueue<UserInput>();
  readonly #interactive: boolean;
  readonly #style: Style;
  readonly #commands: string[];
  readonly #members = new Map<string, string>();
  #self: string | null = null;
  #timestamps = true;
  #bell = true;
  #rl: readline.Interface | null = null;
  #prompt = "> ";
  #lineReader: Promise<void> | null = null;

  constructor(options: TextUiOptions) {
    this.#interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    this.#style = makeStyle(options.color);
    this.#commands = options.commands;
  }

  #editor(): readline.Interface {
    if (this.#rl) return this.#rl;
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      historySize: 500,
      removeHistoryDuplicates: true,
      prompt: this.#prompt,
      completer: (line: string) => this.#complete(line),
    });
    rl.on("line", (text) => {
      this.#eraseSubmitted(text);
      this.#inputs.push({ kind: "line", text });
    });
    rl.on("SIGINT", () => this.#inputs.push({ kind: "interrupt" }));
    rl.on("close", () => {
      process.stdout.off("resize", this.#beforeRedraw);
      process.stdin.off("keypress", this.#syncSize);
      process.stdin.off("keypress", this.#afterKey);
      this.#inputs.push({ kind: "end" });
    });
    // Runs before readline's own redraw on resize (it was registered first).
    process.stdout.prependListener("resize", this.#beforeRedraw);
    // Run before and after readline handles each key.
    process.stdin.prependListener("keypress", this.#syncSize);
    process.stdin.on("keypress", this.#afterKey);
    this.#rl = rl;
    return rl;
  }

  /**
   * Takes in a new terminal size now. The size readline works with is updated when the resize
   * signal is handled, and keys typed (or messages received) just after a resize can be
   * handled first: readline would lay them out for the old width on a screen the terminal has
   * already rewrapped to the new one. `_refreshSize` (Node's and Deno's) reads the size and,
   * if it changed, emits `resize` at once; the signal's own call then finds nothing new.
   */
  readonly #syncSize = (): void => {
    (process.stdout as unknown as { _refreshSize?: () => void })._refreshSize?.();
  };

  /** Readline's own record of the row of the cursor below the prompt, as last drawn. */
  #drawnRows(): { get(): number; set(rows: number): void } | null {
    // Node's and Deno's readline keep it in `prevRows` (not in their typings).
    const rl = this.#rl as unknown as { prevRows?: unknown } | null;
    if (!rl) return null;
    return {
      get: () => typeof rl.prevRows === "number" ? rl.prevRows : 0,
      set: (rows) => rl.prevRows = rows,
    };
  }

  /**
   * After each key: Deno's readline writes a character typed at the end of the input without
   * redrawing unless the cursor lands at column 0, so a wide character (CJK, emoji) that does
   * not fit at the end of a row, and goes to the next one, leaves readline's record of the
   * cursor's row behind; its next redraw would leave a copy of the input's first row above
   * the input. Keep the record in step with where the terminal put the cursor.
   */
  readonly #afterKey = (): void => {
    const drawn = this.#drawnRows();
    if (drawn) drawn.set(this.#rl!.getCursorPos().rows);
  };

  /**
   * On resize, readline moves up as many rows as the cursor was below the prompt when it last
   * drew the input, then redraws. But a terminal that reflows wrapped lines (most do, tmux
   * too) has rewrapped a long input to the new width: the cursor is now that many rows below
   * the prompt at the new width. Readline would leave rows of the old input above the new one
   * (narrower) or erase lines of chat above it (wider). So: clear from the prompt as the
   * terminal now shows it, and put the cursor where readline expects it.
   */
  readonly #beforeRedraw = (): void => {
    const drawn = this.#drawnRows();
    if (!drawn) return;
    const believed = drawn.get();
    const now = this.#rl!.getCursorPos().rows;
    if (now === believed) return;
    readline.moveCursor(process.stdout, 0, -now);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    process.stdout.write("\n".repeat(believed));
  };

  /** Tab: commands at the start of a line, member names elsewhere. */
  #complete(line: string): [string[], string] {
    const word = /\S*$/.exec(line)![0];
    const lower = word.toLowerCase();
    const atStart = word.length === line.length;
    const candidates = atStart && word.startsWith("/")
      ? this.#commands
      : [...this.#members.values()].filter((n) => n !== this.#self).map(sanitize);
    const hits = candidates.filter((c) => c.toLowerCase().startsWith(lower.replace(/^@/, "")));
    const prefix = word.startsWith("@") && !atStart ? "@" : "";
    const suffix = atStart && !word.startsWith("/") ? ": " : " ";
    if (hits.length === 1) return [[prefix + hits[0]! + suffix], word];
    return [hits.map((h) => prefix + h), word];
  }

  /** After Enter, removes the typed line: it comes back from the room as a message. */
  #eraseSubmitted(text: string): void {
    if (!this.#self) return;
    const columns = process.stdout.columns || 80;
    readline.moveCursor(process.stdout, 0, -rowsBelow(this.#prompt + text, columns));
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  }

  #startPlainLines(): void {
    this.#lineReader ??= readLines(Deno.stdin.readable, this.#inputs);
  }

  #track(event: ChatEvent): void {
    if (event.type === "welcome") {
      this.#self = event.name;
      for (const m of event.members) this.#members.set(m.name.toLowerCase(), m.name);
    } else if (event.type === "joined") this.#members.set(event.name.toLowerCase(), event.name);
    else if (event.type === "left") this.#members.delete(event.name.toLowerCase());
    else if (event.type === "who") {
      this.#members.clear();
      for (const m of event.members) this.#members.set(m.name.toLowerCase(), m.name);
    }
  }

  show(event: ChatEvent): void {
    this.#track(event);
    const text = renderEvent(event, {
      style: this.#style,
      timestamps: this.#timestamps,
      self: this.#self,
    });
    if (text === null) return;
    const ring = this.#bell && this.#interactive && event.type === "message" && !event.own &&
      mentions(event.text, this.#self);
    const rl = this.#rl;
    if (!rl) {
      console.log(text + (ring ? "\x07" : ""));
      return;
    }
    this.#syncSize();
    // Print above the input line without disturbing what is half typed: move to the start
    // of the prompt, clear it, print, then let readline redraw the prompt and the input
    // (after as many newlines as the input spans, so a wrapped input is not overwritten).
    const rows = rl.getCursorPos().rows;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    process.stdout.write(text + (ring ? "\x07" : "") + "\n" + "\n".repeat(rows));
    rl.prompt(true);
  }

  async ask(question: Question): Promise<UserInput> {
    if (!this.#interactive) {
      this.#startPlainLines();
      return (await this.#inputs.next()) ?? { kind: "end" };
    }
    if (question.hidden && !this.#rl) return readHiddenLine(question.prompt);
    const rl = this.#editor();
    rl.setPrompt(question.prompt);
    rl.prompt();
    const answer = (await this.#inputs.next()) ?? { kind: "end" };
    rl.setPrompt(this.#prompt);
    return answer;
  }

  async next(): Promise<UserInput> {
    if (this.#interactive) this.#editor().prompt(true);
    else this.#startPlainLines();
    return (await this.#inputs.next()) ?? { kind: "end" };
  }

  setPrompt(prompt: string): void {
    // The prompt holds the user's name as the host gave it: a host could put escapes in it.
    prompt = sanitize(prompt);
    this.#prompt = prompt;
    this.#rl?.setPrompt(prompt);
  }

  configure(setting: "timestamps" | "bell", on: boolean): void {
    if (setting === "timestamps") this.#timestamps = on;
    else this.#bell = on;
  }

  interrupt(): void {
    this.#inputs.push({ kind: "interrupt" });
  }

  close(): void {
    if (this.#rl) {
      const rl = this.#rl;
      this.#rl = null;
      readline.cursorTo(process.stdout, 0);
      readline.clearLine(process.stdout, 0);
      rl.close();
    }
  }
}

/**
 * How many rows below the start of `text` the cursor is after readline has written it and
 * a line break, laid out as readline does: a wide character that would straddle the edge goes
 * to the next row, and a text that exactly fills its last row gets one more (blank) row.
 */
function rowsBelow(text: string, columns: number): number {
  let offset = 0;
  for (const char of text) {
    const width = charWidth(char);
    if (width === 2 && (offset + 1) % columns === 0) offset++;
    offset += width;
  }
  return Math.floor(offset / columns) + 1;
}

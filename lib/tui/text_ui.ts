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
import { makeStyle, type Style } from "./style.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";
import { displayWidth } from "./width.ts";

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
    rl.on("close", () => this.#inputs.push({ kind: "end" }));
    this.#rl = rl;
    return rl;
  }

  /** Tab: commands at the start of a line, member names elsewhere. */
  #complete(line: string): [string[], string] {
    const word = /\S*$/.exec(line)![0];
    const lower = word.toLowerCase();
    const atStart = word.length === line.length;
    const candidates = atStart && word.startsWith("/")
      ? this.#commands
      : [...this.#members.values()].filter((n) => n !== this.#self);
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
    const width = displayWidth(this.#prompt) + displayWidth(text);
    const rows = Math.max(1, Math.ceil(width / columns));
    readline.moveCursor(process.stdout, 0, -rows);
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

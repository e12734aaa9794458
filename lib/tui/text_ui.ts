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
import { renderEvent } from "./render.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";

/** The human interface. */
export class TextUi implements ChatUi {
  readonly #inputs = new AsyncQueue<UserInput>();
  readonly #interactive: boolean;
  #rl: readline.Interface | null = null;
  #prompt = "> ";
  #lineReader: Promise<void> | null = null;

  constructor() {
    this.#interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
  }

  #editor(): readline.Interface {
    if (this.#rl) return this.#rl;
    const rl = readline.createInterface({
      input: process.stdin,
      output: process.stdout,
      terminal: true,
      historySize: 200,
      prompt: this.#prompt,
    });
    rl.on("line", (text) => this.#inputs.push({ kind: "line", text }));
    rl.on("SIGINT", () => this.#inputs.push({ kind: "interrupt" }));
    rl.on("close", () => this.#inputs.push({ kind: "end" }));
    this.#rl = rl;
    return rl;
  }

  #startPlainLines(): void {
    this.#lineReader ??= readLines(Deno.stdin.readable, this.#inputs);
  }

  show(event: ChatEvent): void {
    const text = renderEvent(event);
    if (text === null) return;
    const rl = this.#rl;
    if (!rl) {
      console.log(text);
      return;
    }
    // Print above the input line without disturbing what is half typed: move to the start
    // of the prompt, clear it, print, then let readline redraw the prompt and the input.
    const rows = rl.getCursorPos().rows;
    readline.moveCursor(process.stdout, 0, -rows);
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
    process.stdout.write(text + "\n" + "\n".repeat(rows));
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

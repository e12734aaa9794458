/**
 * The interface for people: a line editor in a terminal, with incoming lines printed above a
 * half-typed message and status lines (progress bars) kept just above the input (see
 * `screen.ts`); plain lines when stdin or stdout is not a terminal.
 *
 * This module only routes: what is drawn where is `screen.ts`, the editor `line_editor.ts`, the
 * state it follows `members.ts`, `transfer_lines.ts` and `status_area.ts`, Tab
 * `path_completion.ts` and `name_completion.ts`, pictures `pictures.ts`.
 *
 * @module
 */
import { AsyncQueue } from "../util/mod.ts";
import type { ChatEvent } from "../events.ts";
import { columns } from "./columns.ts";
import { readHiddenLine } from "./hidden_input.ts";
import { readLines } from "./json_ui.ts";
import { LineEditor } from "./line_editor.ts";
import { MemberNames } from "./members.ts";
import { completeWord } from "./name_completion.ts";
import { completeSendPath } from "./path_completion.ts";
import { drawPicture, imageProtocol, PictureQueue } from "./pictures.ts";
import { refreshSize } from "./readline_internals.ts";
import { mentions, renderEvent } from "./render.ts";
import { sanitize } from "./sanitize.ts";
import { Screen } from "./screen.ts";
import { StatusArea } from "./status_area.ts";
import { makeStyle, type Style } from "./style.ts";
import { isProgressOnly, TransferLines } from "./transfer_lines.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";

/** Options of the human interface. */
export interface TextUiOptions {
  /** Use colours (off for `NO_COLOR` or when stdout is not a terminal). */
  color: boolean;
  /** Words Tab completes at the start of a line (the commands). */
  commands: string[];
  /** The home folder, for `~` in paths Tab completes. */
  home?: string;
  /**
   * Ctrl+C typed while the line editor holds the terminal (raw mode: no SIGINT comes). Left
   * out: it interrupts whatever waits for input, as `interrupt()` does.
   */
  onCtrlC?: () => void;
}

/** The human interface. */
export class TextUi implements ChatUi {
  readonly #inputs = new AsyncQueue<UserInput>();
  readonly #interactive: boolean;
  readonly #style: Style;
  readonly #commands: string[];
  readonly #home: string | undefined;
  readonly #onCtrlC: (() => void) | undefined;
  /** Told to stop (Ctrl+C, a signal): a hidden prompt asked from now on is cancelled at once. */
  #interrupted = false;
  /** Cancels the hidden prompt waiting for a line, if any. */
  #hiddenCancel: AbortController | null = null;
  /** The terminal was closed (SIGHUP): nothing is drawn any more. */
  #gone = false;
  readonly #members = new MemberNames();
  #timestamps = true;
  #bell = true;
  /** The line editor and the status lines above it, once the editor is open. */
  #screen: Screen<LineEditor> | null = null;
  #prompt = "> ";
  #lineReader: Promise<void> | null = null;
  readonly #status = new StatusArea();
  readonly #transfers: TransferLines;
  readonly #pictures = new PictureQueue((path) => this.#picture(path));

  constructor(options: TextUiOptions) {
    this.#interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    this.#style = makeStyle(options.color);
    this.#transfers = new TransferLines(this.#style);
    this.#commands = options.commands;
    this.#home = options.home;
    this.#onCtrlC = options.onCtrlC;
  }

  /** The screen, with the line editor opened on first use. */
  #open(): Screen<LineEditor> {
    if (this.#screen) return this.#screen;
    const editor = new LineEditor({
      prompt: this.#prompt,
      complete: (line) => this.#complete(line),
      onLine: (text) => {
        // The line comes back from the room as a message; before the room knows the user (a
        // name asked for), it stays, below the status lines' place.
        if (this.#members.self) screen.eraseSubmitted(this.#prompt + text);
        else if (this.#status.shown) screen.keepSubmitted(text);
        this.#inputs.push({ kind: "line", text });
      },
      onCtrlC: () => this.#onCtrlC ? this.#onCtrlC() : this.interrupt(),
      onClose: () => this.#inputs.push({ kind: "end" }),
      onResize: (now, believed) => screen.resized(now, believed),
    });
    const screen = new Screen(editor, this.#status);
    this.#screen = screen;
    return screen;
  }

  /** Whether the editor is open and drawing. */
  #drawing(): Screen<LineEditor> | null {
    const screen = this.#screen;
    return screen && !screen.editor.closed ? screen : null;
  }

  /** Tab: paths after `/send NAME `, commands at the start of a line, member names elsewhere. */
  #complete(line: string): [string[], string] {
    const { hits, word } = completeSendPath(line, this.#home) ??
      completeWord(line, this.#members.others(), this.#commands);
    const screen = this.#screen;
    if (hits.length > 1 && screen?.editor.secondTab && this.#status.shown) {
      screen.liftStatus();
      setTimeout(() => {
        if (this.#screen === screen && !screen.editor.closed) screen.redraw();
      }, 0);
    }
    return [hits, word];
  }

  #startPlainLines(): void {
    this.#lineReader ??= readLines(Deno.stdin.readable, this.#inputs);
  }

  /** Draws a received picture in the chat, in terminals that can; elsewhere its path was shown. */
  async #picture(path: string): Promise<void> {
    const protocol = imageProtocol();
    if (!protocol || !this.#screen) return;
    const drawing = await drawPicture(path, protocol, columns());
    if (drawing !== null) this.#drawing()?.redraw(drawing + "\n");
  }

  show(event: ChatEvent): void {
    if (this.#gone) return;
    this.#members.track(event);
    if (this.#transfers.take(event)) this.status(this.#transfers.lines(columns()));
    if (isProgressOnly(event)) return;
    const self = this.#members.self;
    const text = renderEvent(event, { style: this.#style, timestamps: this.#timestamps, self });
    if (text === null) return;
    const ring = this.#bell && this.#interactive && event.type === "message" && !event.own &&
      mentions(event.text, self);
    if (!this.#screen) {
      console.log(text + (ring ? "\x07" : ""));
      return;
    }
    // Above the status lines and the input, without disturbing what is half typed.
    this.#screen.redraw(text + (ring ? "\x07" : "") + "\n");
    if (event.type === "file-saved" && event.mediaType.startsWith("image/")) {
      this.#pictures.offer(event.id, event.path);
    }
  }

  status(lines: string[]): void {
    if (!this.#interactive || this.#gone) return;
    const changed = this.#status.set(lines);
    const screen = this.#drawing();
    if (!screen) return;
    refreshSize();
    if (!changed && this.#status.isDrawn(columns())) return;
    screen.redraw();
  }

  async ask(question: Question): Promise<UserInput> {
    if (this.#gone) return { kind: "interrupt" };
    if (!this.#interactive) {
      this.#startPlainLines();
      return (await this.#inputs.next()) ?? { kind: "end" };
    }
    if (question.hidden && !this.#screen) {
      if (this.#interrupted) return { kind: "interrupt" };
      const cancel = new AbortController();
      this.#hiddenCancel = cancel;
      try {
        return await readHiddenLine(question.prompt, cancel.signal);
      } finally {
        this.#hiddenCancel = null;
      }
    }
    const screen = this.#open();
    screen.editor.setPrompt(question.prompt);
    if (this.#status.wanted || this.#status.shown) screen.redraw();
    else screen.editor.prompt();
    const answer = (await this.#inputs.next()) ?? { kind: "end" };
    screen.editor.setPrompt(this.#prompt);
    return answer;
  }

  async next(): Promise<UserInput> {
    if (this.#gone) return (await this.#inputs.next()) ?? { kind: "end" };
    if (!this.#interactive) this.#startPlainLines();
    else if (this.#status.wanted || this.#status.shown) this.#open().redraw();
    else this.#open().editor.prompt(true);
    return (await this.#inputs.next()) ?? { kind: "end" };
  }

  setPrompt(prompt: string): void {
    // The prompt holds the user's name as the host gave it: a host could put escapes in it.
    prompt = sanitize(prompt);
    this.#prompt = prompt;
    this.#screen?.editor.setPrompt(prompt);
  }

  configure(setting: "timestamps" | "bell", on: boolean): void {
    if (setting === "timestamps") this.#timestamps = on;
    else this.#bell = on;
  }

  interrupt(): void {
    this.#interrupted = true;
    this.#hiddenCancel?.abort();
    this.#inputs.push({ kind: "interrupt" });
  }

  /**
   * The terminal was closed (SIGHUP): draw nothing more (writing to it would fail), and let go
   * of the line editor without restoring a screen nobody sees.
   */
  terminalGone(): void {
    this.#gone = true;
    this.#status.clear();
    this.#status.forget();
    const screen = this.#screen;
    this.#screen = null;
    try {
      screen?.editor.close();
    } catch {
      // Its terminal is gone.
    }
  }

  close(): void {
    this.#status.clear();
    const screen = this.#screen;
    if (!screen) return;
    this.#screen = null;
    screen.clear();
    screen.editor.close();
  }
}

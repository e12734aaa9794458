/**
 * The interface for people: a line editor (node:readline) in a terminal, with incoming lines
 * printed above a half-typed message and status lines (progress bars) kept just above the input;
 * plain lines when stdin or stdout is not a terminal.
 *
 * The screen's bottom, in a terminal: the chat's lines, then the status lines (one row each, cut
 * to the width), then the prompt and the input (wrapped over as many rows as it needs). Every
 * redraw moves up from the cursor over the input's rows and the status rows, clears down, writes
 * what goes above, the status lines, and lets readline redraw the prompt and input.
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
import { sanitize, sanitizeKeepingStyles } from "./sanitize.ts";
import { makeStyle, type Style } from "./style.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";
import { detectImageProtocol, type ImageProtocol } from "./inline_image.ts";
import { renderProgress, type TransferProgress } from "./progress.ts";
import { renderPreparing } from "./render_files.ts";
import { completePath, lastPathWord } from "./path_completion.ts";
import { completeWord } from "./name_completion.ts";
import { PICTURE_WORKER_URL } from "./picture_worker.ts";
import { charWidth, cutToWidth, stripStyles } from "./width.ts";

/** Most terminal columns and rows a received picture takes. */
const PICTURE_COLUMNS = 60;
const PICTURE_ROWS = 16;
/** Pictures drawn of one transfer, at most. */
const PICTURES_PER_TRANSFER = 5;
/** A picture not drawn by then is given up. */
const PICTURE_TIMEOUT_MS = 30_000;

/** The escape sequence that draws the picture at `path`, made by a worker; `null` when none. */
function drawPicture(
  path: string,
  protocol: ImageProtocol,
  columns: number,
): Promise<string | null> {
  const worker = new Worker(PICTURE_WORKER_URL, { type: "module" });
  return new Promise<string | null>((resolve) => {
    const timer = setTimeout(() => resolve(null), PICTURE_TIMEOUT_MS);
    worker.onmessage = (event) => {
      clearTimeout(timer);
      resolve(typeof event.data === "string" ? event.data : null);
    };
    worker.onerror = (event) => {
      event.preventDefault();
      clearTimeout(timer);
      resolve(null);
    };
    worker.postMessage({ path, protocol, columns, maxRows: PICTURE_ROWS });
  }).finally(() => worker.terminate());
}

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
  readonly #members = new Map<string, string>();
  #self: string | null = null;
  #timestamps = true;
  #bell = true;
  #rl: readline.Interface | null = null;
  #prompt = "> ";
  #lineReader: Promise<void> | null = null;
  /** The status lines asked for (controls made inert, colours kept). */
  #status: string[] = [];
  /** The status lines on the screen now, without styles, just above the prompt's row. */
  #drawn: string[] = [];
  /** The terminal's width when readline last drew (resizes change it). */
  #columns = 0;
  /** The width the status lines on the screen were cut to. */
  #drawnColumns = 0;
  /** Readline closed itself (Ctrl+D): nothing more is drawn through it. */
  #editorClosed = false;
  /** The last key's name, and whether this key is a second Tab in a row. */
  #lastKey: string | undefined;
  #tabAgain = false;
  /** Pictures being drawn, one after the other, and how many of each transfer. */
  #pictures: Promise<void> = Promise.resolve();
  readonly #picturesOf = new Map<number, number>();
  /** Files being hashed for an offer: one line, while it lasts. */
  #preparing: string | null = null;
  /** Transfers moving, by id: one progress line each. */
  readonly #transfers = new Map<number, TransferProgress>();

  constructor(options: TextUiOptions) {
    this.#interactive = Deno.stdin.isTerminal() && Deno.stdout.isTerminal();
    this.#style = makeStyle(options.color);
    this.#commands = options.commands;
    this.#home = options.home;
    this.#onCtrlC = options.onCtrlC;
  }

  #editor(): readline.Interface {
    if (this.#rl) return this.#rl;
    const keyListeners = process.stdin.listeners("keypress");
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
      if (this.#self) this.#eraseSubmitted(text);
      else if (this.#drawn.length > 0) this.#keepSubmitted(text);
      this.#inputs.push({ kind: "line", text });
    });
    rl.on("SIGINT", () => this.#onCtrlC ? this.#onCtrlC() : this.interrupt());
    rl.on("close", () => {
      this.#editorClosed = true;
      process.stdout.off("resize", this.#beforeRedraw);
      process.stdin.off("keypress", this.#beforeKey);
      process.stdin.off("keypress", this.#afterKey);
      process.stdin.off("keypress", this.#onKey);
      this.#inputs.push({ kind: "end" });
    });
    // Runs before readline's own redraw on resize (it was registered first).
    process.stdout.prependListener("resize", this.#beforeRedraw);
    // Readline's own key handler (the one listener it added) is called from `#onKey`, which
    // hands it a run of typed or pasted characters at once (see there).
    const added = process.stdin.listeners("keypress").filter((l) => !keyListeners.includes(l));
    if (added.length === 1) {
      this.#readlineKey = added[0] as KeyHandler;
      process.stdin.off("keypress", this.#readlineKey);
      process.stdin.on("keypress", this.#onKey);
    } else {
      // A readline that is not as expected: each key as it comes.
      process.stdin.prependListener("keypress", this.#beforeKey);
      process.stdin.on("keypress", this.#afterKey);
    }
    this.#rl = rl;
    this.#columns = process.stdout.columns || 80;
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

  /**
   * Every key, in place of readline's own handler. Readline takes each key on its own, and
   * for each character added at the end of the input works out where the whole input ends on
   * the screen (and redraws it all at the end of each row): a paste of n characters cost n
   * times the input's length, 1.7 s for 1,000 characters and 93 s for 10,000. The terminal
   * gives a paste (and fast typing) in chunks, each a run of keys handled at once: printable
   * characters that come in a row are kept, and readline gets them as one insertion when the
   * run ends (another key, or the end of the chunk), so a paste costs a few insertions. Every
   * other key (Enter, Tab, arrows, Ctrl+...) goes to readline as it comes, after the run
   * before it, so the order is kept.
   */
  readonly #onKey = (text: string | undefined, key?: Key): void => {
    if (isPlainText(text, key)) {
      if (this.#pendingKeys === "") queueMicrotask(this.#flushKeys);
      this.#pendingKeys += text;
      return;
    }
    this.#flushKeys();
    this.#handleKey(text, key);
  };

  /** The printable characters typed in a row, not yet given to readline. */
  #pendingKeys = "";

  /** Readline's own handler of a key. */
  #readlineKey: KeyHandler | null = null;

  /** Gives readline the characters kept by `#onKey`, as one insertion. */
  readonly #flushKeys = (): void => {
    const text = this.#pendingKeys;
    if (text === "") return;
    this.#pendingKeys = "";
    // Readline inserts text given without a key as it is (no line breaks in it: see above).
    this.#handleKey(text, undefined);
  };

  /** One key (or a run of characters) through readline, with what goes before and after. */
  #handleKey(text: string | undefined, key: Key | undefined): void {
    if (!this.#rl || this.#editorClosed || !this.#readlineKey) return;
    this.#beforeKey(text, key);
    this.#readlineKey(text, key);
    this.#afterKey();
  }

  /** Before readline handles a key: the size, as above, and whether it is a second Tab. */
  readonly #beforeKey = (_text: unknown, key?: { name?: string }): void => {
    this.#syncSize();
    this.#tabAgain = key?.name === "tab" && this.#lastKey === "tab";
    this.#lastKey = key?.name;
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
   *
   * One case differs from readline's count: with the cursor at the end of an input that now
   * fills its last row exactly, the terminal leaves the cursor at the end of that row, where
   * readline counts it at the start of the next. Unless readline had itself drawn the input
   * ending at the edge (it then writes a space to move to the next row, and the cursor sits
   * on that space).
   */
  readonly #beforeRedraw = (): void => {
    const drawn = this.#drawnRows();
    if (!drawn) return;
    const rl = this.#rl!;
    const before = this.#columns;
    this.#columns = process.stdout.columns || 80;
    const believed = drawn.get();
    const position = rl.getCursorPos();
    let now = position.rows;
    if (
      now > 0 && position.cols === 0 && rl.cursor >= rl.line.length &&
      endColumn(rl.getPrompt() + rl.line, before) !== 0
    ) now--;
    if (now === believed && this.#drawn.length === 0) return;
    // The status lines were rewrapped too when narrower (see `#statusRows`): clear them with
    // the input, and draw them again, cut to the new width.
    process.stdout.write(
      up(now + this.#statusRows()) + CLEAR_DOWN + this.#statusBlock() + "\n".repeat(believed),
    );
  };

  /**
   * How many rows the status lines on the screen take now: one each as drawn, more when the
   * terminal has since narrowed and rewrapped them (the input's rows are counted the same way).
   */
  #statusRows(): number {
    const columns = process.stdout.columns || 80;
    return this.#drawn.reduce((sum, line) => sum + rowsOf(line, columns), 0);
  }

  /**
   * The status lines to write, each cut to the terminal's width (a wrapped one would take two
   * rows, and throw every move up over the status area off) and ending its row; recorded as
   * drawn.
   */
  #statusBlock(): string {
    const columns = process.stdout.columns || 80;
    const lines = this.#status.map((line) => cutToWidth(line, columns));
    this.#drawn = lines.map(stripStyles);
    this.#drawnColumns = columns;
    return lines.map((line) => line + "\r\n").join("");
  }

  /**
   * Redraws the bottom of the screen without disturbing what is half typed: from the top of the
   * status area, clears down, writes `above` (new lines for the scrollback, each ending with a
   * line break), the status lines, then as many line breaks as the cursor is below the prompt's
   * row, so that readline's own redraw (which moves up that many rows first) puts the prompt and
   * the input, wrapped or not, back with the cursor where it was.
   */
  #redraw(above = ""): void {
    const rl = this.#rl!;
    this.#syncSize();
    const rows = rl.getCursorPos().rows;
    process.stdout.write(
      up(rows + this.#statusRows()) + CLEAR_DOWN + above + this.#statusBlock() +
        "\n".repeat(rows),
    );
    rl.prompt(true);
  }

  /**
   * A second Tab with several candidates: readline lists them below the input, then draws the
   * prompt again below the list. The status lines would stay behind above the old input; take
   * them out now (deleting their rows pulls the input up), and draw them again above the new
   * prompt once readline is done.
   */
  #liftStatusForList(): void {
    const rl = this.#rl!;
    const { rows, cols } = rl.getCursorPos();
    const statusRows = this.#statusRows();
    process.stdout.write(
      up(rows + statusRows) + `\x1b[${statusRows}M` + (rows > 0 ? `\x1b[${rows}B` : "") +
        `\x1b[${cols + 1}G`,
    );
    this.#drawn = [];
    setTimeout(() => {
      if (this.#rl === rl && !this.#editorClosed) this.#redraw();
    }, 0);
  }

  /** Tab: commands at the start of a line, member names elsewhere. */
  #complete(line: string): [string[], string] {
    // After `/send NAME `: paths.
    if (/^\/(?:send|file)\s+\S+\s/i.test(line)) {
      const word = lastPathWord(line);
      const found = completePath(
        word,
        this.#home,
        (folder) =>
          [...Deno.readDirSync(folder)].map((e) => ({ name: e.name, isDirectory: e.isDirectory })),
      );
      if (found.length > 1 && this.#tabAgain && this.#drawn.length > 0) this.#liftStatusForList();
      const only = found.length === 1 ? found[0]! : null;
      return [only === null ? found : [only.endsWith("/") ? only : only + " "], word];
    }
    const names = [...this.#members.values()].filter((n) => n !== this.#self).map(sanitize);
    const { hits, word } = completeWord(line, names, this.#commands);
    if (hits.length > 1 && this.#tabAgain && this.#drawn.length > 0) this.#liftStatusForList();
    return [hits, word];
  }

  /** After Enter, removes the typed line: it comes back from the room as a message. */
  #eraseSubmitted(text: string): void {
    if (!this.#self) return;
    const columns = process.stdout.columns || 80;
    readline.moveCursor(process.stdout, 0, -rowsBelow(this.#prompt + text, columns));
    readline.cursorTo(process.stdout, 0);
    readline.clearScreenDown(process.stdout);
  }

  /**
   * After Enter before the room knows the user (a name asked for), the typed line stays on the
   * screen, and the status lines must not stay above it: write the line again in their place;
   * they come back above the next prompt.
   */
  #keepSubmitted(text: string): void {
    const rl = this.#rl!;
    const columns = process.stdout.columns || 80;
    const shown = rl.getPrompt() + text;
    process.stdout.write(
      up(rowsBelow(shown, columns) + this.#statusRows()) + CLEAR_DOWN + shown + "\r\n",
    );
    this.#drawn = [];
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

  /**
   * Transfers' progress, as status lines: a bar per transfer moving, gone once it ends. Returns
   * whether the event was only that.
   */
  #progress(event: ChatEvent): boolean {
    if (event.type === "file-preparing") {
      this.#preparing = renderPreparing(event, this.#style);
    } else if (event.type === "file-progress") {
      const { id, direction, peer, name, done, total, bytesPerSecond } = event;
      this.#transfers.set(id, { id, direction, peer, name, done, total, bytesPerSecond });
    } else if (event.type === "file-done" || event.type === "file-stopped") {
      if (!this.#transfers.delete(event.id)) return false;
    } else return false;
    const columns = process.stdout.columns || 80;
    const bars = [...this.#transfers.values()].map((p) => renderProgress(p, columns, this.#style));
    this.status(this.#preparing === null ? bars : [...bars, this.#preparing]);
    return event.type === "file-progress" || event.type === "file-preparing";
  }

  /** Draws a received picture in the chat, in terminals that can; elsewhere its path was shown. */
  async #picture(path: string): Promise<void> {
    const env = (name: string) => {
      try {
        return Deno.env.get(name);
      } catch {
        return undefined;
      }
    };
    const protocol = detectImageProtocol(env);
    if (!protocol || !this.#rl) return;
    const columns = Math.min(process.stdout.columns || 80, PICTURE_COLUMNS);
    const drawing = await drawPicture(path, protocol, columns);
    if (drawing === null || !this.#rl || this.#editorClosed) return;
    this.#redraw(drawing + "\n");
  }

  show(event: ChatEvent): void {
    if (this.#gone) return;
    this.#track(event);
    if (this.#progress(event)) return;
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
    // Above the status lines and the input, without disturbing what is half typed.
    this.#redraw(text + (ring ? "\x07" : "") + "\n");
    if (event.type === "file-saved" && event.mediaType.startsWith("image/")) {
      // One at a time, and a few per transfer: a folder of a thousand photos is not drawn.
      const drawn = this.#picturesOf.get(event.id) ?? 0;
      if (drawn < PICTURES_PER_TRANSFER) {
        this.#picturesOf.set(event.id, drawn + 1);
        this.#pictures = this.#pictures.then(() => this.#picture(event.path));
      }
    }
  }

  status(lines: string[]): void {
    if (!this.#interactive || this.#gone) return;
    const wanted = lines.map(sanitizeKeepingStyles);
    const same = wanted.length === this.#status.length &&
      wanted.every((line, i) => line === this.#status[i]);
    this.#status = wanted;
    if (!this.#rl || this.#editorClosed) return;
    this.#syncSize();
    const drawnNow = this.#drawn.length === wanted.length &&
      (wanted.length === 0 || this.#drawnColumns === (process.stdout.columns || 80));
    if (same && drawnNow) return;
    this.#redraw();
  }

  async ask(question: Question): Promise<UserInput> {
    if (this.#gone) return { kind: "interrupt" };
    if (!this.#interactive) {
      this.#startPlainLines();
      return (await this.#inputs.next()) ?? { kind: "end" };
    }
    if (question.hidden && !this.#rl) {
      if (this.#interrupted) return { kind: "interrupt" };
      const cancel = new AbortController();
      this.#hiddenCancel = cancel;
      try {
        return await readHiddenLine(question.prompt, cancel.signal);
      } finally {
        this.#hiddenCancel = null;
      }
    }
    const rl = this.#editor();
    rl.setPrompt(question.prompt);
    if (this.#status.length > 0 || this.#drawn.length > 0) this.#redraw();
    else rl.prompt();
    const answer = (await this.#inputs.next()) ?? { kind: "end" };
    rl.setPrompt(this.#prompt);
    return answer;
  }

  async next(): Promise<UserInput> {
    if (this.#gone) return (await this.#inputs.next()) ?? { kind: "end" };
    if (!this.#interactive) this.#startPlainLines();
    else if (this.#status.length > 0 || this.#drawn.length > 0) {
      this.#editor();
      this.#redraw();
    } else this.#editor().prompt(true);
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
    this.#status = [];
    this.#drawn = [];
    const rl = this.#rl;
    this.#rl = null;
    try {
      rl?.close();
    } catch {
      // Its terminal is gone.
    }
  }

  close(): void {
    this.#status = [];
    if (this.#rl) {
      const rl = this.#rl;
      this.#rl = null;
      if (this.#drawn.length > 0) {
        // The status lines go, with the prompt and the input below them.
        process.stdout.write(up(rl.getCursorPos().rows + this.#statusRows()) + CLEAR_DOWN);
        this.#drawn = [];
      } else {
        readline.cursorTo(process.stdout, 0);
        readline.clearLine(process.stdout, 0);
      }
      rl.close();
    }
  }
}

/** A key as node:readline's keypress events describe it. */
interface Key {
  name?: string;
  sequence?: string;
  ctrl?: boolean;
  meta?: boolean;
  shift?: boolean;
}

/** A handler of keypress events. */
type KeyHandler = (text: string | undefined, key?: Key) => void;

/**
 * Whether a key only adds its text to the input: printable characters (no control
 * characters, no escape sequences, neither Ctrl nor Alt).
 */
function isPlainText(text: string | undefined, key: Key | undefined): text is string {
  return typeof text === "string" && text !== "" && !key?.ctrl && !key?.meta &&
    !/\p{Cc}/u.test(text);
}

/**
 * To the start of the row, then clear it and everything below. Not by clearing to the end of
 * the screen from there at once: from the screen's top left corner, tmux (`scroll-on-clear`)
 * takes that for a clear screen and first pushes the screen into the scrollback, so a status
 * area at the top would leave a copy there at every redraw. So: erase the row, then from the
 * next one down (with the cursor saved and restored; at the bottom row it stays put).
 */
const CLEAR_DOWN = "\x1b[1G\x1b[2K\x1b7\x1b[B\x1b[0J\x1b8";

/** Moves the cursor up `rows` rows (none for 0). */
function up(rows: number): string {
  return rows > 0 ? `\x1b[${rows}A` : "";
}

/**
 * The cells `text` takes from the start of a row, laid out `columns` wide as readline and the
 * terminal do: a wide character that would straddle the edge goes to the next row, leaving the
 * last cell of the row empty.
 */
function cells(text: string, columns: number): number {
  let offset = 0;
  for (const char of text) {
    const width = charWidth(char);
    if (width === 2 && (offset + 1) % columns === 0) offset++;
    offset += width;
  }
  return offset;
}

/** How many rows a line of `text` ended by a line break takes, `columns` wide. */
function rowsOf(text: string, columns: number): number {
  return Math.max(1, Math.ceil(cells(text, columns) / columns));
}

/** The column after `text`, laid out `columns` wide. */
function endColumn(text: string, columns: number): number {
  return cells(text, columns) % columns;
}

/**
 * How many rows below the start of `text` the cursor is after readline has written it and
 * a line break: a text that exactly fills its last row gets one more (blank) row.
 */
function rowsBelow(text: string, columns: number): number {
  return Math.floor(cells(text, columns) / columns) + 1;
}

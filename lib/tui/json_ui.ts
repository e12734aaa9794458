/**
 * `--json`: each event is one JSON object on a line of stdout; each stdin line is what the
 * user would type (a chat line, a command, or the answer to a `prompt` event).
 *
 * @module
 */
import { AsyncQueue, type Flushable, flushed, flushSoon } from "../util/mod.ts";
import type { ChatEvent } from "../events.ts";
import type { ChatUi, Question, UserInput } from "./ui.ts";

/** Reads lines from a byte stream into a queue of inputs; `end` at the end of the stream. */
export function readLines(
  stream: ReadableStream<Uint8Array>,
  queue: AsyncQueue<UserInput>,
): Promise<void> {
  return (async () => {
    const decoder = new TextDecoder();
    let pending = "";
    try {
      for await (const chunk of stream) {
        pending += decoder.decode(chunk, { stream: true });
        let newline: number;
        while ((newline = pending.indexOf("\n")) >= 0) {
          queue.push({ kind: "line", text: pending.slice(0, newline).replace(/\r$/, "") });
          pending = pending.slice(newline + 1);
        }
      }
    } catch {
      // stdin closed under us: treat as the end.
    }
    if (pending.length > 0) queue.push({ kind: "line", text: pending });
    queue.push({ kind: "end" });
  })();
}

/** Characters of chat lines gathered before they are written without waiting any longer. */
const GATHER_CHARS = 64 * 1024;

/**
 * The machine-readable interface. Chat lines are gathered and written together (see
 * `util/coalesce.ts`): a busy room's lines take a few writes rather than one each. Any other
 * event is written at once, after the lines before it, and what is gathered is written before
 * rt exits.
 */
export class JsonUi implements ChatUi, Flushable {
  readonly #inputs = new AsyncQueue<UserInput>();
  readonly #write: (line: string) => void;
  #outputGone = false;
  /** Chat lines gathered, not written yet, and their length. */
  #gathered: string[] = [];
  #gatheredLength = 0;
  flushedAt = -Infinity;
  flushedBefore = -Infinity;

  constructor(
    options: { input?: ReadableStream<Uint8Array>; write?: (line: string) => void } = {},
  ) {
    const encoder = new TextEncoder();
    this.#write = options.write ?? ((line) => writeAllSync(encoder.encode(line + "\n")));
    void readLines(options.input ?? Deno.stdin.readable, this.#inputs);
    globalThis.addEventListener("unload", () => this.flush());
  }

  show(event: ChatEvent): void {
    if (this.#outputGone) return;
    const line = JSON.stringify(event);
    this.#gathered.push(line);
    this.#gatheredLength += line.length;
    // A flood of long lines is written as it comes, not held until the timer runs (late, when
    // the event loop is that busy) with everything it said in memory meanwhile.
    if (event.type !== "message" || this.#gatheredLength >= GATHER_CHARS) this.flush();
    else if (this.#gathered.length === 1) flushSoon(this);
  }

  /** Writes the events gathered. */
  flush(): void {
    flushed(this);
    if (this.#gathered.length === 0 || this.#outputGone) return;
    const lines = this.#gathered.join("\n");
    this.#gathered = [];
    this.#gatheredLength = 0;
    try {
      this.#write(lines);
    } catch (error) {
      // Whoever read our output went away (a closed pipe): nobody is listening, so leave.
      if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
      this.#outputGone = true;
      this.#inputs.push({ kind: "end" });
    }
  }

  ask(question: Question): Promise<UserInput> {
    this.show({
      type: "prompt",
      for: question.for,
      ...(question.triesLeft === undefined ? {} : { triesLeft: question.triesLeft }),
      ...(question.suggested === undefined ? {} : { suggested: question.suggested }),
    });
    return this.#inputs.next().then((input) => input ?? { kind: "end" });
  }

  async next(): Promise<UserInput> {
    return (await this.#inputs.next()) ?? { kind: "end" };
  }

  setPrompt(): void {}

  configure(): void {}

  interrupt(): void {
    this.#inputs.push({ kind: "interrupt" });
  }

  /** Progress goes out as events in JSON: nothing to draw. */
  status(): void {}

  close(): void {
    this.flush();
  }
}

function writeAllSync(bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.length) offset += Deno.stdout.writeSync(bytes.subarray(offset));
}

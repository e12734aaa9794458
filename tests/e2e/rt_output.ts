/**
 * What a running `rt` prints, as a test sees it: the JSON events of `--json` read line by line
 * as they come (a line may arrive in pieces), the other lines, stderr, and the exit. Waits are
 * woken by the output (never by polling) and end at a deadline, or when the output ends first,
 * with everything seen so far in the failure message. `rt_driver.ts` feeds it a real process.
 *
 * @module
 */
import type { ChatEvent } from "../../lib/events.ts";

/** How long a wait lasts by default. Generous: it only matters when a test fails. */
export const DEFAULT_TIMEOUT_MS = 15_000;

/** The exit of a process. */
export interface Exit {
  code: number;
  signal: Deno.Signal | null;
}

/** A process's output streams and its exit. */
export interface Streams {
  stdout: ReadableStream<Uint8Array>;
  stderr: ReadableStream<Uint8Array>;
  status: Promise<Exit>;
}

/** How much of the output to keep, and what to do with each event. */
export interface OutputOptions {
  /** Keep stdout as text, for `stdout` and `waitForText` (default: true). */
  keepStdout?: boolean;
  /** Keep only the last this many characters of stderr (default: all). */
  stderrTail?: number;
  /** Called with each event as it is read, in order (e.g. to stamp when). */
  onEvent?: (event: ChatEvent) => void;
  /** Failure messages list the last this many events (default: all). */
  describeLast?: number;
}

/** Where a wait for events starts and when it gives up. */
export interface WaitOptions {
  timeoutMs?: number;
  /** What is awaited, for the failure message (default: the predicate's source). */
  what?: string;
  /** The first event index to look at (default 0). */
  since?: number;
  /** How many matching events to wait for (default 1). */
  count?: number;
  /** An event that ends the wait with a failure when it comes first. */
  fail?: (event: ChatEvent) => boolean;
}

type Probe<T> = () => { value: T } | { failed: string } | undefined;

/** The event on a line of rt's `--json` output; `undefined` when the line is not JSON. */
function parseEvent(line: string): ChatEvent | undefined {
  try {
    return JSON.parse(line);
  } catch {
    return undefined;
  }
}

/** The output of one process, read from its streams. */
export class RtOutput {
  readonly label: string;
  /** Every JSON event printed so far, in order. */
  readonly events: ChatEvent[] = [];
  /** Lines of stdout that were not JSON events (all of them without `--json`). */
  readonly nonJson: string[] = [];
  /** Resolves once stdout and stderr have both ended. */
  readonly outputEnded: Promise<void>;
  readonly #options: OutputOptions;
  #stdout = "";
  #stderr = "";
  #stdoutDone = false;
  #exit: Exit | null = null;
  readonly #listeners = new Set<() => void>();

  constructor(label: string, streams: Streams, options: OutputOptions = {}) {
    this.label = label;
    this.#options = options;
    this.outputEnded = Promise.all([
      this.#readStdout(streams.stdout),
      this.#readStderr(streams.stderr),
    ]).then(() => {});
    streams.status.then((exit) => {
      this.#exit = exit;
      this.#notify();
    });
  }

  async #readStdout(stdout: ReadableStream<Uint8Array>): Promise<void> {
    const keep = this.#options.keepStdout ?? true;
    let pending = "";
    for await (const chunk of stdout.pipeThrough(new TextDecoderStream())) {
      if (keep) this.#stdout += chunk;
      let start = 0, newline: number;
      while ((newline = chunk.indexOf("\n", start)) >= 0) {
        this.#take(pending + chunk.slice(start, newline));
        pending = "";
        start = newline + 1;
      }
      pending += chunk.slice(start);
      this.#notify();
    }
    this.#take(pending);
    this.#stdoutDone = true;
    this.#notify();
  }

  #take(line: string): void {
    if (line.trim() === "") return;
    const event = line.startsWith("{") ? parseEvent(line) : undefined;
    if (event === undefined) {
      this.nonJson.push(line);
      return;
    }
    this.events.push(event);
    this.#options.onEvent?.(event);
  }

  async #readStderr(stderr: ReadableStream<Uint8Array>): Promise<void> {
    const tail = this.#options.stderrTail;
    for await (const text of stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr += text;
      if (tail !== undefined) this.#stderr = this.#stderr.slice(-tail);
    }
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Everything the process wrote on stdout so far, as text (with `keepStdout`). */
  get stdout(): string {
    return this.#stdout;
  }

  /** What the process wrote on stderr so far. */
  get stderr(): string {
    return this.#stderr;
  }

  /** The exit, once the process has exited; `null` while it runs. */
  get exited(): Exit | null {
    return this.#exit;
  }

  /** The events (and the rest) for a failure message. */
  describe(): string {
    const last = this.#options.describeLast ?? this.events.length;
    const from = Math.max(0, this.events.length - last);
    const lines = this.events.slice(from).map((e, i) => `  ${from + i}: ${JSON.stringify(e)}`);
    const parts = [
      `[${this.label}] events seen (${this.events.length}${from > 0 ? `, the last ${last}` : ""}):`,
      ...(lines.length > 0 ? lines : ["  (none)"]),
    ];
    if (this.nonJson.length > 0) {
      parts.push(`[${this.label}] non-JSON stdout:`, ...this.nonJson.map((l) => `  ${l}`));
    }
    if (this.#stderr.trim() !== "") {
      const lines = this.#stderr.trimEnd().split("\n").map((l) => `  ${l}`);
      parts.push(`[${this.label}] stderr:`, ...lines);
    }
    const exit = this.#exit;
    parts.push(
      `[${this.label}] ${
        exit ? `exited with code ${exit.code} (signal ${exit.signal})` : "running"
      }`,
    );
    return parts.join("\n");
  }

  /**
   * Runs `probe` now and after each piece of output until it gives a value; fails with
   * everything seen when the time runs out, the output ends first, or the probe fails.
   */
  #until<T>(probe: Probe<T>, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const finish = (result: { value: T } | Error) => {
        this.#listeners.delete(check);
        clearTimeout(timer);
        if (result instanceof Error) reject(result);
        else resolve(result.value);
      };
      const fail = (why: string) =>
        finish(new Error(`[${this.label}] ${why} while waiting for ${what}\n${this.describe()}`));
      const check = () => {
        const result = probe();
        if (result === undefined) {
          if (this.#stdoutDone) fail("output ended");
        } else if ("failed" in result) fail(result.failed);
        else finish(result);
      };
      // Declared before the first `check()`, which may finish (and clear it) at once.
      const timer = setTimeout(() => fail(`nothing matched within ${timeoutMs} ms`), timeoutMs);
      this.#listeners.add(check);
      check();
    });
  }

  /**
   * Waits for `count` events (default 1) at index `since` or later that pass `predicate`;
   * resolves with the index of the last of them. Each event is looked at once.
   */
  waitForIndex(
    predicate: (event: ChatEvent) => boolean,
    options: WaitOptions = {},
  ): Promise<number> {
    const since = options.since ?? 0, count = options.count ?? 1;
    let i = since, found = 0;
    const probe: Probe<number> = () => {
      for (; i < this.events.length; i++) {
        const event = this.events[i]!;
        if (predicate(event) && ++found === count) return { value: i };
        if (options.fail?.(event)) return { failed: `got ${JSON.stringify(event)}` };
      }
      return undefined;
    };
    const what = `${count > 1 ? `${count} × ` : ""}${options.what ?? predicate.toString()}${
      since > 0 ? ` (from event ${since})` : ""
    }`;
    return this.#until(probe, options.timeoutMs ?? DEFAULT_TIMEOUT_MS, what);
  }

  /** As {@link waitForIndex}, resolving with the event. */
  async waitFor(
    predicate: (event: ChatEvent) => boolean,
    timeoutMs: number = DEFAULT_TIMEOUT_MS,
    options: Omit<WaitOptions, "timeoutMs"> = {},
  ): Promise<ChatEvent> {
    return this.events[await this.waitForIndex(predicate, { ...options, timeoutMs })]!;
  }

  /** Events of one type seen so far. */
  all<T extends ChatEvent["type"]>(type: T): Extract<ChatEvent, { type: T }>[] {
    return this.events.filter((e): e is Extract<ChatEvent, { type: T }> => e.type === type);
  }

  /** Waits for the next event of `type` (at `since` or later) that passes `match`. */
  async next<T extends ChatEvent["type"]>(
    type: T,
    match: (event: Extract<ChatEvent, { type: T }>) => boolean = () => true,
    options: WaitOptions = {},
  ): Promise<Extract<ChatEvent, { type: T }>> {
    const event = await this.waitFor(
      (e) => e.type === type && match(e as Extract<ChatEvent, { type: T }>),
      options.timeoutMs,
      {
        ...options,
        what: options.what ?? `a "${type}" event${match.length > 0 ? ` where ${match}` : ""}`,
      },
    );
    return event as Extract<ChatEvent, { type: T }>;
  }

  /** Waits until `text` appears on stdout (with `keepStdout`). */
  waitForText(text: string, timeoutMs: number = DEFAULT_TIMEOUT_MS): Promise<void> {
    const probe = () => this.#stdout.includes(text) ? { value: undefined } : undefined;
    return this.#until(probe, timeoutMs, `${JSON.stringify(text)} on stdout`);
  }
}

/**
 * The real `rt` program (`main.ts --json`) in its own process, as users run it: with the
 * permission flags of the executable (the e2e harness's `RUN_FLAGS`), JSON events read from stdout, lines typed on stdin. Smaller than the e2e harness's
 * `RtProcess`: the benchmark may not read the environment (no --allow-env), so the child
 * inherits it, with rt's own variables overridden.
 *
 * @module
 */
import type { ChatEvent } from "../lib/tui/events.ts";
import { RUN_FLAGS } from "../tests/e2e/harness.ts";
import { readLines } from "./lines.ts";

const STOP_TIMEOUT_MS = 5_000;
const encoder = new TextEncoder();

/** One event, stamped with when this process read it (`performance.now()`). */
export interface Stamped {
  at: number;
  event: ChatEvent;
}

/** A running `rt --json`. */
export class RtProcess {
  readonly label: string;
  /** rt's folder (`RT_HOME`); received files land in `downloads` inside it. */
  readonly home: string;
  readonly events: Stamped[] = [];
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #reading: Promise<void>;
  readonly #stderrDone: Promise<void>;
  #stderr = "";
  #ended = false;
  readonly #listeners = new Set<() => void>();

  /** Starts `rt --json ARGS` with `password` as RT_PASSWORD and `home` as RT_HOME. */
  constructor(label: string, args: string[], password: string, home: string) {
    this.label = label;
    this.home = home;
    // "deno" rather than Deno.execPath(), to match `--allow-run=deno` in deno.json.
    this.#child = new Deno.Command("deno", {
      args: ["run", ...RUN_FLAGS, "main.ts", "--json", ...args],
      cwd: new URL("..", import.meta.url).pathname,
      // Overrides only: the rest of the environment is inherited (Deno needs HOME, PATH...).
      env: { RT_HOME: home, RT_PASSWORD: password, RT_PROXY: "", NO_COLOR: "1" },
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#reading = this.#read();
    this.#stderrDone = this.#readStderr();
  }

  /** Keeps the end of stderr, for failure messages. */
  async #readStderr(): Promise<void> {
    for await (const text of this.#child.stderr.pipeThrough(new TextDecoderStream())) {
      this.#stderr = (this.#stderr + text).slice(-4000);
    }
  }

  async #read(): Promise<void> {
    for await (const line of readLines(this.#child.stdout)) {
      let event: ChatEvent;
      try {
        event = JSON.parse(line);
      } catch {
        continue;
      }
      this.events.push({ at: performance.now(), event });
      for (const listener of [...this.#listeners]) listener();
    }
    this.#ended = true;
    for (const listener of [...this.#listeners]) listener();
  }

  /**
   * The first event at index `since` or later of `type` that passes `match`, with when it was
   * read. Rejects after `timeoutMs`, when the output ends first, or when `fail` matches an
   * event first (e.g. a `file-stopped`).
   */
  next<T extends ChatEvent["type"]>(
    type: T,
    options: {
      since?: number;
      timeoutMs: number;
      match?: (event: Extract<ChatEvent, { type: T }>) => boolean;
      fail?: (event: ChatEvent) => boolean;
    },
  ): Promise<{ at: number; event: Extract<ChatEvent, { type: T }> }> {
    let i = options.since ?? 0;
    return new Promise((resolve, reject) => {
      const finish = (error: Error | null, found?: Stamped) => {
        this.#listeners.delete(check);
        clearTimeout(timer);
        if (error) reject(error);
        else resolve(found as { at: number; event: Extract<ChatEvent, { type: T }> });
      };
      const check = () => {
        for (; i < this.events.length; i++) {
          const stamped = this.events[i]!;
          const e = stamped.event;
          if (e.type === type && (options.match?.(e as Extract<ChatEvent, { type: T }>) ?? true)) {
            return finish(null, stamped);
          }
          if (options.fail?.(e)) return finish(this.#error(`got ${JSON.stringify(e)}`));
        }
        if (this.#ended) finish(this.#error(`output ended before a "${type}" event`));
      };
      const timer = setTimeout(
        () => finish(this.#error(`no "${type}" event within ${options.timeoutMs} ms`)),
        options.timeoutMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  #error(text: string): Error {
    const last = this.events.slice(-5).map((s) => `  ${JSON.stringify(s.event)}`);
    const stderr = this.#stderr.trim() === "" ? "" : `\nstderr:\n${this.#stderr.trimEnd()}`;
    return new Error(`[rt ${this.label}] ${text}; last events:\n${last.join("\n")}${stderr}`);
  }

  /** Types one line. */
  async type(line: string): Promise<void> {
    await this.#stdin.write(encoder.encode(line + "\n"));
  }

  /** Ends input (a joiner leaves, the host closes the room); kills it if it lingers. */
  async stop(): Promise<void> {
    try {
      await this.#stdin.close();
    } catch {
      // Gone already.
    }
    const killer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited in between.
      }
    }, STOP_TIMEOUT_MS);
    await this.#child.status;
    clearTimeout(killer);
    await Promise.all([this.#reading, this.#stderrDone]);
  }
}

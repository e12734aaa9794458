/**
 * The real `rt` program (`main.ts --json`) in its own process, as users run it: started and
 * driven as the e2e tests do (`tests/e2e/rt_launch.ts`, `tests/e2e/rt_driver.ts`), each event
 * stamped with when it was read. The benchmark may not read the environment (no --allow-env),
 * so the child inherits it, with rt's own variables set.
 *
 * @module
 */
import type { ChatEvent } from "../lib/events.ts";
import { RtDriver } from "../tests/e2e/rt_driver.ts";
import { rtCommand, rtEnv } from "../tests/e2e/rt_launch.ts";

const STOP_TIMEOUT_MS = 5_000;

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
  /** Every event so far, in order (the same indices as the driver's). */
  readonly events: Stamped[] = [];
  readonly #rt: RtDriver;

  /** Starts `rt --json ARGS` with `password` as RT_PASSWORD and `home` as RT_HOME. */
  constructor(label: string, args: string[], password: string, home: string) {
    this.label = label;
    this.home = home;
    this.#rt = new RtDriver({
      label: `rt ${label}`,
      // "deno" rather than Deno.execPath(), to match `--allow-run=deno` in deno.json.
      command: [...rtCommand({ deno: "deno" }), "--json", ...args],
      ...rtEnv({ home, password, inherit: true }),
      keepStdout: false,
      stderrTail: 4000,
      describeLast: 5,
      onEvent: (event) => this.events.push({ at: performance.now(), event }),
    });
  }

  /** The process id. */
  get pid(): number {
    return this.#rt.pid;
  }

  /**
   * The first event at index `since` or later of `type` that passes `match`, with when it was
   * read. Rejects after `timeoutMs`, when the output ends first, or when `fail` matches an
   * event first (e.g. a `file-stopped`).
   */
  async next<T extends ChatEvent["type"]>(
    type: T,
    options: {
      since?: number;
      timeoutMs: number;
      match?: (event: Extract<ChatEvent, { type: T }>) => boolean;
      fail?: (event: ChatEvent) => boolean;
    },
  ): Promise<{ at: number; event: Extract<ChatEvent, { type: T }> }> {
    const { since, timeoutMs, match, fail } = options;
    const index = await this.#rt.waitForIndex(
      (e) => e.type === type && (match?.(e as Extract<ChatEvent, { type: T }>) ?? true),
      { since, timeoutMs, fail, what: `a "${type}" event` },
    );
    return this.events[index] as { at: number; event: Extract<ChatEvent, { type: T }> };
  }

  /** Types one line. */
  type(line: string): Promise<void> {
    return this.#rt.type(line);
  }

  /** Ends input (a joiner leaves, the host closes the room); kills it if it lingers. */
  async stop(): Promise<void> {
    await this.#rt.closeStdin();
    await this.#rt.settle(STOP_TIMEOUT_MS);
  }
}

/**
 * The runner's side of one load process (`load_worker.ts`): starts it, sends it commands and
 * waits for what it says (`load_protocol.ts`).
 *
 * @module
 */
import { readLines } from "./lines.ts";
import type { WorkerCommand, WorkerEvent } from "./load_protocol.ts";

const START_TIMEOUT_MS = 30_000;
const EXIT_TIMEOUT_MS = 15_000;
const encoder = new TextEncoder();

/** One running load process. */
export class LoadProcess {
  readonly #child: Deno.ChildProcess;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;
  readonly #events: WorkerEvent[] = [];
  readonly #waiters = new Set<() => void>();
  readonly #reading: Promise<void>;
  #ended = false;
  /** Called at once with each `late` event (the runner stops the step everywhere). */
  onLate: (event: Extract<WorkerEvent, { t: "late" }>) => void = () => {};

  private constructor() {
    const script = new URL("./load_worker.ts", import.meta.url).pathname;
    // "deno" rather than Deno.execPath(), to match `--allow-run=deno` in deno.json.
    this.#child = new Deno.Command("deno", {
      args: ["run", "--quiet", "--cached-only", "--allow-net=127.0.0.1", script],
      cwd: new URL("..", import.meta.url),
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#stdin = this.#child.stdin.getWriter();
    this.#reading = this.#read();
  }

  /** Starts a load process and waits until it is ready. */
  static async start(): Promise<LoadProcess> {
    const process = new LoadProcess();
    await process.next("ready", START_TIMEOUT_MS);
    return process;
  }

  async #read(): Promise<void> {
    for await (const line of readLines(this.#child.stdout)) {
      const event = JSON.parse(line) as WorkerEvent;
      if (event.t === "late") this.onLate(event);
      else this.#events.push(event);
      for (const wake of [...this.#waiters]) wake();
    }
    this.#ended = true;
    for (const wake of [...this.#waiters]) wake();
  }

  /** Sends a command. */
  async send(command: WorkerCommand): Promise<void> {
    await this.#stdin.write(encoder.encode(JSON.stringify(command) + "\n"));
  }

  /**
   * Takes the first unclaimed event of type `t` (for `step`, when it has one); rejects on an
   * `error` event, when the process ends first, or after `timeoutMs`.
   */
  next<T extends WorkerEvent["t"]>(
    t: T,
    timeoutMs: number,
    step?: number,
  ): Promise<Extract<WorkerEvent, { t: T }>> {
    return new Promise((resolve, reject) => {
      const finish = (outcome: () => void) => {
        this.#waiters.delete(check);
        clearTimeout(timer);
        outcome();
      };
      const check = () => {
        const error = this.#events.find((e) => e.t === "error");
        if (error?.t === "error") {
          return finish(() => reject(new Error(`load process: ${error.message}`)));
        }
        const i = this.#events.findIndex((e) =>
          e.t === t && (step === undefined || !("step" in e) || e.step === step)
        );
        if (i >= 0) {
          const [event] = this.#events.splice(i, 1);
          return finish(() => resolve(event as Extract<WorkerEvent, { t: T }>));
        }
        if (this.#ended) finish(() => reject(new Error(`load process ended before "${t}"`)));
      };
      const timer = setTimeout(
        () => finish(() => reject(new Error(`load process: no "${t}" within ${timeoutMs} ms`))),
        timeoutMs,
      );
      this.#waiters.add(check);
      check();
    });
  }

  /** Asks it to close its members and exit; kills it if it lingers. */
  async close(): Promise<void> {
    try {
      await this.send({ t: "close" });
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
    }, EXIT_TIMEOUT_MS);
    await this.#child.status;
    clearTimeout(killer);
    await this.#reading;
  }
}

/**
 * Being told to stop: Ctrl+C (SIGINT), SIGTERM, or the terminal closing (SIGHUP). Whatever rt
 * is doing when one arrives ends within a moment. Before a room (a prompt, connecting, waiting
 * for the host) rt gives up what it was doing and exits with 128 + the signal's number (130,
 * 143, 129); in a room it leaves as `/quit` does (the host closes the room, telling everyone)
 * and exits 0. A prompt cancelled from the keyboard (Ctrl+C or Ctrl+D typed at it) exits 130.
 *
 * @module
 */

/** The signals that end rt. */
export type StopSignal = "SIGINT" | "SIGTERM" | "SIGHUP";

/** Every signal that ends rt. */
export const STOP_SIGNALS: readonly StopSignal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

const SIGNAL_NUMBERS: Record<StopSignal, number> = { SIGHUP: 1, SIGINT: 2, SIGTERM: 15 };

/** Exit status of a prompt cancelled (Ctrl+C or Ctrl+D at it), as after SIGINT. */
export const EXIT_CANCELLED = 130;

/** The exit status after `signal` stopped rt before a room: 128 + its number. */
export function signalStatus(signal: StopSignal): number {
  return 128 + SIGNAL_NUMBERS[signal];
}

/** Thrown by {@link Stop.race} once rt was told to stop. */
export class Stopped extends Error {
  constructor(readonly signal: StopSignal) {
    super(`Stopped by ${signal}`);
    this.name = "Stopped";
  }
}

/** Whether rt was told to stop, and by what; the stages of rt listen to it. */
export class Stop {
  readonly #controller = new AbortController();
  #by: StopSignal | null = null;

  /** The signal that stopped rt, or `null` while it runs on. */
  get by(): StopSignal | null {
    return this.#by;
  }

  /** Aborted when rt is told to stop. */
  get signal(): AbortSignal {
    return this.#controller.signal;
  }

  /** Tells every stage to stop (the first signal counts; later ones change nothing). */
  stop(by: StopSignal): void {
    if (this.#by !== null) return;
    this.#by = by;
    this.#controller.abort(new Stopped(by));
  }

  /**
   * The exit status of a stage that ended before the room: 128 + the signal's number when a
   * signal stopped rt, else 130 (a prompt cancelled from the keyboard).
   */
  cancelledStatus(): number {
    return this.#by === null ? EXIT_CANCELLED : signalStatus(this.#by);
  }

  /** Runs `fn` when rt is told to stop, at once if it was already; returns how to stop waiting. */
  onStop(fn: () => void): () => void {
    if (this.#by !== null) {
      fn();
      return () => {};
    }
    const listener = () => fn();
    this.signal.addEventListener("abort", listener, { once: true });
    return () => this.signal.removeEventListener("abort", listener);
  }

  /**
   * `work`'s result, or a {@link Stopped} rejection as soon as rt is told to stop. What `work`
   * yields after that goes to `late` (to close a connection that opened too late).
   */
  race<T>(work: Promise<T>, late?: (value: T) => void): Promise<T> {
    if (this.#by !== null) {
      work.then((value) => late?.(value), () => {});
      return Promise.reject(new Stopped(this.#by));
    }
    return new Promise<T>((resolve, reject) => {
      const forget = this.onStop(() => {
        work.then((value) => late?.(value), () => {});
        reject(new Stopped(this.#by!));
      });
      work.then(
        (value) => {
          forget();
          resolve(value);
        },
        (error) => {
          forget();
          reject(error);
        },
      );
    });
  }
}

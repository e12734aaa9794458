/**
 * What the chat needs from a user interface: show events, ask questions, read what is typed.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";

/** One thing the user did. */
export type UserInput =
  | { kind: "line"; text: string }
  /** End of input: Ctrl+D on an empty line, or stdin closed. */
  | { kind: "end" }
  /** Ctrl+C, SIGINT or SIGTERM. */
  | { kind: "interrupt" };

/** A question for the user. */
export interface Question {
  for: "password" | "name";
  /** The words before the cursor, e.g. `Password: `. */
  prompt: string;
  /** Do not echo the answer. */
  hidden: boolean;
  /** For passwords: tries left on this connection. */
  triesLeft?: number;
  /** For names: what an empty answer stands for (shown in the prompt). */
  suggested?: string;
}

/** A user interface the chat runs on. */
export interface ChatUi {
  /** Shows one event. */
  show(event: ChatEvent): void;
  /** Asks one question; the answer arrives as a `line`, or `end`/`interrupt`. */
  ask(question: Question): Promise<UserInput>;
  /** The next chat input. */
  next(): Promise<UserInput>;
  /** The prompt shown before chat input. */
  setPrompt(prompt: string): void;
  /** Turns a display setting on or off. */
  configure(setting: "timestamps" | "bell", on: boolean): void;
  /** Delivers an interrupt (from a signal) to whoever is waiting for input. */
  interrupt(): void;
  /**
   * Lines kept just above the input line (progress bars); replaces the previous ones; [] removes
   * them.
   */
  status(lines: string[]): void;
  /** Releases the terminal. */
  close(): void;
}

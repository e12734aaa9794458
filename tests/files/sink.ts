/** What an incoming transfer reports, kept for the tests to look at (see `IncomingSink`). */
import type { IncomingSink } from "../../lib/files/incoming.ts";
import type { OfferedFileInfo } from "../../lib/files/wire.ts";

/** What the sink heard, in order. */
export class Sink implements IncomingSink {
  acks: number[] = [];
  placed: { file: OfferedFileInfo; path: string; hash: Uint8Array }[] = [];
  completed = false;
  failure: { code: "corrupt" | "failed"; reason: string } | null = null;
  readonly ended: Promise<void>;
  #end!: () => void;
  /** Called at each acknowledgement, before it is recorded. */
  onWritten: (bytes: number) => void = () => {};

  constructor() {
    this.ended = new Promise((resolve) => this.#end = resolve);
  }

  written(bytes: number): void {
    this.onWritten(bytes);
    this.acks.push(bytes);
  }
  saved(file: OfferedFileInfo, path: string, hash: Uint8Array): void {
    this.placed.push({ file, path, hash });
  }
  complete(): void {
    this.completed = true;
    this.#end();
  }
  failed(code: "corrupt" | "failed", reason: string): void {
    this.failure = { code, reason };
    this.#end();
  }
}

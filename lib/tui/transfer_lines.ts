/**
 * Transfers' progress as status lines: a bar per transfer moving, gone once it ends, and a line
 * while files are hashed for an offer. Pure: follows the events shown; the width is passed in.
 *
 * @module
 */
import type { ChatEvent } from "../events.ts";
import { renderProgress, type TransferProgress } from "./progress.ts";
import { renderPreparing } from "./render_files.ts";
import type { Style } from "./style.ts";

/** The progress of the transfers moving, by their events. */
export class TransferLines {
  readonly #style: Style;
  /** Files being hashed for an offer: one line, while it lasts. */
  #preparing: string | null = null;
  /** Transfers moving, by id: one progress line each. */
  readonly #transfers = new Map<number, TransferProgress>();

  constructor(style: Style) {
    this.#style = style;
  }

  /** Takes in an event; whether the lines changed (they are then to be drawn again). */
  take(event: ChatEvent): boolean {
    if (event.type === "file-preparing") {
      this.#preparing = renderPreparing(event, this.#style);
    } else if (event.type === "file-progress") {
      const { id, direction, peer, name, done, total, bytesPerSecond } = event;
      this.#transfers.set(id, { id, direction, peer, name, done, total, bytesPerSecond });
    } else if (event.type === "file-done" || event.type === "file-stopped") {
      return this.#transfers.delete(event.id);
    } else return false;
    return true;
  }

  /** The lines, `columns` wide: the transfers' bars, then the hashing. */
  lines(columns: number): string[] {
    const bars = [...this.#transfers.values()].map((p) => renderProgress(p, columns, this.#style));
    return this.#preparing === null ? bars : [...bars, this.#preparing];
  }
}

/** Whether an event only moves a status line (it prints nothing in the chat). */
export function isProgressOnly(event: ChatEvent): boolean {
  return event.type === "file-progress" || event.type === "file-preparing";
}

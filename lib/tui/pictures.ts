/**
 * Received pictures drawn in the chat, in terminals that can draw them: the escape sequence is
 * made by a worker (`picture_worker.ts`), one picture at a time and a few per transfer.
 *
 * @module
 */
import { Serial, withTimeout } from "../util/mod.ts";
import { detectImageProtocol, type ImageProtocol } from "./inline_image.ts";
import { PICTURE_WORKER_URL } from "./picture_worker.ts";

/** Most terminal columns and rows a received picture takes. */
const PICTURE_COLUMNS = 60;
const PICTURE_ROWS = 16;
/** Pictures drawn of one transfer, at most. */
export const PICTURES_PER_TRANSFER = 5;
/** A picture not drawn by then is given up. */
const PICTURE_TIMEOUT_MS = 30_000;

/** The terminal's picture protocol, from the environment (none when it cannot be read). */
export function imageProtocol(): ImageProtocol | null {
  return detectImageProtocol((name) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined;
    }
  });
}

/**
 * The escape sequence that draws the picture at `path` at most `columns` wide (and 60), made by
 * a worker; `null` when it cannot be drawn, or not within 30 seconds.
 */
export async function drawPicture(
  path: string,
  protocol: ImageProtocol,
  columns: number,
): Promise<string | null> {
  const worker = new Worker(PICTURE_WORKER_URL, { type: "module" });
  const answer = new Promise<string | null>((resolve) => {
    worker.onmessage = (event) => resolve(typeof event.data === "string" ? event.data : null);
    worker.onerror = (event) => {
      event.preventDefault();
      resolve(null);
    };
  });
  worker.postMessage({
    path,
    protocol,
    columns: Math.min(columns, PICTURE_COLUMNS),
    maxRows: PICTURE_ROWS,
  });
  try {
    return await withTimeout(answer, PICTURE_TIMEOUT_MS, () => new Error("too slow"));
  } catch {
    return null;
  } finally {
    worker.terminate();
  }
}

/**
 * The pictures to draw, one after the other, and at most five of each transfer: a folder of a
 * thousand photos is not drawn. `draw` draws one (and does not reject).
 */
export class PictureQueue {
  readonly #draw: (path: string) => Promise<void>;
  readonly #serial = new Serial();
  /** Pictures taken, by transfer. */
  readonly #taken = new Map<number, number>();

  constructor(draw: (path: string) => Promise<void>) {
    this.#draw = draw;
  }

  /** A picture saved by transfer `id`: drawn after the ones before, unless five were already. */
  offer(id: number, path: string): void {
    const taken = this.#taken.get(id) ?? 0;
    if (taken >= PICTURES_PER_TRANSFER) return;
    this.#taken.set(id, taken + 1);
    // `draw` does not fail: a rejection would be a bug, left unhandled to surface as one.
    void this.#serial.run(() => this.#draw(path));
  }

  /** Resolves once every picture offered so far is drawn (or given up). */
  get idle(): Promise<void> {
    return this.#serial.idle;
  }
}

/**
 * Draws a received picture off the main thread: decoding a large JPEG takes seconds of CPU, and
 * the chat (and any transfer) must not wait for it. Receives `{ path, protocol, columns,
 * maxRows }`, answers with the escape sequence, or `null`.
 *
 * The main thread imports this module too, for {@link PICTURE_WORKER_URL}: that puts it in rt's
 * module graph, so `deno install`, `deno compile` and a JSR run fetch it with everything else,
 * and the first picture never needs the network.
 *
 * @module
 */
import { workerScope } from "../util/mod.ts";
import { type ImageProtocol, inlineImage } from "./inline_image.ts";

/** Where this module is: what `new Worker` loads. */
export const PICTURE_WORKER_URL: string = import.meta.url;

// Only inside a worker: imported on the main thread, this module does nothing.
const scope = workerScope();
if (scope) {
  scope.onmessage = async (event: MessageEvent) => {
    const { path, protocol, columns, maxRows } = event.data as {
      path: string;
      protocol: ImageProtocol;
      columns: number;
      maxRows: number;
    };
    scope.postMessage(await inlineImage(path, protocol, { columns, maxRows }).catch(() => null));
  };
}

/**
 * Draws a received picture off the main thread: decoding a large JPEG takes seconds of CPU, and
 * the chat (and any transfer) must not wait for it. Receives `{ path, protocol, columns,
 * maxRows }`, answers with the escape sequence, or `null`.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import { type ImageProtocol, inlineImage } from "./inline_image.ts";

self.onmessage = async (event: MessageEvent) => {
  const { path, protocol, columns, maxRows } = event.data as {
    path: string;
    protocol: ImageProtocol;
    columns: number;
    maxRows: number;
  };
  self.postMessage(await inlineImage(path, protocol, { columns, maxRows }).catch(() => null));
};

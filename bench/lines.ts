/**
 * Text lines from a byte stream: how the runner and the host process talk over stdio.
 *
 * @module
 */

/** The non-empty lines of `stream`, without their line ends. */
export async function* readLines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  let rest = "";
  for await (const text of stream.pipeThrough(new TextDecoderStream())) {
    const parts = (rest + text).split("\n");
    rest = parts.pop()!;
    yield* parts.filter((line) => line.length > 0);
  }
  if (rest.length > 0) yield rest;
}

/**
 * Reads the files out of a tar archive (the ustar layout npm packages use). Just enough for
 * rt's IP database updates: regular files, names with their prefix, sizes in octal.
 *
 * @module
 */
import { concatAll } from "../util/mod.ts";

/** One regular file of an archive. */
export interface TarEntry {
  name: string;
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function field(header: Uint8Array, offset: number, length: number): string {
  const bytes = header.subarray(offset, offset + length);
  const end = bytes.indexOf(0);
  return decoder.decode(end === -1 ? bytes : bytes.subarray(0, end));
}

/** The regular files in `archive`; throws `RangeError` on a malformed archive. */
export function readTar(archive: Uint8Array): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  while (offset + BLOCK <= archive.length) {
    const header = archive.subarray(offset, offset + BLOCK);
    if (header.every((b) => b === 0)) break;
    const sizeText = field(header, 124, 12).trim();
    if (!/^[0-7]*$/.test(sizeText)) throw new RangeError("Malformed tar header");
    const size = parseInt(sizeText || "0", 8);
    const type = String.fromCharCode(header[156]!);
    const prefix = field(header, 345, 155);
    const name = (prefix ? `${prefix}/` : "") + field(header, 0, 100);
    const start = offset + BLOCK;
    if (start + size > archive.length) throw new RangeError("Truncated tar archive");
    if (type === "0" || type === "\0") {
      entries.push({ name, data: archive.subarray(start, start + size) });
    }
    offset = start + Math.ceil(size / BLOCK) * BLOCK;
  }
  return entries;
}

/** What {@link gunzip} throws when the unpacked bytes would pass its cap. */
export class TooLargeError extends RangeError {
  constructor(readonly maxBytes: number) {
    super(`Unpacks to more than ${maxBytes} bytes`);
    this.name = "TooLargeError";
  }
}

/**
 * Gunzips bytes with the platform's decompressor, giving up (with {@link TooLargeError}) as
 * soon as more than `maxBytes` come out: a few kilobytes can unpack to gigabytes.
 */
export async function gunzip(
  bytes: Uint8Array,
  maxBytes: number = Number.MAX_SAFE_INTEGER,
): Promise<Uint8Array> {
  const reader = new Blob([bytes as BlobPart]).stream()
    .pipeThrough(new DecompressionStream("gzip"))
    .getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  while (true) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw new TooLargeError(maxBytes);
    }
    chunks.push(value);
  }
  return concatAll(chunks);
}

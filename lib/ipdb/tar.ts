/**
 * Reads the files out of a tar archive (the ustar layout npm packages use). Just enough for
 * rt's IP database updates: regular files, names with their prefix, sizes in octal.
 *
 * @module
 */

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

/** Gunzips bytes with the platform's decompressor. */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as BlobPart]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

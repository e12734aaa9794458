/**
 * Reads the gzipped tarball `deno publish` uploads (GNU tar headers, written by Rust's `tar`
 * crate): the package's files by their path in the package, as JSR itself reads them.
 *
 * @module
 */

const BLOCK = 512;
const decoder = new TextDecoder();

/** One field of a header: NUL-terminated text. */
function text(header: Uint8Array, from: number, length: number): string {
  const field = header.subarray(from, from + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** A numeric field of a header: octal text, or GNU's base-256 for large values. */
function number(header: Uint8Array, from: number, length: number): number {
  const field = header.subarray(from, from + length);
  if ((field[0]! & 0x80) !== 0) {
    let value = field[0]! & 0x7f;
    for (const byte of field.subarray(1)) value = value * 256 + byte;
    return value;
  }
  const digits = text(header, from, length).trim();
  if (!/^[0-7]*$/.test(digits)) throw new Error(`Bad octal number in a tar header: ${digits}`);
  return digits === "" ? 0 : parseInt(digits, 8);
}

/** Whether the header's checksum is right (its bytes summed with the checksum field as spaces). */
function checksumOk(header: Uint8Array): boolean {
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : header[i]!;
  return sum === number(header, 148, 8);
}

/**
 * The regular files of an (uncompressed) tar archive, by path with a leading `/` and no `./`
 * (`./lib/x.ts` is `/lib/x.ts`). Fails on anything a publish tarball should not hold: a bad
 * checksum, a link, a device, a path with `..`, the same path twice, or a truncated archive.
 */
export function readTar(tar: Uint8Array): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  let offset = 0;
  let longName: string | null = null;
  while (true) {
    if (offset + BLOCK > tar.length) throw new Error("The tarball ends without its end marker");
    const header = tar.subarray(offset, offset + BLOCK);
    if (header.every((byte) => byte === 0)) return files;
    if (!checksumOk(header)) throw new Error(`Bad tar header checksum at byte ${offset}`);
    const size = number(header, 124, 12);
    const type = String.fromCharCode(header[156]!);
    const dataStart = offset + BLOCK;
    if (dataStart + size > tar.length) throw new Error("The tarball is truncated");
    const data = tar.subarray(dataStart, dataStart + size);
    offset = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "L") {
      // GNU long name: this entry's data is the next entry's path.
      longName = text(data, 0, data.length);
      continue;
    }
    const ustarPrefix = text(header, 257, 6) === "ustar" ? text(header, 345, 155) : "";
    const name = longName ?? (ustarPrefix ? `${ustarPrefix}/` : "") + text(header, 0, 100);
    longName = null;
    if (type === "5") continue;
    if (type !== "0" && type !== "\0") {
      throw new Error(`Unexpected tar entry type ${JSON.stringify(type)} for ${name}`);
    }
    const path = "/" + name.replace(/^\.?\//, "");
    if (path.split("/").includes("..")) throw new Error(`Tar entry leaves the package: ${name}`);
    if (files.has(path)) throw new Error(`Tar entry twice: ${path}`);
    files.set(path, data.slice());
  }
}

/** Gunzips `gzipped` and reads it with {@link readTar}. */
export async function readTarGz(gzipped: Uint8Array): Promise<Map<string, Uint8Array>> {
  const stream = new Blob([gzipped as Uint8Array<ArrayBuffer>]).stream()
    .pipeThrough(new DecompressionStream("gzip"));
  return readTar(new Uint8Array(await new Response(stream).arrayBuffer()));
}

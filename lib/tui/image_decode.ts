/**
 * Pictures from peers, checked before anything believes them: the structure of PNG, JPEG and GIF
 * files is walked with bounds checks, sizes are refused before any pixel memory is allocated
 * (no decompression bombs), and PNG and JPEG are decoded to rows of colour and scaled down.
 *
 * @module
 */
import { decode as decodePng } from "fast-png";
import { decode as decodeJpeg } from "jpeg-js";

/** Largest picture decoded or shown, in pixels. */
export const MAX_PIXELS = 40_000_000;
/** Largest decompressed PNG data accepted, in bytes (four bytes per pixel at `MAX_PIXELS`). */
export const MAX_RAW_BYTES = 4 * MAX_PIXELS;
/** Extra decompressed PNG data tolerated after the image (some encoders leave a little). */
const RAW_SLACK = 64 * 1024;
/** Compressed bytes handed to the inflater at a time: bounds each piece of its output. */
const INFLATE_STEP = 8 * 1024;

/** A picture's size in pixels. */
export interface Size {
  width: number;
  height: number;
}

/** A PNG whose structure, checksums and compressed data were checked. */
export interface CheckedPng extends Size {
  depth: number;
  colorType: number;
  interlaced: boolean;
  /** The file with only the chunks needed to draw it. */
  clean: Uint8Array;
}

/** A picture read one row at a time, as 8-bit RGB composited over black. */
export interface RgbSource extends Size {
  /** Fills `out` (`width * 3` bytes) with row `y`; rows are read in order. */
  readRow(y: number, out: Uint8Array): void;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Allowed bit depths by PNG colour type. */
const PNG_DEPTHS: Record<number, number[]> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };
/** Chunks kept for the decoder; every other one is dropped unread. */
const PNG_KEPT = new Set(["IHDR", "PLTE", "tRNS", "IDAT", "IEND"]);

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/** The seven passes of an interlaced PNG: first column and row, column and row steps. */
const ADAM7: [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** Bytes of filtered image data a PNG of this header must inflate to. */
function pngRawSize(width: number, height: number, bitsPerPixel: number, interlaced: boolean) {
  const line = (w: number) => 1 + Math.ceil((w * bitsPerPixel) / 8);
  if (!interlaced) return height * line(width);
  let total = 0;
  for (const [x, y, dx, dy] of ADAM7) {
    const w = Math.ceil((width - x) / dx), h = Math.ceil((height - y) / dy);
    if (w > 0 && h > 0) total += h * line(w);
  }
  return total;
}

/**
 * Inflates zlib data piece by piece, stopping past `limit`; the size, or null if invalid. The
 * Adler-32 checksum is checked here too: Deno's inflater reports no error for a cut stream.
 */
async function inflatedSize(parts: Uint8Array[], limit: number): Promise<number | null> {
  const last = parts.at(-1)!;
  if (last.length < 4) return null;
  const expected = new DataView(last.buffer, last.byteOffset + last.length - 4).getUint32(0);
  let index = 0, offset = 0;
  const input = new ReadableStream<Uint8Array<ArrayBuffer>>({
    pull(controller) {
      const part = parts[index];
      if (part === undefined) return controller.close();
      const end = Math.min(offset + INFLATE_STEP, part.length);
      controller.enqueue(part.slice(offset, end));
      if (end === part.length) [index, offset] = [index + 1, 0];
      else offset = end;
    },
  });
  let total = 0, a = 1, b = 0;
  try {
    for await (const chunk of input.pipeThrough(new DecompressionStream("deflate"))) {
      total += chunk.length;
      if (total > limit) return null; // Leaving the loop cancels the stream.
      for (let i = 0; i < chunk.length;) {
        // 5552 bytes is the most that can be summed before the sums could overflow.
        for (const end = Math.min(i + 5552, chunk.length); i < end; i++) {
          a += chunk[i]!;
          b += a;
        }
        a %= 65521;
        b %= 65521;
      }
    }
  } catch {
    return null;
  }
  return ((b << 16) | a) >>> 0 === expected ? total : null;
}

/**
 * Checks a PNG completely without decoding its pixels: chunk layout, header values, checksums
 * of the chunks that matter, size limits, and that the image data inflates to exactly what the
 * header promises. Null when anything is wrong.
 */
export async function checkPng(bytes: Uint8Array): Promise<CheckedPng | null> {
  if (bytes.length < 8 || PNG_SIGNATURE.some((b, i) => bytes[i] !== b)) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const kept: Uint8Array[] = [bytes.subarray(0, 8)];
  const idat: Uint8Array[] = [];
  let header: Omit<CheckedPng, "clean"> | null = null;
  let palette = false, ended = false;
  for (let at = 8; !ended;) {
    if (at + 12 > bytes.length) return null;
    const length = view.getUint32(at);
    if (length > bytes.length - at - 12) return null;
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (!/^[A-Za-z]{4}$/.test(type)) return null;
    const data = bytes.subarray(at + 8, at + 8 + length);
    const chunk = bytes.subarray(at, at + 12 + length);
    at += 12 + length;
    if (header === null && type !== "IHDR") return null;
    if (!PNG_KEPT.has(type)) continue;
    if (crc32(chunk.subarray(4, 8 + length)) !== view.getUint32(at - 4)) return null;
    kept.push(chunk);
    if (type === "IHDR") {
      if (header !== null || length !== 13) return null;
      const width = view.getUint32(data.byteOffset - bytes.byteOffset);
      const height = view.getUint32(data.byteOffset - bytes.byteOffset + 4);
      const [depth, colorType, compression, filter, interlace] = data.subarray(8);
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) return null;
      if (!PNG_DEPTHS[colorType!]?.includes(depth!)) return null;
      if (compression !== 0 || filter !== 0 || (interlace !== 0 && interlace !== 1)) return null;
      header = { width, height, depth: depth!, colorType: colorType!, interlaced: interlace === 1 };
    } else if (type === "PLTE") {
      if (length === 0 || length % 3 !== 0 || length > 768 || idat.length > 0) return null;
      palette = true;
    } else if (type === "IDAT") idat.push(data);
    else if (type === "IEND") ended = true;
  }
  if (header === null || idat.length === 0 || (header.colorType === 3 && !palette)) return null;
  const bitsPerPixel = header.depth * PNG_CHANNELS[header.colorType]!;
  const expected = pngRawSize(header.width, header.height, bitsPerPixel, header.interlaced);
  if (expected > MAX_RAW_BYTES) return null;
  const inflated = await inflatedSize(idat, expected + RAW_SLACK);
  if (inflated === null || inflated < expected) return null;
  const clean = new Uint8Array(kept.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of kept) {
    clean.set(part, offset);
    offset += part.length;
  }
  return { ...header, clean };
}

/** Start-of-frame markers jpeg-js decodes: baseline, extended sequential, progressive. */
const JPEG_SOF = new Set([0xc0, 0xc1, 0xc2]);

/**
 * Walks a JPEG's markers from start to end-of-image, skipping the entropy-coded data of each
 * scan; its size, or null when it is truncated, malformed, not decodable, or too large.
 */
export function checkJpeg(bytes: Uint8Array): Size | null {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) return null;
  let size: Size | null = null, scans = 0;
  let at = 2;
  while (true) {
    if (bytes[at] !== 0xff) return null;
    while (bytes[at] === 0xff) at++; // Fill bytes.
    const marker = bytes[at++];
    if (marker === undefined) return null;
    if (marker === 0xd9) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (at + 2 > bytes.length) return null;
    const length = (bytes[at]! << 8) | bytes[at + 1]!;
    if (length < 2 || at + length > bytes.length) return null;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (size !== null || !JPEG_SOF.has(marker) || length < 8) return null;
      const height = (bytes[at + 3]! << 8) | bytes[at + 4]!;
      const width = (bytes[at + 5]! << 8) | bytes[at + 6]!;
      if (width === 0 || height === 0 || width * height > MAX_PIXELS) return null;
      size = { width, height };
    }
    at += length;
    if (marker === 0xda) {
      if (size === null) return null;
      scans++;
      // Entropy-coded data: 0xFF is followed by 0x00 (a data byte) or a restart marker.
      while (true) {
        while (at < bytes.length && bytes[at] !== 0xff) at++;
        const next = bytes[at + 1];
        if (next === undefined) return null;
        if (next === 0x00 || (next >= 0xd0 && next <= 0xd7)) at += 2;
        else if (next === 0xff) at++;
        else break;
      }
    }
  }
  return scans > 0 ? size : null;
}

/** Walks a GIF's blocks to its trailer; its size, or null when malformed or too large. */
export function checkGif(bytes: Uint8Array): Size | null {
  const magic = String.fromCharCode(...bytes.subarray(0, 6));
  if ((magic !== "GIF87a" && magic !== "GIF89a") || bytes.length < 13) return null;
  const width = bytes[6]! | (bytes[7]! << 8), height = bytes[8]! | (bytes[9]! << 8);
  if (width === 0 || height === 0 || width * height > MAX_PIXELS) return null;
  const colourTable = (flags: number) => (flags & 0x80 ? 3 << ((flags & 7) + 1) : 0);
  let at = 13 + colourTable(bytes[10]!);
  let images = 0;
  const skipSubBlocks = () => {
    while (at < bytes.length && bytes[at] !== 0) at += 1 + bytes[at]!;
    at++; // The terminator.
  };
  while (at < bytes.length) {
    const block = bytes[at++];
    if (block === 0x3b) return images > 0 ? { width, height } : null;
    if (block === 0x21) {
      at++; // The extension's label.
      skipSubBlocks();
    } else if (block === 0x2c) {
      if (at + 10 > bytes.length) return null;
      at += 9 + colourTable(bytes[at + 8]!);
      const codeSize = bytes[at++];
      if (codeSize === undefined || codeSize < 1 || codeSize > 11) return null;
      skipSubBlocks();
      images++;
    } else return null;
  }
  return null;
}

function setRgb(out: Uint8Array, x: number, r: number, g: number, b: number): void {
  out[x * 3] = r;
  out[x * 3 + 1] = g;
  out[x * 3 + 2] = b;
}

/** Decodes a checked PNG. Interlaced PNGs of fewer than 8 bits per sample are refused. */
export function pngSource(png: CheckedPng): RgbSource | null {
  const { width, height, depth, colorType } = png;
  if (png.interlaced && depth < 8) return null; // fast-png 8.0.0 mis-decodes these.
  const decoded = decodePng(png.clean);
  const channels = PNG_CHANNELS[colorType]!;
  if (decoded.width !== width || decoded.height !== height || decoded.channels !== channels) {
    return null;
  }
  const data = decoded.data;
  const max = (1 << depth) - 1;
  const rowLength = depth < 8 ? Math.ceil((width * depth) / 8) : width * channels;
  if (data.length < rowLength * height) return null;
  const sample = depth < 8
    ? (row: number, x: number) => {
      const bit = x * depth;
      return (data[row + (bit >> 3)]! >> (8 - depth - (bit & 7))) & max;
    }
    : (row: number, i: number) => data[row + i]!;
  const to8 = (v: number) => Math.round((v * 255) / max);
  const over = (v: number, alpha: number) => Math.round((v * alpha * 255) / (max * max));
  const key = decoded.transparency; // The one transparent grey or RGB value, if any.

  if (colorType === 3) {
    const colours = new Uint8Array(256 * 3);
    decoded.palette?.forEach((entry, i) => {
      if (i >= 256) return;
      const alpha = entry[3] ?? 255;
      for (let c = 0; c < 3; c++) colours[i * 3 + c] = Math.round(((entry[c] ?? 0) * alpha) / 255);
    });
    return {
      width,
      height,
      readRow(y, out) {
        const row = y * rowLength;
        for (let x = 0; x < width; x++) {
          const i = sample(row, x) * 3;
          setRgb(out, x, colours[i]!, colours[i + 1]!, colours[i + 2]!);
        }
      },
    };
  }
  return {
    width,
    height,
    readRow(y, out) {
      const row = y * rowLength;
      for (let x = 0; x < width; x++) {
        const i = depth < 8 ? x : x * channels;
        let r: number, g: number, b: number, alpha = max;
        if (channels <= 2) {
          r = g = b = sample(row, i);
          if (channels === 2) alpha = sample(row, i + 1);
          else if (key !== undefined && key[0] === r) alpha = 0;
        } else {
          [r, g, b] = [sample(row, i), sample(row, i + 1), sample(row, i + 2)];
          if (channels === 4) alpha = sample(row, i + 3);
          else if (key !== undefined && key[0] === r && key[1] === g && key[2] === b) alpha = 0;
        }
        if (alpha === max) setRgb(out, x, to8(r), to8(g), to8(b));
        else setRgb(out, x, over(r, alpha), over(g, alpha), over(b, alpha));
      }
    },
  };
}

/** Decodes a JPEG that passed `checkJpeg`. */
export function jpegSource(bytes: Uint8Array): RgbSource {
  const { width, height, data } = decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: true,
    tolerantDecoding: false,
    maxResolutionInMP: MAX_PIXELS / 1e6,
    maxMemoryUsageInMB: 512,
  });
  return {
    width,
    height,
    readRow(y, out) {
      for (let x = 0, i = y * width * 4; x < width; x++, i += 4) {
        setRgb(out, x, data[i]!, data[i + 1]!, data[i + 2]!);
      }
    },
  };
}

/** The largest size within `maxWidth` x `maxHeight` with the same shape; never enlarged. */
export function fitWithin(size: Size, maxWidth: number, maxHeight: number): Size {
  const scale = Math.min(1, maxWidth / size.width, maxHeight / size.height);
  return {
    width: Math.max(1, Math.min(maxWidth, Math.round(size.width * scale))),
    height: Math.max(1, Math.min(maxHeight, Math.round(size.height * scale))),
  };
}

/** Scales a picture down to `target` by averaging boxes of pixels: RGB, 3 bytes per pixel. */
export function scaleDown(source: RgbSource, target: Size): Uint8Array {
  const { width, height } = source;
  const { width: tw, height: th } = target;
  const out = new Uint8Array(tw * th * 3);
  const column = new Uint32Array(width);
  const perColumn = new Uint32Array(tw);
  for (let x = 0; x < width; x++) {
    column[x] = Math.floor((x * tw) / width);
    perColumn[column[x]!] = perColumn[column[x]!]! + 1;
  }
  const row = new Uint8Array(width * 3);
  const sums = new Float64Array(tw * 3);
  let rows = 0, ty = 0;
  const flush = () => {
    for (let t = 0; t < tw; t++) {
      const n = perColumn[t]! * rows;
      for (let c = 0; c < 3; c++) out[(ty * tw + t) * 3 + c] = Math.round(sums[t * 3 + c]! / n);
    }
    sums.fill(0);
    rows = 0;
  };
  for (let y = 0; y < height; y++) {
    const t = Math.floor((y * th) / height);
    if (t !== ty) {
      flush();
      ty = t;
    }
    source.readRow(y, row);
    rows++;
    for (let x = 0; x < width; x++) {
      const s = column[x]! * 3;
      for (let c = 0; c < 3; c++) sums[s + c] = sums[s + c]! + row[x * 3 + c]!;
    }
  }
  flush();
  return out;
}

/**
 * Received pictures drawn inline, in terminals that speak an image protocol: kitty's graphics
 * protocol, iTerm2's inline images, or DEC sixels. Files come from other members and are
 * hostile: each is checked (and bounded) before use, and the escape sequences hold only bytes
 * made here (base64 text and sixel characters), never a byte of the file as it is.
 *
 * @module
 */
import {
  checkGif,
  checkJpeg,
  checkPng,
  fitWithin,
  jpegSource,
  pngSource,
  type RgbSource,
  scaleDown,
  type Size,
} from "./image_decode.ts";
import { encodeSixel } from "./sixel.ts";

/** A terminal image protocol. */
export type ImageProtocol = "kitty" | "iterm2" | "sixel";

/** Options of `inlineImage`. */
export interface InlineImageOptions {
  /** Widest the picture may be, in terminal cells. */
  columns: number;
  /** Tallest the picture may be, in terminal cells. */
  maxRows: number;
  /** Largest file shown, in bytes (default 25 MiB). */
  maxBytes?: number;
}

/** Default largest file shown. */
export const MAX_IMAGE_BYTES = 25 * 1024 * 1024;
/** Assumed size of a terminal cell in pixels, since the terminal is not asked. */
const CELL_WIDTH = 10, CELL_HEIGHT = 20;
/** Pixels per assumed cell pixel sent to kitty, so pictures stay sharp on dense screens. */
const KITTY_DENSITY = 2;
/** Base64 characters in one kitty escape sequence. */
const KITTY_CHUNK = 4096;
const PROTOCOLS: readonly string[] = ["kitty", "iterm2", "sixel"];

/**
 * Which protocol the terminal speaks, from environment variables; null when none is known.
 * `RT_IMAGES=kitty|iterm2|sixel|off` overrides; inside tmux or GNU screen, which do not pass
 * images through by default, only that override turns pictures on.
 */
export function detectImageProtocol(
  env: (name: string) => string | undefined,
): ImageProtocol | null {
  const get = (name: string) => env(name)?.trim() || undefined;
  const forced = get("RT_IMAGES")?.toLowerCase();
  if (forced === "off") return null;
  if (forced !== undefined && PROTOCOLS.includes(forced)) return forced as ImageProtocol;
  if (get("TMUX") || get("STY")) return null;
  const term = get("TERM")?.toLowerCase() ?? "";
  const program = get("TERM_PROGRAM")?.toLowerCase() ?? "";
  if (term === "xterm-kitty" || get("KITTY_WINDOW_ID")) return "kitty";
  if (term === "xterm-ghostty" || program === "ghostty") return "kitty";
  if (program === "iterm.app" || program === "wezterm" || get("LC_TERMINAL") === "iTerm2") {
    return "iterm2";
  }
  if (
    term.includes("sixel") || term === "foot" || term.startsWith("foot-") ||
    term.startsWith("mlterm") || term.startsWith("contour") || term.startsWith("yaft") ||
    program === "mlterm" || program === "mintty"
  ) return "sixel";
  return null;
}

/** The picture type from the first bytes, or null if it is not one rt can show. */
export function sniffImageType(head: Uint8Array): string | null {
  const starts = (bytes: number[], at = 0) => bytes.every((b, i) => head[at + i] === b);
  const ascii = (text: string) => [...text].map((c) => c.charCodeAt(0));
  if (starts([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return "image/png";
  if (starts([0xff, 0xd8, 0xff])) return "image/jpeg";
  if (starts(ascii("GIF87a")) || starts(ascii("GIF89a"))) return "image/gif";
  if (starts(ascii("RIFF")) && starts(ascii("WEBP"), 8)) return "image/webp";
  return null;
}

/** Reads a regular file of at most `maxBytes`; null when it is not one. */
async function readBounded(path: string, maxBytes: number): Promise<Uint8Array | null> {
  const info = await Deno.stat(path); // Before opening: opening a FIFO would block.
  if (!info.isFile || info.size > maxBytes) return null;
  const file = await Deno.open(path, { read: true });
  try {
    const buffer = new Uint8Array(info.size + 1);
    let length = 0;
    while (length < buffer.length) {
      const n = await file.read(buffer.subarray(length));
      if (n === null) break;
      length += n;
    }
    return length === info.size ? buffer.subarray(0, length) : null; // Changed while read.
  } finally {
    file.close();
  }
}

/** The cells a picture takes: fitted within the limits at the assumed cell size. */
function cellsFor(size: Size, columns: number, maxRows: number): Size {
  const fitted = fitWithin(size, columns * CELL_WIDTH, maxRows * CELL_HEIGHT);
  return {
    width: Math.max(1, Math.min(columns, Math.round(fitted.width / CELL_WIDTH))),
    height: Math.max(1, Math.min(maxRows, Math.round(fitted.height / CELL_HEIGHT))),
  };
}

/** Kitty graphics escapes carrying `payload`: the first with `keys`, 4096 base64 bytes each. */
function kittySequence(keys: string, payload: Uint8Array): string {
  const base64 = payload.toBase64();
  const parts: string[] = [];
  for (let at = 0; at < base64.length || at === 0; at += KITTY_CHUNK) {
    const more = at + KITTY_CHUNK < base64.length ? 1 : 0;
    const control = at === 0 ? `${keys},q=2,m=${more}` : `q=2,m=${more}`;
    parts.push(`\x1b_G${control};${base64.slice(at, at + KITTY_CHUNK)}\x1b\\`);
  }
  return parts.join("");
}

/** A decoded picture scaled down to fit `limit` pixels. */
function scaled(source: RgbSource, limit: Size): { size: Size; rgb: Uint8Array } {
  const size = fitWithin(source, limit.width, limit.height);
  return { size, rgb: scaleDown(source, size) };
}

async function drawKitty(bytes: Uint8Array, type: string, columns: number, maxRows: number) {
  if (type === "image/png") {
    const png = await checkPng(bytes);
    if (png === null) return null;
    const cells = cellsFor(png, columns, maxRows);
    return kittySequence(`a=T,f=100,c=${cells.width},r=${cells.height}`, bytes);
  }
  if (type !== "image/jpeg" || checkJpeg(bytes) === null) return null;
  const source = jpegSource(bytes);
  const cells = cellsFor(source, columns, maxRows);
  const limit = {
    width: cells.width * CELL_WIDTH * KITTY_DENSITY,
    height: cells.height * CELL_HEIGHT * KITTY_DENSITY,
  };
  const { size, rgb } = scaled(source, limit);
  const rgba = new Uint8Array(size.width * size.height * 4).fill(255);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) rgba.set(rgb.subarray(i, i + 3), j);
  const keys = `a=T,f=32,s=${size.width},v=${size.height},c=${cells.width},r=${cells.height}`;
  return kittySequence(keys, rgba);
}

async function drawIterm2(bytes: Uint8Array, type: string, columns: number, maxRows: number) {
  const size = type === "image/png"
    ? await checkPng(bytes)
    : type === "image/jpeg"
    ? checkJpeg(bytes)
    : type === "image/gif"
    ? checkGif(bytes)
    : null;
  if (size === null) return null;
  const cells = cellsFor(size, columns, maxRows);
  const args = `inline=1;size=${bytes.length};width=${cells.width};height=${cells.height}`;
  return `\x1b]1337;File=${args};preserveAspectRatio=1:${bytes.toBase64()}\x07`;
}

async function drawSixel(bytes: Uint8Array, type: string, columns: number, maxRows: number) {
  let source: RgbSource | null = null;
  if (type === "image/png") {
    const png = await checkPng(bytes);
    source = png && pngSource(png);
  } else if (type === "image/jpeg" && checkJpeg(bytes) !== null) source = jpegSource(bytes);
  if (source === null) return null;
  const { size, rgb } = scaled(source, {
    width: columns * CELL_WIDTH,
    height: maxRows * CELL_HEIGHT,
  });
  return encodeSixel(rgb, size.width, size.height);
}

/**
 * The escape sequence that draws the picture in the file at `path` within `columns` x
 * `maxRows` cells, or null when it cannot be shown: not a picture this protocol can draw,
 * larger than `maxBytes`, larger than 40 megapixels, or corrupt. Never throws for a bad file.
 */
export async function inlineImage(
  path: string,
  protocol: ImageProtocol,
  options: InlineImageOptions,
): Promise<string | null> {
  const columns = Math.floor(options.columns), maxRows = Math.floor(options.maxRows);
  if (!(columns >= 1 && maxRows >= 1)) return null;
  try {
    const bytes = await readBounded(path, options.maxBytes ?? MAX_IMAGE_BYTES);
    const type = bytes && sniffImageType(bytes);
    if (!bytes || !type) return null;
    switch (protocol) {
      case "kitty":
        return await drawKitty(bytes, type, columns, maxRows);
      case "iterm2":
        return await drawIterm2(bytes, type, columns, maxRows);
      case "sixel":
        return await drawSixel(bytes, type, columns, maxRows);
      default:
        return null;
    }
  } catch {
    return null;
  }
}

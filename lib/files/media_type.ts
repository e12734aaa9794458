/**
 * The media type (MIME type) of a file being offered, so that peers know what they are asked to
 * accept: from the file's first bytes when they are recognized, else from its extension, else
 * plain text or opaque bytes.
 *
 * @module
 */

/** How many first bytes {@link mediaType} looks at, at most (a tar header ends at 262). */
export const HEAD_BYTES = 4096;

/** A signature: `bytes` (`null` matches any byte) found at `offset`. */
interface Magic {
  offset: number;
  bytes: (number | null)[];
  type: string;
  /** Types from the extension that may refine this one (formats built on this container). */
  refines?: string[];
}

function ascii(text: string): number[] {
  return Array.from(text, (c) => c.charCodeAt(0));
}

const ANY4 = [null, null, null, null];

const ZIP_BASED = [
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  "application/vnd.oasis.opendocument.text",
  "application/vnd.oasis.opendocument.spreadsheet",
  "application/vnd.oasis.opendocument.presentation",
  "application/epub+zip",
  "application/java-archive",
  "application/vnd.android.package-archive",
];

const MAGIC: Magic[] = [
  { offset: 0, bytes: [0x89, ...ascii("PNG\r\n\x1a\n")], type: "image/png" },
  { offset: 0, bytes: [0xff, 0xd8, 0xff], type: "image/jpeg" },
  { offset: 0, bytes: ascii("GIF87a"), type: "image/gif" },
  { offset: 0, bytes: ascii("GIF89a"), type: "image/gif" },
  { offset: 0, bytes: [...ascii("RIFF"), ...ANY4, ...ascii("WEBP")], type: "image/webp" },
  { offset: 0, bytes: [...ascii("RIFF"), ...ANY4, ...ascii("WAVE")], type: "audio/wav" },
  { offset: 0, bytes: [...ascii("RIFF"), ...ANY4, ...ascii("AVI ")], type: "video/x-msvideo" },
  { offset: 0, bytes: ascii("II*\0"), type: "image/tiff" },
  { offset: 0, bytes: ascii("MM\0*"), type: "image/tiff" },
  { offset: 0, bytes: [0, 0, 1, 0], type: "image/x-icon" },
  { offset: 0, bytes: ascii("%PDF-"), type: "application/pdf" },
  { offset: 0, bytes: ascii("PK\x03\x04"), type: "application/zip", refines: ZIP_BASED },
  { offset: 0, bytes: ascii("PK\x05\x06"), type: "application/zip", refines: ZIP_BASED },
  { offset: 0, bytes: [0x1f, 0x8b], type: "application/gzip" },
  { offset: 0, bytes: ascii("BZh"), type: "application/x-bzip2" },
  { offset: 0, bytes: [0xfd, ...ascii("7zXZ\0")], type: "application/x-xz" },
  { offset: 0, bytes: [0x28, 0xb5, 0x2f, 0xfd], type: "application/zstd" },
  {
    offset: 0,
    bytes: [...ascii("7z"), 0xbc, 0xaf, 0x27, 0x1c],
    type: "application/x-7z-compressed",
  },
  { offset: 0, bytes: ascii("Rar!\x1a\x07"), type: "application/vnd.rar" },
  { offset: 257, bytes: ascii("ustar"), type: "application/x-tar" },
  { offset: 0, bytes: ascii("ID3"), type: "audio/mpeg" },
  { offset: 0, bytes: [0xff, 0xfb], type: "audio/mpeg" },
  { offset: 0, bytes: [0xff, 0xf3], type: "audio/mpeg" },
  { offset: 0, bytes: [0xff, 0xf2], type: "audio/mpeg" },
  { offset: 0, bytes: ascii("fLaC"), type: "audio/flac" },
  { offset: 0, bytes: ascii("OggS"), type: "audio/ogg", refines: ["video/ogg"] },
  { offset: 0, bytes: ascii("MThd"), type: "audio/midi" },
  { offset: 0, bytes: [0x1a, 0x45, 0xdf, 0xa3], type: "video/x-matroska", refines: ["video/webm"] },
  { offset: 0, bytes: ascii("\0asm"), type: "application/wasm" },
  { offset: 0, bytes: ascii("wOFF"), type: "font/woff" },
  { offset: 0, bytes: ascii("wOF2"), type: "font/woff2" },
  { offset: 0, bytes: ascii("SQLite format 3\0"), type: "application/vnd.sqlite3" },
];

/** ISO base media files (`ftyp` box): the major brand says which kind. */
const FTYP_BRANDS: Record<string, string> = {
  "M4A ": "audio/mp4",
  "M4B ": "audio/mp4",
  "qt  ": "video/quicktime",
  "heic": "image/heic",
  "heix": "image/heic",
  "mif1": "image/heif",
  "avif": "image/avif",
  "3gp4": "video/3gpp",
  "3gp5": "video/3gpp",
};

/** Common extensions, lowercase, without the dot. */
const EXTENSIONS: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  csv: "text/csv",
  html: "text/html",
  htm: "text/html",
  css: "text/css",
  js: "text/javascript",
  mjs: "text/javascript",
  ts: "text/typescript",
  json: "application/json",
  xml: "application/xml",
  yaml: "application/yaml",
  yml: "application/yaml",
  toml: "application/toml",
  ics: "text/calendar",
  vcf: "text/vcard",
  rtf: "application/rtf",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  gif: "image/gif",
  webp: "image/webp",
  bmp: "image/bmp",
  ico: "image/x-icon",
  tif: "image/tiff",
  tiff: "image/tiff",
  heic: "image/heic",
  avif: "image/avif",
  pdf: "application/pdf",
  zip: "application/zip",
  gz: "application/gzip",
  tgz: "application/gzip",
  bz2: "application/x-bzip2",
  xz: "application/x-xz",
  zst: "application/zstd",
  tar: "application/x-tar",
  "7z": "application/x-7z-compressed",
  rar: "application/vnd.rar",
  mp3: "audio/mpeg",
  m4a: "audio/mp4",
  wav: "audio/wav",
  flac: "audio/flac",
  ogg: "audio/ogg",
  oga: "audio/ogg",
  opus: "audio/ogg",
  ogv: "video/ogg",
  mid: "audio/midi",
  midi: "audio/midi",
  mp4: "video/mp4",
  m4v: "video/mp4",
  mov: "video/quicktime",
  webm: "video/webm",
  mkv: "video/x-matroska",
  avi: "video/x-msvideo",
  doc: "application/msword",
  xls: "application/vnd.ms-excel",
  ppt: "application/vnd.ms-powerpoint",
  docx: ZIP_BASED[0]!,
  xlsx: ZIP_BASED[1]!,
  pptx: ZIP_BASED[2]!,
  odt: ZIP_BASED[3]!,
  ods: ZIP_BASED[4]!,
  odp: ZIP_BASED[5]!,
  epub: ZIP_BASED[6]!,
  jar: ZIP_BASED[7]!,
  apk: ZIP_BASED[8]!,
  wasm: "application/wasm",
  woff: "font/woff",
  woff2: "font/woff2",
  ttf: "font/ttf",
  otf: "font/otf",
};

function matches(head: Uint8Array, magic: Magic): boolean {
  if (head.length < magic.offset + magic.bytes.length) return false;
  return magic.bytes.every((byte, i) => byte === null || head[magic.offset + i] === byte);
}

function fromMagic(head: Uint8Array): Magic | null {
  const found = MAGIC.find((magic) => matches(head, magic));
  if (found) return found;
  if (head.length >= 12 && String.fromCharCode(...head.subarray(4, 8)) === "ftyp") {
    const brand = String.fromCharCode(...head.subarray(8, 12));
    return { offset: 4, bytes: [], type: FTYP_BRANDS[brand] ?? "video/mp4" };
  }
  return null;
}

function fromExtension(name: string): string | null {
  const base = name.slice(Math.max(name.lastIndexOf("/"), name.lastIndexOf("\\")) + 1);
  const dot = base.lastIndexOf(".");
  if (dot <= 0) return null;
  return EXTENSIONS[base.slice(dot + 1).toLowerCase()] ?? null;
}

function isText(head: Uint8Array): boolean {
  if (head.includes(0)) return false;
  try {
    // `stream` lets a character cut at the end of the head pass.
    new TextDecoder("utf-8", { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
}

/**
 * The media type of a file named `name` (a path works too) whose first bytes are `head` (up to
 * {@link HEAD_BYTES} are looked at): from the bytes when recognized (an extension may refine a
 * container, e.g. a zip named `.docx`), then from the extension, else `text/plain` when `head`
 * is UTF-8 without NULs, else `application/octet-stream`.
 */
export function mediaType(name: string, head: Uint8Array): string {
  head = head.subarray(0, HEAD_BYTES);
  const byExtension = fromExtension(name);
  const magic = fromMagic(head);
  if (magic) {
    return byExtension && magic.refines?.includes(byExtension) ? byExtension : magic.type;
  }
  if (byExtension) return byExtension;
  return isText(head) ? "text/plain" : "application/octet-stream";
}

import { assertEquals } from "../assert.ts";
import { mediaType } from "../../lib/files/media_type.ts";

function bytes(...parts: (string | number[])[]): Uint8Array {
  return new Uint8Array(
    parts.flatMap((part) =>
      typeof part === "string" ? Array.from(part, (c) => c.charCodeAt(0)) : part
    ),
  );
}

const TAR = new Uint8Array(512);
TAR.set(bytes("ustar\0"), 257);

const CASES: [string, Uint8Array, string][] = [
  // The bytes decide, whatever the name says.
  ["cat.jpg", bytes([0x89], "PNG\r\n\x1a\n", [0, 0, 0, 13]), "image/png"],
  ["photo", bytes([0xff, 0xd8, 0xff, 0xe0]), "image/jpeg"],
  ["anim.bin", bytes("GIF89a"), "image/gif"],
  ["old.gif", bytes("GIF87a"), "image/gif"],
  ["x", bytes("RIFF", [1, 2, 3, 4], "WEBPVP8 "), "image/webp"],
  ["x", bytes("RIFF", [1, 2, 3, 4], "WAVEfmt "), "audio/wav"],
  ["scan", bytes("%PDF-1.7\n"), "application/pdf"],
  ["archive", bytes("PK\x03\x04"), "application/zip"],
  ["empty.zip", bytes("PK\x05\x06", Array(18).fill(0)), "application/zip"],
  ["logs.gz", bytes([0x1f, 0x8b, 8]), "application/gzip"],
  ["backup", TAR, "application/x-tar"],
  ["song", bytes("ID3\x04"), "audio/mpeg"],
  ["song", bytes([0xff, 0xfb, 0x90]), "audio/mpeg"],
  ["clip", bytes([0, 0, 0, 0x18], "ftypmp42"), "video/mp4"],
  ["clip", bytes([0, 0, 0, 0x18], "ftypisom"), "video/mp4"],
  ["voice", bytes([0, 0, 0, 0x18], "ftypM4A "), "audio/mp4"],
  ["IMG_1.HEIC", bytes([0, 0, 0, 0x18], "ftypheic"), "image/heic"],
  ["movie", bytes([0, 0, 0, 0x14], "ftypqt  "), "video/quicktime"],
  ["track", bytes("OggS\0"), "audio/ogg"],
  ["track.flac", bytes("fLaC"), "audio/flac"],
  ["db", bytes("SQLite format 3\0"), "application/vnd.sqlite3"],
  // A container's bytes, refined by the extension of a format built on it.
  [
    "report.docx",
    bytes("PK\x03\x04"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  ],
  ["book.EPUB", bytes("PK\x03\x04"), "application/epub+zip"],
  ["video.ogv", bytes("OggS"), "video/ogg"],
  ["video.webm", bytes([0x1a, 0x45, 0xdf, 0xa3]), "video/webm"],
  ["video.mkv", bytes([0x1a, 0x45, 0xdf, 0xa3]), "video/x-matroska"],
  ["fake.docx", bytes("%PDF-"), "application/pdf"],
  // Unknown bytes: the extension decides.
  ["notes.md", bytes("# Notes"), "text/markdown"],
  ["data.JSON", bytes("{}"), "application/json"],
  ["drawing.svg", bytes("<svg"), "image/svg+xml"],
  ["holiday/photos.2024/pic.bmp", bytes("BM"), "image/bmp"],
  [
    "C:\\docs\\sheet.xlsx",
    bytes([1, 2, 0]),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  ],
  ["truncated.png", bytes([0x89], "PN"), "image/png"],
  // Neither: text when it is UTF-8 without NULs.
  ["README", bytes("hello, world\n"), "text/plain"],
  ["ünïcødé", new TextEncoder().encode("grüße 👋"), "text/plain"],
  ["cut", new TextEncoder().encode("👋").subarray(0, 2), "text/plain"],
  ["empty", new Uint8Array(), "text/plain"],
  [".bashrc", bytes("export A=1"), "text/plain"],
  ["nul", bytes("text\0more"), "application/octet-stream"],
  ["latin1", bytes([0x63, 0x61, 0x66, 0xe9, 0x20]), "application/octet-stream"],
  ["program", bytes([0x7f], "ELF", [2, 1, 1, 0]), "application/octet-stream"],
  ["noext.", bytes([0xc3, 0x28]), "application/octet-stream"],
];

Deno.test("media types come from the bytes, then the extension, then text or bytes", () => {
  for (const [name, head, expected] of CASES) {
    assertEquals(mediaType(name, head), expected, `${name} ${Array.from(head.subarray(0, 12))}`);
  }
});

Deno.test("only the first 4 KiB of the head are looked at", () => {
  const head = new Uint8Array(8192).fill(0x61);
  head[5000] = 0;
  assertEquals(mediaType("big", head), "text/plain");
});

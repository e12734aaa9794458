import { encode as encodePng, type ImageData } from "fast-png";
import { encode as encodeJpeg } from "jpeg-js";
import { assertEquals, assertOk } from "../assert.ts";
import {
  detectImageProtocol,
  type ImageProtocol,
  inlineImage,
  sniffImageType,
} from "../../lib/tui/inline_image.ts";
import { quantise } from "../../lib/tui/sixel.ts";

const PROTOCOLS: ImageProtocol[] = ["kitty", "iterm2", "sixel"];
const FIT = { columns: 80, maxRows: 24 };

/** Deterministic noise, so that PNGs do not compress to nothing. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let x = seed;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

async function tempFile(bytes: Uint8Array, suffix = ".img"): Promise<string> {
  const path = await Deno.makeTempFile({ dir: "/tmp", prefix: "rt-inline-image-", suffix });
  await Deno.writeFile(path, bytes);
  return path;
}

/** Runs `body` with the bytes written to a temporary file. */
async function withFile(bytes: Uint8Array, body: (path: string) => Promise<void>): Promise<void> {
  const path = await tempFile(bytes);
  try {
    await body(path);
  } finally {
    await Deno.remove(path);
  }
}

function png(image: ImageData, interlace?: "Adam7"): Uint8Array {
  return encodePng(image, interlace ? { interlace } : {});
}

function rgbaPng(width: number, height: number, pixel: (x: number, y: number) => number[]) {
  const data = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) data.set(pixel(x, y), (y * width + x) * 4);
  }
  return png({ width, height, data, channels: 4, depth: 8 });
}

function jpeg(width: number, height: number): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) {
    data.set([(i * 7) % 256, (i * 3) % 256, 128, 255], i * 4);
  }
  return new Uint8Array(encodeJpeg({ width, height, data }, 80).data);
}

/** A 3x2 GIF89a: one image, a two-colour table. */
const GIF = Uint8Array.from([
  ...new TextEncoder().encode("GIF89a"),
  ...[3, 0, 2, 0, 0x80, 0, 0], // Screen 3x2, global table of 2 colours.
  ...[0, 0, 0, 255, 255, 255],
  ...[0x2c, 0, 0, 0, 0, 3, 0, 2, 0, 0], // Image descriptor.
  ...[2, 2, 0x4c, 0x01, 0], // LZW code size 2, one sub-block, terminator.
  0x3b,
]);

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** One PNG chunk with a correct checksum. */
function chunk(type: string, data: Uint8Array): Uint8Array<ArrayBuffer> {
  const body = Uint8Array.from([...new TextEncoder().encode(type), ...data]);
  let c = 0xffffffff;
  for (const b of body) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  const out = new Uint8Array(body.length + 8);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(body, 4);
  view.setUint32(body.length + 4, (c ^ 0xffffffff) >>> 0);
  return out;
}

/** A PNG made by hand: 8-bit RGB of the given header size, with `raw` as its image data. */
async function handmadePng(
  width: number,
  height: number,
  raw: Uint8Array<ArrayBuffer>,
  { cut = 0, pieces = 1 } = {},
): Promise<Uint8Array> {
  const header = new Uint8Array(13);
  new DataView(header.buffer).setUint32(0, width);
  new DataView(header.buffer).setUint32(4, height);
  header.set([8, 2, 0, 0, 0], 8);
  const compressed = new Uint8Array(
    await new Response(new Blob([raw]).stream().pipeThrough(new CompressionStream("deflate")))
      .arrayBuffer(),
  );
  const parts = [
    Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    ...Array.from({ length: pieces }, (_, i) => {
      const end = compressed.length - cut;
      return chunk("IDAT", compressed.subarray((i * end) / pieces, ((i + 1) * end) / pieces));
    }),
    chunk("IEND", new Uint8Array(0)),
  ];
  return new Uint8Array(await new Blob(parts).arrayBuffer());
}

// deno-lint-ignore no-control-regex
const KITTY = /^(?:\x1b_G[a-zA-Z0-9=,]+;[A-Za-z0-9+/=]*\x1b\\)+$/;
// deno-lint-ignore no-control-regex
const ITERM2 = /^\x1b\]1337;File=[a-zA-Z0-9=;]+:[A-Za-z0-9+/=]+\x07$/;
// Sixel data: raster attributes, colour introducers, repeats, carriage returns, new lines.
// deno-lint-ignore no-control-regex
const SIXEL = /^\x1bPq"1;1;\d+;\d+(?:#\d+;2;\d+;\d+;\d+)*[#0-9;!$\-?-~]*\x1b\\$/;

/** The kitty escapes of `out`: their keys and payloads. */
function kittyChunks(out: string): { keys: Map<string, string>; payload: string }[] {
  // deno-lint-ignore no-control-regex
  return [...out.matchAll(/\x1b_G([^;]*);([^\x1b]*)\x1b\\/g)].map((m) => ({
    keys: new Map(m[1]!.split(",").map((kv) => kv.split("=") as [string, string])),
    payload: m[2]!,
  }));
}

/** Parses a sixel sequence: its raster size, colour registers and bands. */
function parseSixel(out: string) {
  // deno-lint-ignore no-control-regex
  const raster = out.match(/^\x1bPq"1;1;(\d+);(\d+)/)!;
  const registers = new Map<number, number[]>();
  for (const m of out.matchAll(/#(\d+);2;(\d+);(\d+);(\d+)/g)) {
    registers.set(Number(m[1]), [Number(m[2]), Number(m[3]), Number(m[4])]);
  }
  // What is left once the header and the colour definitions are gone: "-" only between bands.
  const body = out.slice(raster[0].length, -2).replace(/#\d+;2;\d+;\d+;\d+/g, "");
  return {
    width: Number(raster[1]),
    height: Number(raster[2]),
    registers,
    bands: body.split("-").length,
  };
}

Deno.test("the image protocol is detected from the environment", () => {
  const table: [Record<string, string>, ImageProtocol | null][] = [
    [{}, null],
    [{ TERM: "xterm-256color" }, null],
    [{ TERM: "xterm-kitty" }, "kitty"],
    [{ TERM: "xterm-256color", KITTY_WINDOW_ID: "1" }, "kitty"],
    [{ TERM: "xterm-ghostty" }, "kitty"],
    [{ TERM_PROGRAM: "ghostty" }, "kitty"],
    [{ TERM_PROGRAM: "iTerm.app" }, "iterm2"],
    [{ TERM_PROGRAM: "WezTerm" }, "iterm2"],
    [{ LC_TERMINAL: "iTerm2" }, "iterm2"],
    [{ TERM: "foot" }, "sixel"],
    [{ TERM: "foot-extra" }, "sixel"],
    [{ TERM: "mlterm" }, "sixel"],
    [{ TERM: "xterm-sixel" }, "sixel"],
    [{ TERM: "xterm-kitty", TMUX: "/tmp/tmux-1000/default,1,0" }, null],
    [{ TERM_PROGRAM: "iTerm.app", STY: "1.pts-0.host" }, null],
    [{ TERM: "xterm-kitty", TMUX: "x", RT_IMAGES: "kitty" }, "kitty"],
    [{ TERM: "xterm-kitty", RT_IMAGES: "off" }, null],
    [{ TERM: "xterm-256color", RT_IMAGES: "sixel" }, "sixel"],
    [{ TERM: "xterm-256color", RT_IMAGES: "ITERM2" }, "iterm2"],
    [{ TERM: "xterm-kitty", RT_IMAGES: "bogus" }, "kitty"],
    [{ TERM: "xterm-kitty", KITTY_WINDOW_ID: "" }, "kitty"],
    [{ KITTY_WINDOW_ID: "" }, null],
  ];
  for (const [env, expected] of table) {
    assertEquals(detectImageProtocol((name) => env[name]), expected, JSON.stringify(env));
  }
});

Deno.test("picture types are sniffed from their first bytes", () => {
  const ascii = (text: string) => new TextEncoder().encode(text);
  assertEquals(sniffImageType(rgbaPng(1, 1, () => [0, 0, 0, 255])), "image/png");
  assertEquals(sniffImageType(jpeg(8, 8)), "image/jpeg");
  assertEquals(sniffImageType(GIF), "image/gif");
  assertEquals(sniffImageType(ascii("GIF87a....")), "image/gif");
  assertEquals(sniffImageType(ascii("RIFF\0\0\0\0WEBPVP8 ")), "image/webp");
  assertEquals(sniffImageType(ascii("RIFF\0\0\0\0WAVEfmt ")), null);
  assertEquals(sniffImageType(ascii("<svg xmlns=")), null);
  assertEquals(sniffImageType(new Uint8Array(0)), null);
  assertEquals(sniffImageType(Uint8Array.of(0x89, 0x50, 0x4e)), null);
});

Deno.test("kitty: a PNG is sent as it is, in chunks of at most 4096 base64 bytes", async () => {
  const width = 64, height = 48;
  const file = png({ width, height, data: noise(width * height * 4), channels: 4, depth: 8 });
  assertOk(file.length > 3 * 4096, "the picture needs several chunks");
  await withFile(file, async (path) => {
    const out = (await inlineImage(path, "kitty", FIT))!;
    assertOk(KITTY.test(out));
    const chunks = kittyChunks(out);
    assertEquals(chunks.length, Math.ceil(file.toBase64().length / 4096));
    const first = chunks[0]!.keys;
    assertEquals([first.get("a"), first.get("f"), first.get("q")], ["T", "100", "2"]);
    assertEquals([first.get("c"), first.get("r")], ["6", "2"]); // 64x48 px at 10x20 px a cell.
    chunks.forEach(({ keys, payload }, i) => {
      assertOk(payload.length <= 4096 && payload.length > 0);
      assertEquals(keys.get("m"), i === chunks.length - 1 ? "0" : "1");
    });
    assertEquals(Uint8Array.fromBase64(chunks.map((c) => c.payload).join("")), file);
  });
});

Deno.test("kitty: a large picture is fitted within the cells given", async () => {
  await withFile(rgbaPng(2000, 500, () => [1, 2, 3, 255]), async (path) => {
    const keys = kittyChunks((await inlineImage(path, "kitty", { columns: 40, maxRows: 30 }))!)[0]!
      .keys;
    assertEquals([keys.get("c"), keys.get("r")], ["40", "5"]);
  });
  await withFile(rgbaPng(100, 4000, () => [1, 2, 3, 255]), async (path) => {
    const keys = kittyChunks((await inlineImage(path, "kitty", { columns: 40, maxRows: 10 }))!)[0]!
      .keys;
    assertEquals([keys.get("c"), keys.get("r")], ["1", "10"]);
  });
});

Deno.test("kitty: a JPEG is decoded and sent as RGBA pixels", async () => {
  await withFile(jpeg(30, 20), async (path) => {
    const out = (await inlineImage(path, "kitty", FIT))!;
    assertOk(KITTY.test(out));
    const chunks = kittyChunks(out);
    const keys = chunks[0]!.keys;
    assertEquals([keys.get("f"), keys.get("s"), keys.get("v"), keys.get("q")], [
      "32",
      "30",
      "20",
      "2",
    ]);
    const pixels = Uint8Array.fromBase64(chunks.map((c) => c.payload).join(""));
    assertEquals(pixels.length, 30 * 20 * 4);
    assertOk(pixels.every((v, i) => i % 4 !== 3 || v === 255), "opaque");
    assertEquals(chunks.at(-1)!.keys.get("m"), "0");
  });
  // Scaled down to the cells before sending, at twice the assumed cell size.
  await withFile(jpeg(1600, 800), async (path) => {
    const keys = kittyChunks((await inlineImage(path, "kitty", { columns: 20, maxRows: 20 }))!)[0]!
      .keys;
    assertEquals([keys.get("c"), keys.get("r"), keys.get("s"), keys.get("v")], [
      "20",
      "5",
      "400",
      "200",
    ]);
  });
});

Deno.test("iTerm2: PNG, JPEG and GIF with their size, fitted in cells", async () => {
  for (const file of [rgbaPng(300, 100, () => [9, 9, 9, 255]), jpeg(300, 100), GIF]) {
    await withFile(file, async (path) => {
      const out = (await inlineImage(path, "iterm2", { columns: 20, maxRows: 10 }))!;
      assertOk(ITERM2.test(out), sniffImageType(file)!);
      const [args, base64] = out.slice("\x1b]1337;File=".length, -1).split(":");
      const fields = new Map(args!.split(";").map((kv) => kv.split("=") as [string, string]));
      assertEquals(fields.get("inline"), "1");
      assertEquals(fields.get("size"), String(file.length));
      assertEquals(fields.get("preserveAspectRatio"), "1");
      const cells = file === GIF ? ["1", "1"] : ["20", "3"];
      assertEquals([fields.get("width"), fields.get("height")], cells);
      assertEquals(Uint8Array.fromBase64(base64!), file);
    });
  }
});

Deno.test("sixel: a valid sequence with one band per six rows", async () => {
  for (const [width, height] of [[10, 13], [7, 6], [1, 1], [33, 25]] as const) {
    const file = rgbaPng(width, height, (x, y) => [x * 20, y * 10, (x + y) * 5, 255]);
    await withFile(file, async (path) => {
      const out = (await inlineImage(path, "sixel", FIT))!;
      assertOk(out.startsWith("\x1bPq") && out.endsWith("\x1b\\"));
      assertOk(SIXEL.test(out), `${width}x${height}`);
      const sixel = parseSixel(out);
      assertEquals([sixel.width, sixel.height], [width, height]);
      assertEquals(sixel.bands, Math.ceil(height / 6));
      assertOk(sixel.registers.size >= 1 && sixel.registers.size <= 256);
    });
  }
});

Deno.test("sixel: every pixel is drawn once, with its quantised colour", async () => {
  const [width, height] = [23, 17];
  const rgba = noise(width * height * 4, 7).map((v, i) => (i % 4 === 3 ? 255 : v));
  const rgb = rgba.filter((_, i) => i % 4 !== 3);
  await withFile(png({ width, height, data: rgba, channels: 4, depth: 8 }), async (path) => {
    const out = (await inlineImage(path, "sixel", FIT))!;
    assertOk(SIXEL.test(out));
    const drawn = drawSixel(out, width, height);
    assertEquals(drawn, Int16Array.from(quantise(rgb, width, height)));
    const defined = parseSixel(out).registers;
    assertOk(drawn.every((register) => defined.has(register)), "every register is defined");
    // And the colours are near the picture's: within half a step of the 6-level cube, on average.
    let error = 0;
    drawn.forEach((register, i) => {
      defined.get(register)!.forEach((percent, c) => {
        error += Math.abs((percent * 255) / 100 - rgb[i * 3 + c]!);
      });
    });
    assertOk(error / rgb.length < 51 / 2);
  });
});

Deno.test("sixel: scaled down to fit at 10x20 pixels a cell", async () => {
  await withFile(rgbaPng(1000, 100, () => [204, 102, 0, 255]), async (path) => {
    const out = (await inlineImage(path, "sixel", { columns: 20, maxRows: 10 }))!;
    assertOk(SIXEL.test(out));
    const sixel = parseSixel(out);
    assertEquals([sixel.width, sixel.height, sixel.bands], [200, 20, 4]);
    assertOk(out.includes("!200"), "runs are compressed");
  });
  await withFile(jpeg(640, 480), async (path) => {
    const out = (await inlineImage(path, "sixel", { columns: 16, maxRows: 6 }))!;
    assertOk(SIXEL.test(out));
    const sixel = parseSixel(out);
    assertEquals([sixel.width, sixel.height, sixel.bands], [160, 120, 20]);
  });
});

/** Draws a sixel sequence: the register of each pixel (-1 where none was drawn). */
function drawSixel(out: string, width: number, height: number): Int16Array {
  const pixels = new Int16Array(width * height).fill(-1);
  const body = out.slice(out.match(/^.Pq"\d+;\d+;\d+;\d+/)![0].length, -2);
  let x = 0, top = 0, register = -1;
  for (let i = 0; i < body.length;) {
    const rest = body.slice(i);
    const colour = rest.match(/^#(\d+)(?:;2;\d+;\d+;\d+)?/);
    const repeat = rest.match(/^!(\d+)/);
    if (rest[0] === "$" || rest[0] === "-") {
      if (rest[0] === "-") top += 6;
      x = 0;
      i++;
    } else if (colour) {
      register = Number(colour[1]);
      i += colour[0].length;
    } else {
      if (repeat) i += repeat[0].length;
      const code = body.charCodeAt(i++) - 63;
      assertOk(code >= 0 && code < 64 && register >= 0);
      for (let n = 0; n < Number(repeat?.[1] ?? 1); n++, x++) {
        for (let dy = 0; dy < 6; dy++) {
          if (!(code & (1 << dy))) continue;
          assertOk(x < width && top + dy < height, "inside the picture");
          assertEquals(pixels[(top + dy) * width + x], -1, "each pixel is drawn once");
          pixels[(top + dy) * width + x] = register;
        }
      }
    }
  }
  return pixels;
}

/** The registers a one-colour picture is drawn with. */
async function colours(file: Uint8Array): Promise<number[][]> {
  let result: number[][] = [];
  await withFile(file, async (path) => {
    const out = (await inlineImage(path, "sixel", FIT))!;
    assertOk(SIXEL.test(out));
    result = [...parseSixel(out).registers.values()];
  });
  return result;
}

Deno.test("sixel: alpha, greyscale, palette and 16-bit PNGs", async () => {
  const [w, h] = [8, 6];
  const white = [[100, 100, 100]], black = [[0, 0, 0]];
  // Transparent white is composited over black.
  assertEquals(await colours(rgbaPng(w, h, () => [255, 255, 255, 0])), black);
  assertEquals(await colours(rgbaPng(w, h, () => [255, 255, 255, 255])), white);
  const grey = (depth: 8 | 16, value: number, channels = 1) =>
    png({
      width: w,
      height: h,
      depth,
      channels,
      data: (depth === 8 ? new Uint8Array(w * h * channels) : new Uint16Array(w * h * channels))
        .map((_, i) => channels === 2 && i % 2 === 1 ? 0 : value),
    });
  assertEquals(await colours(grey(8, 255)), white);
  assertEquals(await colours(grey(16, 65535)), white);
  assertEquals(await colours(grey(8, 255, 2)), black); // Grey with alpha 0.
  const rgb16 = png({
    width: w,
    height: h,
    depth: 16,
    channels: 3,
    data: new Uint16Array(w * h * 3).map((_, i) => (i % 3 === 0 ? 65535 : 0)),
  });
  assertEquals(await colours(rgb16), [[100, 0, 0]]);
  // 1-bit greyscale: a black and white chequerboard.
  const bits = png({ width: 8, height: 1, depth: 1, channels: 1, data: Uint8Array.of(0b10101010) });
  assertEquals((await colours(bits)).sort(), [[0, 0, 0], [100, 100, 100]]);
  // Palette: index 0 transparent, 1 opaque blue, 2 bits per pixel.
  const indexed = png({
    width: 4,
    height: 2,
    depth: 2,
    channels: 1,
    palette: [[255, 255, 255, 0], [0, 0, 255, 255]],
    data: Uint8Array.of(0b00010001, 0b01010101),
  });
  assertEquals((await colours(indexed)).sort(), [[0, 0, 0], [0, 0, 100]]);
});

Deno.test("sixel: an interlaced PNG is drawn like the plain one", async () => {
  const image: ImageData = {
    width: 21,
    height: 17,
    data: noise(21 * 17 * 3),
    channels: 3,
    depth: 8,
  };
  const outputs: (string | null)[] = [];
  for (const file of [png(image), png(image, "Adam7")]) {
    await withFile(file, async (path) => void outputs.push(await inlineImage(path, "sixel", FIT)));
  }
  assertOk(outputs[0] !== null);
  assertEquals(outputs[1], outputs[0]);
});

Deno.test("corrupt, truncated, non-image and oversize files give null", async () => {
  const good = png({ width: 40, height: 30, data: noise(40 * 30 * 4), channels: 4, depth: 8 });
  const photo = jpeg(64, 48);
  const flipped = good.slice();
  flipped[good.length - 40]! ^= 0x10; // Inside the image data: its checksum fails.
  const badHeader = good.slice();
  badHeader[24] = 7; // Bit depth 7.
  const cases: [string, Uint8Array][] = [
    ["PNG cut in half", good.subarray(0, good.length >> 1)],
    ["PNG without its end", good.subarray(0, good.length - 12)],
    ["PNG signature only", good.subarray(0, 8)],
    ["PNG with a flipped bit", flipped],
    ["PNG with a bad header", badHeader],
    ["JPEG cut in half", photo.subarray(0, photo.length >> 1)],
    ["JPEG without its end", photo.subarray(0, photo.length - 2)],
    ["JPEG header only", photo.subarray(0, 4)],
    ["GIF cut short", GIF.subarray(0, GIF.length - 3)],
    ["text", new TextEncoder().encode("hello, this is not a picture\n")],
    ["empty", new Uint8Array(0)],
    ["WebP", new TextEncoder().encode("RIFF\x10\0\0\0WEBPVP8 \x04\0\0\0abcd")],
    ["escape sequences", new TextEncoder().encode("\x1b]0;pwned\x07\x1b[2J")],
  ];
  for (const [what, bytes] of cases) {
    await withFile(bytes, async (path) => {
      for (const protocol of PROTOCOLS) {
        assertEquals(await inlineImage(path, protocol, FIT), null, `${what} (${protocol})`);
      }
    });
  }
  await withFile(good, async (path) => {
    assertOk(await inlineImage(path, "kitty", FIT));
    const limit = { ...FIT, maxBytes: good.length - 1 };
    for (const protocol of PROTOCOLS) assertEquals(await inlineImage(path, protocol, limit), null);
    assertOk(await inlineImage(path, "sixel", { ...FIT, maxBytes: good.length }));
    assertEquals(await inlineImage(path, "sixel", { columns: 0, maxRows: 10 }), null);
  });
  for (const protocol of PROTOCOLS) {
    assertEquals(await inlineImage("/tmp", protocol, FIT), null, "a folder");
    assertEquals(await inlineImage("/tmp/rt-no-such-file.png", protocol, FIT), null);
  }
});

Deno.test("pictures too large to decode are refused before decoding", async () => {
  // 100 megapixels announced, with hardly any data.
  const huge = await handmadePng(10_000, 10_000, new Uint8Array(30_001 * 2));
  // 100x100 announced, but the data inflates to 16 MiB: a decompression bomb.
  const bomb = await handmadePng(100, 100, new Uint8Array(16 * 1024 * 1024));
  const fine = await handmadePng(100, 100, new Uint8Array(100 * 301));
  // Valid chunks and checksums, but too little image data, or a cut compressed stream.
  const short = await handmadePng(100, 100, new Uint8Array(100 * 301 - 1));
  const cut = await handmadePng(100, 100, new Uint8Array(100 * 301), { cut: 10 });
  const split = await handmadePng(100, 100, noise(100 * 301).map((v, i) => i % 301 ? v : 0), {
    pieces: 7,
  });
  const cases = [[huge, false], [bomb, false], [short, false], [cut, false], [fine, true], [
    split,
    true,
  ]] as const;
  for (const [file, expected] of cases) {
    await withFile(file, async (path) => {
      for (const protocol of PROTOCOLS) {
        assertEquals((await inlineImage(path, protocol, FIT)) !== null, expected, protocol);
      }
    });
  }
  // A JPEG whose frame header claims 65535x65535.
  const photo = jpeg(16, 16);
  const sof = photo.findIndex((b, i) => b === 0xff && photo[i + 1] === 0xc0);
  photo.set([0xff, 0xff, 0xff, 0xff], sof + 5);
  await withFile(photo, async (path) => {
    for (const protocol of PROTOCOLS) assertEquals(await inlineImage(path, protocol, FIT), null);
  });
});

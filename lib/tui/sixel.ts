/**
 * DEC sixel graphics: RGB pixels quantised to a fixed palette (a 6x6x6 colour cube and a ramp
 * of greys, 240 registers, with ordered dithering) and written as one DCS sequence with
 * run-length compression. Every byte of the output is generated here.
 *
 * @module
 */

/** Colour registers: 216 for the cube, then the greys. */
const CUBE = 216, GREYS = 24;
/** Distance between two levels of the cube. */
const CUBE_STEP = 51;
/** Grey ramp levels, between the cube's black and white. */
const GREY_LEVELS = Array.from({ length: GREYS }, (_, i) => Math.round(((i + 1) * 255) / 25));
/** 4x4 Bayer matrix, as offsets in -0.5..0.5. */
const BAYER = [0, 8, 2, 10, 12, 4, 14, 6, 3, 11, 1, 9, 15, 7, 13, 5].map((v) =>
  (v + 0.5) / 16 - 0.5
);

/** The RGB value of each register. */
const PALETTE: [number, number, number][] = [];
for (let r = 0; r < 6; r++) {
  for (let g = 0; g < 6; g++) {
    for (let b = 0; b < 6; b++) PALETTE.push([r * CUBE_STEP, g * CUBE_STEP, b * CUBE_STEP]);
  }
}
for (const level of GREY_LEVELS) PALETTE.push([level, level, level]);

const clampLevel = (v: number, top: number) => Math.max(0, Math.min(top, Math.round(v)));

/** The register for each pixel of an RGB picture. */
export function quantise(rgb: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = y * width + x;
      const r = rgb[i * 3]!, g = rgb[i * 3 + 1]!, b = rgb[i * 3 + 2]!;
      const offset = BAYER[(y & 3) * 4 + (x & 3)]!;
      const qr = clampLevel(r / CUBE_STEP + offset, 5);
      const qg = clampLevel(g / CUBE_STEP + offset, 5);
      const qb = clampLevel(b / CUBE_STEP + offset, 5);
      const cube = qr * 36 + qg * 6 + qb;
      // A grey from the finer ramp, when it is closer than the cube's colour.
      const grey = clampLevel(((r + g + b) / 3) * (25 / 255) + offset - 1, GREYS - 1);
      const level = GREY_LEVELS[grey]!;
      const greyError = (level - r) ** 2 + (level - g) ** 2 + (level - b) ** 2;
      const cubeError = (qr * CUBE_STEP - r) ** 2 + (qg * CUBE_STEP - g) ** 2 +
        (qb * CUBE_STEP - b) ** 2;
      out[i] = greyError < cubeError ? CUBE + grey : cube;
    }
  }
  return out;
}

/** One sixel character repeated `count` times, compressed when that is shorter. */
function run(code: number, count: number): string {
  const char = String.fromCharCode(63 + code);
  return count > 3 ? `!${count}${char}` : char.repeat(count);
}

/** The DCS sequence that draws an RGB picture (3 bytes per pixel) with sixels. */
export function encodeSixel(rgb: Uint8Array, width: number, height: number): string {
  const registers = quantise(rgb, width, height);
  const used = new Uint8Array(PALETTE.length);
  for (const register of registers) used[register] = 1;
  const parts = ["\x1bPq", `"1;1;${width};${height}`];
  PALETTE.forEach(([r, g, b], register) => {
    if (!used[register]) return;
    const percent = (v: number) => Math.round((v * 100) / 255);
    parts.push(`#${register};2;${percent(r)};${percent(g)};${percent(b)}`);
  });
  const bands: string[] = [];
  const seen = new Int32Array(PALETTE.length).fill(-1);
  const codes = new Uint8Array(width);
  for (let top = 0, band = 0; top < height; top += 6, band++) {
    const rows = Math.min(6, height - top);
    const colours: number[] = [];
    for (let i = top * width; i < (top + rows) * width; i++) {
      const register = registers[i]!;
      if (seen[register] !== band) {
        seen[register] = band;
        colours.push(register);
      }
    }
    const passes: string[] = [];
    for (const colour of colours) {
      codes.fill(0);
      for (let dy = 0; dy < rows; dy++) {
        const row = (top + dy) * width;
        for (let x = 0; x < width; x++) if (registers[row + x] === colour) codes[x]! |= 1 << dy;
      }
      let end = width;
      while (end > 0 && codes[end - 1] === 0) end--;
      let pass = `#${colour}`;
      for (let x = 0; x < end;) {
        let next = x + 1;
        while (next < end && codes[next] === codes[x]) next++;
        pass += run(codes[x]!, next - x);
        x = next;
      }
      passes.push(pass);
    }
    bands.push(passes.join("$"));
  }
  parts.push(bands.join("-"), "\x1b\\");
  return parts.join("");
}

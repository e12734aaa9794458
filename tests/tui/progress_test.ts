import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import {
  formatBytes,
  formatDuration,
  renderProgress,
  shorten,
  type TransferProgress,
} from "../../lib/tui/progress.ts";
import { makeStyle } from "../../lib/tui/style.ts";
import { displayWidth, stripStyles } from "../../lib/tui/width.ts";

/** 52% of a file, at 12.3 MB/s, with 4 seconds to go. */
const cat: TransferProgress = {
  id: 3,
  direction: "receive",
  peer: "bob",
  name: "cat.jpg",
  done: 53_300_000,
  total: 102_500_000,
  bytesPerSecond: 12_300_000,
};

Deno.test("formatBytes: decimal units, one decimal above bytes", () => {
  const cases: [number, string][] = [
    [0, "0 B"],
    [999, "999 B"],
    [1000, "1.0 kB"],
    [1536, "1.5 kB"],
    [999_949, "999.9 kB"],
    [999_999, "1.0 MB"],
    [12_300_000, "12.3 MB"],
    [4_700_000_000, "4.7 GB"],
    [2e12, "2.0 TB"],
    [3e15, "3000.0 TB"],
    [-1, "—"],
    [NaN, "—"],
    [Infinity, "—"],
  ];
  for (const [n, text] of cases) assertEquals(formatBytes(n), text, String(n));
});

Deno.test("formatDuration: m:ss, h:mm:ss, rounded up; — when unknown", () => {
  const cases: [number, string][] = [
    [0, "0:00"],
    [4, "0:04"],
    [3.2, "0:04"],
    [59.5, "1:00"],
    [62, "1:02"],
    [3599, "59:59"],
    [3723, "1:02:03"],
    [360_000, "100:00:00"],
    [-1, "—"],
    [NaN, "—"],
    [Infinity, "—"],
  ];
  for (const [s, text] of cases) assertEquals(formatDuration(s), text, String(s));
});

Deno.test("renderProgress: every part when there is room", () => {
  const line = renderProgress(cat, 100);
  assertEquals(line, "#3 ↓ from bob  cat.jpg  [██████████▍         ]  52%  12.3 MB/s  0:04 left");
  assertEquals(
    renderProgress({ ...cat, direction: "send", peer: "ann" }, 100),
    "#3 ↑ to ann  cat.jpg  [██████████▍         ]  52%  12.3 MB/s  0:04 left",
  );
});

Deno.test("renderProgress: the bar shrinks first, then the name, then speed and time go", () => {
  const name = "holiday-photos-from-the-beach-2024.tar.gz";
  const p = { ...cat, name };
  const widths = [120, 98, 90, 70, 50, 40, 30, 20, 12, 8, 1];
  const lines = widths.map((w) => renderProgress(p, w));
  for (const [i, line] of lines.entries()) {
    assertOk(displayWidth(line) <= widths[i]!, `${widths[i]}: ${line}`);
  }
  const tail = "52%  12.3 MB/s  0:04 left";
  assertEquals(lines, [
    // Wide: the whole name, and the bar at its widest.
    `#3 ↓ from bob  ${name}  [██████████▍         ]  ${tail}`,
    // Narrower: the bar shrinks, the name stays whole.
    `#3 ↓ from bob  ${name}  [█████▋     ]  ${tail}`,
    // Then the name is shortened (keeping its end), speed and time stay.
    `#3 ↓ from bob  holiday-photos-from-the-be…-2024.tar.gz  [██▌  ]  ${tail}`,
    `#3 ↓ from bob  holiday-phot…tar.gz  [██▌  ]  ${tail}`,
    // Then speed goes, then time, then the bar; the percentage stays to the end.
    "#3 ↓ from bob  holida….gz  [██▌  ]  52%  0:04 left",
    "#3 ↓ from bob  holiday….gz  [██▌  ]  52%",
    "#3 ↓ from bob  holida….gz  52%",
    "#3 ↓ from bob  52%",
    "#3 ↓…ob  52%",
    "52%",
    "5",
  ]);
  assertEquals(renderProgress(p, 0), "");
});

Deno.test("renderProgress: never wider than the columns given, for any names", () => {
  const text = fc.string({ unit: fc.constantFrom("a", "漢", "🎉", "\x1b", "\n", "é", " ", ".") });
  fc.assert(
    fc.property(
      text,
      text,
      fc.nat(1e9),
      fc.nat(1e9),
      fc.nat(1e8),
      fc.integer({ min: -5, max: 200 }),
      (peer, name, done, total, speed, columns) => {
        const p: TransferProgress = {
          id: 12,
          direction: "send",
          peer,
          name,
          done,
          total,
          bytesPerSecond: speed,
        };
        for (const style of [undefined, makeStyle(true)]) {
          const line = renderProgress(p, columns, style);
          const plain = stripStyles(line);
          if (displayWidth(plain) > Math.max(0, columns)) return false;
          // Nothing from the peer acts on the terminal: the only escapes are rt's colours.
          // deno-lint-ignore no-control-regex -- control characters are what is looked for
          if (/[\x00-\x1f\x7f]/.test(plain)) return false;
        }
        return true;
      },
    ),
  );
});

Deno.test("renderProgress: the same text with colours as without", () => {
  for (const columns of [100, 60, 40, 20, 5]) {
    const coloured = renderProgress(cat, columns, makeStyle(true));
    assertOk(coloured.includes("\x1b["), `colours at ${columns}`);
    assertEquals(stripStyles(coloured), renderProgress(cat, columns));
  }
});

Deno.test("renderProgress: hostile names are inert; odd numbers are safe", () => {
  const line = renderProgress({ ...cat, peer: "ev\x1b[2Jil", name: "a\nb\u202e.txt" }, 200);
  assertEquals(
    line,
    "#3 ↓ from ev\\x1b[2Jil  a\\x0ab\\u{202e}.txt  [██████████▍         ]  52%  12.3 MB/s  0:04 left",
  );
  // Done: no time left, full bar.
  assertEquals(
    renderProgress({ ...cat, done: cat.total }, 100),
    "#3 ↓ from bob  cat.jpg  [████████████████████]  100%  12.3 MB/s  done",
  );
  // Unknown speed; more done than in all; nothing in all; not numbers.
  assertEquals(
    renderProgress({ ...cat, bytesPerSecond: 0 }, 60),
    "#3 ↓ from bob  cat.jpg  [██████████▍         ]  52%  — left",
  );
  assertOk(renderProgress({ ...cat, done: 2 * cat.total }, 80).includes("100%"));
  assertOk(renderProgress({ ...cat, done: 0, total: 0 }, 80).includes("100%"));
  const odd = renderProgress({ ...cat, done: NaN, total: -5, bytesPerSecond: NaN }, 80);
  assertOk(!odd.includes("NaN"), odd);
});

Deno.test("shorten keeps the start and the end, within the width", () => {
  assertEquals(shorten("cat.jpg", 10), "cat.jpg");
  assertEquals(shorten("holiday-photos.jpg", 10), "holida…jpg");
  assertEquals(shorten("漢字漢字漢字漢字", 7), "漢字…字");
  assertEquals(shorten("abc", 1), "…");
  assertEquals(shorten("abc", 0), "");
  for (let w = 1; w < 20; w++) assertOk(displayWidth(shorten("漢a字b🎉c".repeat(3), w)) <= w);
});

import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import { splitText } from "../../lib/client/split_text.ts";

const graphemes = (text: string) =>
  [...new Intl.Segmenter(undefined, { granularity: "grapheme" }).segment(text)].map((s) =>
    s.segment
  );

Deno.test("a text that fits is one part; nothing but spaces is nothing", () => {
  assertEquals(splitText("hello", 10), ["hello"]);
  assertEquals(splitText("x".repeat(10), 10), ["x".repeat(10)]);
  assertEquals(splitText("", 10), []);
  assertEquals(splitText(" ".repeat(25), 10), []);
});

Deno.test("cut at a line break near the limit, else at a space, the separator left out", () => {
  assertEquals(splitText("aaaa bbb\ncc dd", 10), ["aaaa bbb", "cc dd"]);
  assertEquals(splitText("aaaa bbbb cc", 10), ["aaaa bbbb", "cc"]);
  assertEquals(splitText("aaaaaa\r\nbbbbbbb", 10), ["aaaaaa", "bbbbbbb"]);
  // A line break early in the part is not worth a short part: the space near the limit is.
  assertEquals(splitText("a\nbbbbbb cccccc", 10), ["a\nbbbbbb", "cccccc"]);
  // One long word: cut where the limit is.
  assertEquals(splitText("abcdefghijklmnopqrstuvwxyz", 10), [
    "abcdefghij",
    "klmnopqrst",
    "uvwxyz",
  ]);
});

Deno.test("never inside a character: surrogate pairs, accents, emoji sequences stay whole", () => {
  // 🎉 is two code units: at the limit it goes whole to the next part.
  assertEquals(splitText("abcdefghi🎉jk", 10), ["abcdefghi", "🎉jk"]);
  // e + combining acute is one character.
  assertEquals(splitText("abcdefghie\u0301xyz", 10), ["abcdefghi", "e\u0301xyz"]);
  // A family emoji (several code points joined) is one character.
  const family = "👨‍👩‍👧";
  assertEquals(splitText(`abcdef${family}xyz`, 12), ["abcdef", `${family}xyz`]);
  // A space carrying an accent is one character, not a place to cut.
  assertEquals(splitText("aaaaaaa \u0301bbbbbbbbb", 10), ["aaaaaaa \u0301b", "bbbbbbbb"]);
  // A single character longer than the limit: cut between code points, never a pair.
  const zalgo = "a" + "\u0301".repeat(30);
  assertOk(splitText(zalgo, 10).every((p) => p.length <= 10));
  assertEquals(splitText(zalgo, 10).join(""), zalgo);
});

Deno.test("fuzzed: every part fits, no character is cut, and nothing is lost", () => {
  const text = fc.array(
    fc.oneof(
      fc.string({ unit: "grapheme", maxLength: 12 }),
      fc.constantFrom(" ", "\n", "\r\n", "  ", "🎉", "e\u0301", "👨‍👩‍👧", "漢字"),
    ),
    { maxLength: 60 },
  ).map((pieces) => pieces.join(""));
  fc.assert(
    fc.property(text, fc.integer({ min: 8, max: 40 }), (t, limit) => {
      const parts = splitText(t, limit);
      for (const part of parts) {
        assertOk(part.length <= limit, `${part.length} > ${limit}`);
        assertOk(part.trim() !== "", "a part of nothing but spaces");
      }
      // Every character of the text, in order, once: the only things left out are the
      // separators cut at and parts of nothing but spaces.
      const kept = graphemes(parts.join("")).filter((g) => !/^\s+$/u.test(g));
      const all = graphemes(t).filter((g) => !/^\s+$/u.test(g));
      if (t.length <= limit) assertEquals(parts, t.trim() === "" ? [] : [t]);
      else assertEquals(kept.join(""), all.join(""));
      // No character was cut: each part begins and ends on a character's boundary.
      const whole = new Set(graphemes(t));
      for (const part of parts) {
        for (const g of graphemes(part)) {
          assertOk(whole.has(g) || /^\s+$/u.test(g), `cut: ${JSON.stringify(g)}`);
        }
      }
    }),
    { numRuns: 1000 },
  );
});

import { assertEquals } from "../assert.ts";
import { cutToWidth, displayWidth, stripStyles } from "../../lib/tui/width.ts";

Deno.test("cutToWidth cuts by columns, wide characters whole, colours free", () => {
  assertEquals(cutToWidth("hello", 10), "hello");
  assertEquals(cutToWidth("hello", 3), "hel");
  assertEquals(cutToWidth("hello", 0), "");
  // A wide character that does not fit is left out whole.
  assertEquals(cutToWidth("ab漢字", 3), "ab");
  assertEquals(cutToWidth("ab漢字", 4), "ab漢");
  assertEquals(cutToWidth("🎉🎉", 3), "🎉");
  // Colour sequences take no room; a cut coloured line ends with a reset.
  const red = "\x1b[31mred text\x1b[39m";
  assertEquals(cutToWidth(red, 8), red);
  assertEquals(cutToWidth(red, 3), "\x1b[31mred\x1b[0m");
  assertEquals(stripStyles(cutToWidth(`a${red}b`, 5)), "ared ");
  for (let w = 0; w < 12; w++) {
    assertEquals(displayWidth(stripStyles(cutToWidth(`漢${red}字🎉x`, w))) <= w, true);
  }
});

import { assertEquals } from "../assert.ts";
import { cells, endColumn, rowsBelow, rowsOf, up } from "../../lib/tui/row_layout.ts";

Deno.test("a wide character that would straddle the edge goes to the next row", () => {
  // 9 narrow cells, then 漢 (2 cells) in a row 10 wide: cell 10 stays empty.
  assertEquals(cells("123456789漢", 10), 12);
  assertEquals(cells("12345678漢", 10), 10);
  assertEquals(rowsOf("123456789漢", 10), 2);
  assertEquals(endColumn("123456789漢", 10), 2);
});

Deno.test("a line that fills its last row exactly leaves the cursor one row further down", () => {
  assertEquals(rowsOf("1234567890", 10), 1);
  assertEquals(rowsBelow("1234567890", 10), 2);
  assertEquals(rowsBelow("123456789", 10), 1);
  assertEquals(endColumn("1234567890", 10), 0);
  assertEquals(rowsOf("", 10), 1);
  assertEquals(rowsBelow("> " + "a".repeat(25), 9), 4);
});

Deno.test("moving up no rows writes nothing", () => {
  assertEquals(up(0), "");
  assertEquals(up(3), "\x1b[3A");
});

import { assertEquals } from "../assert.ts";
import { StatusArea } from "../../lib/tui/status_area.ts";

const GREEN = "\x1b[32m", RESET = "\x1b[39m";

Deno.test("status lines are cut to the width, end their row, and are recorded as drawn", () => {
  const area = new StatusArea();
  assertEquals(area.set([`${GREEN}downloading cat.jpg${RESET}`, "hashing"]), true);
  assertEquals(area.wanted, true);
  assertEquals(area.shown, false);
  assertEquals(area.isDrawn(10), false);
  assertEquals(area.block(10), `${GREEN}downloadin\x1b[0m\r\nhashing\r\n`);
  assertEquals(area.shown, true);
  assertEquals(area.isDrawn(10), true);
  assertEquals(area.rows(10), 2);
});

Deno.test("asked for the same lines again: nothing to redraw, unless the width changed", () => {
  const area = new StatusArea();
  area.set(["50% of cat.jpg"]);
  area.block(80);
  assertEquals(area.set(["50% of cat.jpg"]), false);
  assertEquals(area.isDrawn(80), true);
  assertEquals(area.isDrawn(40), false);
  assertEquals(area.set(["51% of cat.jpg"]), true);
});

Deno.test("lines on the screen take more rows once the terminal narrows and rewraps them", () => {
  const area = new StatusArea();
  area.set(["x".repeat(30), "y".repeat(5)]);
  area.block(30);
  assertEquals(area.rows(30), 2);
  assertEquals(area.rows(10), 4);
});

Deno.test("controls in status lines are made inert, colours kept", () => {
  const area = new StatusArea();
  area.set([`${GREEN}ok${RESET}\x1b[2J\x07`]);
  const block = area.block(80);
  assertEquals(block.includes("\x1b[2J") || block.includes("\x07"), false);
  assertEquals(block.startsWith(`${GREEN}ok${RESET}`), true);
});

Deno.test("lines taken off the screen are no longer counted; cleared ones no longer asked for", () => {
  const area = new StatusArea();
  area.set(["a"]);
  area.block(80);
  area.forget();
  assertEquals(area.shown, false);
  assertEquals(area.rows(80), 0);
  assertEquals(area.isDrawn(80), false);
  area.clear();
  assertEquals(area.wanted, false);
  assertEquals(area.isDrawn(80), true);
  assertEquals(area.block(80), "");
});

import { assertEquals, assertOk } from "../assert.ts";
import { mentions, renderEvent } from "../../lib/tui/render.ts";
import { makeStyle, nameColourIndex } from "../../lib/tui/style.ts";
import { displayWidth, stripStyles } from "../../lib/tui/width.ts";
import type { ChatEvent } from "../../lib/tui/events.ts";

const time = "2026-11-21T10:05:00.000Z";
const message = (
  text: string,
  extra: Partial<ChatEvent & { type: "message" }> = {},
): ChatEvent => ({
  type: "message",
  from: "ann",
  text,
  time,
  own: false,
  action: false,
  direct: false,
  ...extra,
});

Deno.test("plain rendering has no escapes at all", () => {
  const line = renderEvent(message("hi bob"), { self: "bob", timestamps: false })!;
  assertEquals(line, "ann: hi bob");
  assertEquals(
    renderEvent(message("waves", { action: true }), { timestamps: false }),
    "* ann waves",
  );
});

Deno.test("peer text cannot carry escapes through the colours", () => {
  const style = makeStyle(true);
  const line = renderEvent(message("\x1b[2J\x1b]0;title\x07 bob", { from: "e\x1b[31mvil" }), {
    style,
    self: "bob",
  })!;
  const plain = stripStyles(line);
  // deno-lint-ignore no-control-regex
  assertOk(!/[\x00-\x1f]/.test(plain), JSON.stringify(plain));
  assertOk(plain.includes("\\x1b[2J"));
  assertOk(line.includes("\x1b[7m"), "the mention of bob is highlighted");
});

Deno.test("mentions are whole words, any case, with or without @", () => {
  assertOk(mentions("hey Bob!", "bob"));
  assertOk(mentions("@bob look", "bob"));
  assertOk(!mentions("bobby tables", "bob"));
  assertOk(!mentions("hello", null));
  assertOk(mentions("こんにちは José", "josé"));
});

Deno.test("a name keeps its colour, whatever its case", () => {
  assertEquals(nameColourIndex("Ann"), nameColourIndex("ann"));
  const colours = new Set(["ann", "bob", "carol", "dave", "erin", "frank"].map(nameColourIndex));
  assertOk(colours.size > 2);
});

Deno.test("display width counts wide and zero-width characters", () => {
  assertEquals(displayWidth("abc"), 3);
  assertEquals(displayWidth("日本語"), 6);
  assertEquals(displayWidth("👍"), 2);
  assertEquals(displayWidth("e\u0301"), 1);
  assertEquals(displayWidth("한국"), 4);
});

import { assertEquals } from "../assert.ts";
import { isPlainText, type Key, KeyRuns } from "../../lib/tui/key_runs.ts";

/** Runs of keys, with the end of each chunk run by hand. */
function setup() {
  const handled: [string | undefined, Key | undefined][] = [];
  const scheduled: (() => void)[] = [];
  const runs = new KeyRuns((text, key) => handled.push([text, key]), (f) => scheduled.push(f));
  const endChunk = () => scheduled.splice(0).forEach((f) => f());
  return { handled, scheduled, runs, endChunk };
}

Deno.test("printable characters typed in a row reach the editor as one insertion", () => {
  const { handled, scheduled, runs, endChunk } = setup();
  for (const char of "hello 漢字 😀") runs.key(char, { name: char, sequence: char });
  assertEquals(handled, []);
  assertEquals(scheduled.length, 1);
  endChunk();
  assertEquals(handled, [["hello 漢字 😀", undefined]]);
});

Deno.test("any other key ends the run first, so the order is kept", () => {
  const { handled, runs, endChunk } = setup();
  const enter = { name: "return", sequence: "\r" };
  const ctrlA = { name: "a", ctrl: true, sequence: "\x01" };
  runs.key("a", { name: "a" });
  runs.key("b", { name: "b" });
  runs.key("\r", enter);
  runs.key("c", { name: "c" });
  runs.key(undefined, ctrlA);
  runs.key("d", { name: "d" });
  endChunk();
  assertEquals(handled, [["ab", undefined], ["\r", enter], ["c", undefined], [undefined, ctrlA], [
    "d",
    undefined,
  ]]);
  // Nothing left to hand on.
  runs.flush();
  assertEquals(handled.length, 5);
});

Deno.test("Ctrl, Alt, controls and escape sequences are not plain text", () => {
  assertEquals(isPlainText("x", { name: "x" }), true);
  assertEquals(isPlainText("x", { name: "x", meta: true }), false);
  assertEquals(isPlainText("x", { name: "x", ctrl: true }), false);
  assertEquals(isPlainText("\t", { name: "tab" }), false);
  assertEquals(isPlainText("\x1b[A", { name: "up" }), false);
  assertEquals(isPlainText("", undefined), false);
  assertEquals(isPlainText(undefined, { name: "left" }), false);
});

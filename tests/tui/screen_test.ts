/**
 * The bottom of the screen without a terminal: a line editor that reports where its cursor is,
 * and an output that keeps what is written. The real terminal is in tests/e2e/terminal_test.ts.
 */
import { assertEquals } from "../assert.ts";
import { CLEAR_DOWN } from "../../lib/tui/row_layout.ts";
import { type EditorView, Screen } from "../../lib/tui/screen.ts";
import { StatusArea } from "../../lib/tui/status_area.ts";

/** Where the editor's cursor is, set by the test; and how often it drew the input again. */
class FakeEditor implements EditorView {
  rows = 0;
  cols = 0;
  promptText = "me> ";
  redrawn = 0;
  cursor() {
    return { rows: this.rows, cols: this.cols };
  }
  getPrompt() {
    return this.promptText;
  }
  prompt(preserveCursor?: boolean) {
    if (preserveCursor) this.redrawn++;
  }
}

function setup(width = 20) {
  const written: string[] = [];
  const editor = new FakeEditor();
  const out = { width, refreshed: 0 };
  const status = new StatusArea();
  const screen = new Screen(editor, status, {
    write: (text) => written.push(text),
    columns: () => out.width,
    refresh: () => out.refreshed++,
  });
  return { written, editor, out, status, screen };
}

Deno.test("a line goes above the status lines, and the input is drawn again where it was", () => {
  const { written, editor, out, status, screen } = setup();
  status.set(["50% cat.jpg"]);
  screen.redraw();
  assertEquals(written, [CLEAR_DOWN + "50% cat.jpg\r\n"]);
  // The input wraps over two rows, the cursor on the second.
  editor.rows = 1;
  screen.redraw("bob: hi\n");
  assertEquals(written[1], "\x1b[2A" + CLEAR_DOWN + "bob: hi\n50% cat.jpg\r\n\n");
  assertEquals(editor.redrawn, 2);
  assertEquals(out.refreshed, 2);
});

Deno.test("after narrowing, the rewrapped status lines are cleared with the input", () => {
  const { written, out, status, screen } = setup(20);
  status.set(["x".repeat(20)]);
  screen.redraw();
  out.width = 10;
  // The terminal shows the cursor 2 rows below the prompt; readline believes 1.
  screen.resized(2, 1);
  assertEquals(written[1], "\x1b[4A" + CLEAR_DOWN + "x".repeat(10) + "\r\n\n");
  // Nothing to do when readline is right and no status lines are shown.
  status.clear();
  status.forget();
  screen.resized(1, 1);
  assertEquals(written.length, 2);
});

Deno.test("a submitted line is erased, or kept in place of the status lines", () => {
  const { written, editor, status, screen } = setup(10);
  screen.eraseSubmitted("me> hello world");
  assertEquals(written[0], "\x1b[2A\x1b[1G\x1b[0J");
  status.set(["bar"]);
  screen.redraw();
  editor.promptText = "Name: ";
  screen.keepSubmitted("ann");
  assertEquals(written[2], "\x1b[2A" + CLEAR_DOWN + "Name: ann\r\n");
  assertEquals(status.shown, false);
});

Deno.test("a list of candidates: the status lines are taken out and the cursor kept", () => {
  const { written, editor, status, screen } = setup();
  status.set(["a", "b"]);
  screen.redraw();
  editor.rows = 1;
  editor.cols = 7;
  screen.liftStatus();
  assertEquals(written[1], "\x1b[3A\x1b[2M\x1b[1B\x1b[8G");
  assertEquals(status.shown, false);
});

Deno.test("closing takes the status lines away with the input, or clears the prompt's row", () => {
  const { written, status, screen } = setup();
  screen.clear();
  assertEquals(written[0], "\x1b[1G\x1b[2K");
  status.set(["a"]);
  screen.redraw();
  screen.clear();
  assertEquals(written[2], "\x1b[1A" + CLEAR_DOWN);
});

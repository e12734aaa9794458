import { assertEquals, assertOk } from "../assert.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { makeStyle } from "../../lib/tui/style.ts";
import { isProgressOnly, TransferLines } from "../../lib/tui/transfer_lines.ts";

const progress = (id: number, name: string, done: number): ChatEvent => ({
  type: "file-progress",
  id,
  direction: "receive",
  peer: "bob",
  name,
  done,
  total: 1000,
  bytesPerSecond: 100,
});

Deno.test("a bar per transfer moving, gone once it ends", () => {
  const lines = new TransferLines(makeStyle(false));
  assertEquals(lines.take(progress(1, "cat.jpg", 500)), true);
  assertEquals(lines.take(progress(2, "dog.jpg", 100)), true);
  const shown = lines.lines(80);
  assertEquals(shown.length, 2);
  assertOk(shown[0]!.includes("cat.jpg") && shown[0]!.includes("50%"), shown[0]);
  assertOk(shown[1]!.includes("dog.jpg"), shown[1]);
  assertEquals(
    lines.take({
      type: "file-done",
      id: 1,
      direction: "receive",
      peer: "bob",
      name: "cat.jpg",
      files: 1,
      total: 1000,
      seconds: 5,
    }),
    true,
  );
  assertEquals(lines.lines(80).map((line) => line.includes("dog.jpg")), [true]);
  // The end of a transfer never shown: nothing to redraw.
  assertEquals(
    lines.take({
      type: "file-stopped",
      id: 9,
      direction: "send",
      peer: "bob",
      name: "x",
      reason: "rejected",
      by: "peer",
      text: "",
      resumable: false,
    }),
    false,
  );
});

Deno.test("hashing for an offer shows one line below the bars, until it is done", () => {
  const lines = new TransferLines(makeStyle(false));
  lines.take(progress(1, "cat.jpg", 500));
  assertEquals(lines.take({ type: "file-preparing", name: "big.iso", done: 25, total: 100 }), true);
  const shown = lines.lines(80);
  assertEquals(shown.length, 2);
  assertOk(shown[1]!.includes("Hashing big.iso") && shown[1]!.includes("25%"), shown[1]);
  lines.take({ type: "file-preparing", name: "big.iso", done: 100, total: 100 });
  assertEquals(lines.lines(80).length, 1);
});

Deno.test("bars fit the width; other events change nothing and print in the chat", () => {
  const lines = new TransferLines(makeStyle(false));
  lines.take(progress(1, "a very long name for a file that goes on and on.tar", 500));
  assertOk(lines.lines(40)[0]!.length <= 40);
  const message: ChatEvent = {
    type: "message",
    from: "bob",
    text: "hi",
    time: "2025-01-01T00:00:00.000Z",
    own: false,
    action: false,
    direct: false,
  };
  assertEquals(lines.take(message), false);
  assertEquals(isProgressOnly(message), false);
  assertEquals(isProgressOnly(progress(1, "a", 1)), true);
  assertEquals(isProgressOnly({ type: "file-preparing", name: "a", done: 1, total: 2 }), true);
});

import { assertEquals, assertOk } from "../assert.ts";
import { mentions, renderEvent } from "../../lib/tui/render.ts";
import { makeStyle, nameColourIndex } from "../../lib/tui/style.ts";
import { displayWidth, stripStyles } from "../../lib/tui/width.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { COMMANDS } from "../../lib/app/commands.ts";

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

// Issue 14: the words a newcomer reads first.

Deno.test("/help lines up its columns by display width, however long the usage", () => {
  const commands = COMMANDS.map((c) => ({ command: c.usage, help: c.summary }));
  commands.push({ command: "/名前 漢字", help: "a wide usage" });
  const lines = renderEvent({ type: "help", commands })!.split("\n");
  assertEquals(lines.length, commands.length);
  const columns = lines.map((line, i) => {
    const at = line.lastIndexOf(commands[i]!.help);
    assertOk(at > 0, line);
    return displayWidth(line.slice(0, at));
  });
  assertEquals(new Set(columns).size, 1, `help starts at columns ${columns}:\n${lines.join("\n")}`);
  for (const [i, line] of lines.entries()) {
    assertOk(line.includes(`${commands[i]!.command} `), `the usage is whole: ${line}`);
  }
});

Deno.test("a room bound to this computer only says so, and no router advice", () => {
  for (const bound of [["127.0.0.1"], ["::1"]]) {
    const text = renderEvent({
      type: "listening",
      port: 4242,
      bound,
      addresses: [],
      router: "off",
    })!;
    assertOk(text.includes("Only this computer can join"), text);
    assertOk(text.includes(`rt ${bound[0]} 4242`), text);
    assertOk(text.includes("--bind"), `how to open it to others:\n${text}`);
    assertOk(!/router|forward/i.test(text), text);
  }
});

Deno.test("/help is offered once at the start: in the welcome, not also when the room opens", () => {
  const listening = renderEvent({
    type: "listening",
    port: 4242,
    bound: ["0.0.0.0"],
    addresses: [{ address: "192.168.1.5", interface: "eth0", command: "rt 192.168.1.5 4242" }],
    router: "off",
  })!;
  assertOk(!listening.includes("/help"), listening);
  const welcome = renderEvent({
    type: "welcome",
    name: "hana",
    host: true,
    fingerprint: "11111 22222 33333 44444 55555 66666",
    members: [],
  })!;
  assertEquals(welcome.split("/help").length - 1, 1, welcome);
});

Deno.test("a member removed from a room that stays open is not told the room is closed", () => {
  const closed = (reason: string) => renderEvent({ type: "closed", reason })!;
  assertEquals(closed("the host removed you from the room"), "The host removed you from the room.");
  assertEquals(closed("the host banned you from this room"), "The host banned you from this room.");
  assertEquals(closed("the host closed the room"), "The room is closed: the host closed the room.");
  assertEquals(closed("you closed the room"), "The room is closed: you closed the room.");
  assertEquals(closed("bye \x1b[2J"), "The room is closed: bye \\x1b[2J.");
});

Deno.test("a successful /trust, /kick, /ban, /unblock, /lock or /unlock reads as a success", () => {
  const text = renderEvent({
    type: "notice",
    code: "trusted",
    text: "ann's key is now marked verified; you will be told if it ever changes.",
  })!;
  assertOk(text.startsWith("✓ "), text);
  assertOk(!text.includes("!"), text);
  // So does what the host asked of the room.
  for (const code of ["kicked", "banned", "unblocked", "locked", "unlocked"]) {
    const done = renderEvent({ type: "notice", code, text: "Removed bob from the room" })!;
    assertOk(done.startsWith("✓ "), `${code}: ${done}`);
  }
  // A notice still reads as one.
  assertOk(renderEvent({ type: "notice", text: "something odd" })!.startsWith("! "));
});

Deno.test("a transfer done in under a second does not say it took 0 s", () => {
  const done = (total: number, seconds: number) =>
    renderEvent({
      type: "file-done",
      id: 1,
      direction: "send",
      peer: "bob",
      name: "note.txt",
      files: 1,
      total,
      seconds,
    })!;
  for (const seconds of [0, 0.1, 0.9]) {
    const text = done(22, seconds);
    assertOk(text.includes("(22 B in under a second)"), text);
    assertOk(!/\b0(\.\d)? s\b/.test(text), text);
  }
  assertOk(done(25_000_000, 12.5).includes("(25.0 MB in 12.5 s, 2.0 MB/s)"), done(25e6, 12.5));
  assertOk(done(25_000_000, 125).includes("(25.0 MB in 2:05, 200.0 kB/s)"), done(25e6, 125));
});

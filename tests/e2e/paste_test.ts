/**
 * Long pastes: a paste of 10,000 characters appears on the input line at once (the line editor
 * takes it in as one insertion, not one redraw per character), and a message over the limit of
 * 4,000 characters goes out as several messages, split between words, none of it lost. The same
 * for a long line on `--json`'s stdin.
 */
import { MAX_TEXT_CHARS } from "../../lib/codec/messages.ts";
import { MAX_PARTS } from "../../lib/client/mod.ts";
import { assertEquals, assertOk } from "../assert.ts";
import { E2e } from "./harness.ts";
import { screenLines, Terminal } from "./tmux.ts";
import { available } from "./programs.ts";

/**
 * Words of 1 to 12 letters, numbered so that a lost or repeated stretch shows, with a wide
 * character and an emoji here and there, separated by single spaces, `length` characters
 * (UTF-16 units) or just under, ending with `END`.
 */
function pasteText(length: number): string {
  const words: string[] = [];
  let total = 0;
  for (let i = 0; total < length - 20; i++) {
    const word = i % 97 === 0 ? `漢字${i}` : i % 89 === 0 ? `🎉${i}` : `w${i}${"x".repeat(i % 9)}`;
    words.push(word);
    total += word.length + 1;
  }
  words.push("END");
  return words.join(" ");
}

Deno.test({
  name: "a paste of 10,000 characters appears at once and is sent whole, as several messages",
  ignore: !available("tmux"),
  async fn() {
    await using e2e = new E2e();
    const { process: host, port } = await e2e.host({ name: "hana" });
    await using alice = await Terminal.open({
      label: "alice",
      args: ["127.0.0.1", String(port), "--name", "alice"],
      env: { RT_PASSWORD: "pw" },
      width: 80,
      height: 24,
    });
    await alice.waitForScreen((s) => screenLines(s).at(-1) === "alice>", { what: "the prompt" });

    const text = pasteText(10_000);
    assertOk(text.length > 2 * MAX_TEXT_CHARS, "more than two messages' worth");
    const file = await Deno.makeTempFile({ prefix: "rt-paste-" });
    try {
      await Deno.writeTextFile(file, text);
      await alice.tmux("load-buffer", "-b", "paste", file);
    } finally {
      await Deno.remove(file);
    }
    const started = performance.now();
    await alice.tmux("paste-buffer", "-d", "-b", "paste", "-t", "=0:");
    // The end of the paste on the input line. Generous: before the fix this took minutes.
    const tail = text.slice(-40);
    await alice.waitForScreen((s) => s.replaceAll("\n", "").includes(tail), {
      join: true,
      timeoutMs: 60_000,
      what: "the end of the paste on the input line",
    });
    console.log(
      `  (10,000 characters pasted: on the screen after ${
        Math.round(performance.now() - started)
      } ms)`,
    );

    await alice.press("Enter");
    const parts: string[] = [];
    while (parts.join(" ").length < text.length) {
      const event = await host.next("message", (e) => e.from === "alice", {
        count: parts.length + 1,
        what: `alice's message ${parts.length + 1}`,
      });
      parts.push(event.text);
    }
    assertEquals(parts.length, 3, "10,000 characters in three messages");
    for (const part of parts) {
      assertOk(part.length <= MAX_TEXT_CHARS, `a part of ${part.length} characters`);
      assertOk(!/^\s|\s$/.test(part), "split between words, the space not kept");
    }
    assertEquals(parts.join(" "), text, "every word, once, in order");
    await alice.waitForText("sent as 3 messages", { join: true, history: true });
    assertEquals(await alice.exitCode(), null, "alice still in the room");
  },
});

Deno.test("a --json line over the limit is sent as several messages, none of it lost", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  const bob = await e2e.join(port, "bob");
  const text = pasteText(9_000);
  await bob.type(text);
  const parts: string[] = [];
  while (parts.join(" ").length < text.length) {
    const event = await host.next("message", (e) => e.from === "bob", {
      count: parts.length + 1,
      what: `bob's message ${parts.length + 1}`,
    });
    parts.push(event.text);
  }
  assertEquals(parts.length, 3);
  assertEquals(parts.join(" "), text);
  const notice = await bob.next("notice", (e) => e.code === "split");
  assertOk(notice.text.includes("3 messages"), notice.text);
  assertEquals(bob.all("error").filter((e) => e.code === "too-long"), [], "nothing refused");

  // A direct message over the limit too, to its one recipient.
  const direct = pasteText(4_500);
  await bob.type(`/msg hana ${direct}`);
  const isDirect = (e: { from: string; direct: boolean }) => e.from === "bob" && e.direct;
  const first = await host.next("message", isDirect);
  const second = await host.next("message", isDirect, { count: 2 });
  assertEquals(`${first.text} ${second.text}`, direct);

  // More than a line should flood the room with: refused, saying so, nothing sent.
  const before = host.all("message").length;
  await bob.type("flood ".repeat(Math.ceil((MAX_PARTS * MAX_TEXT_CHARS) / 6) + 1000));
  const refused = await bob.next("error", (e) => e.code === "too-long");
  assertOk(refused.message.includes("/send"), refused.message);
  await bob.type("after the flood");
  await host.next("message", (e) => e.text === "after the flood");
  assertEquals(host.all("message").length, before + 1, "nothing of the refused line was sent");
});

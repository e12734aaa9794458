/** The reading of rt's output (`rt_output.ts`), fed piece by piece from streams the test writes. */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { utf8 } from "../../lib/util/mod.ts";
import type { ChatEvent } from "../../lib/events.ts";
import { type Exit, type OutputOptions, RtOutput } from "./rt_output.ts";

/** A stream the test writes into, a piece at a time. */
function pipe() {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  const stream = new ReadableStream<Uint8Array>({ start: (c) => void (controller = c) });
  return {
    stream,
    write: (piece: string | Uint8Array) =>
      controller.enqueue(typeof piece === "string" ? utf8(piece) : piece),
    end: () => controller.close(),
  };
}

/** An output read from test-written stdout and stderr, and an exit the test gives. */
function process(options: OutputOptions = {}) {
  const stdout = pipe(), stderr = pipe();
  let exit!: (exit: Exit) => void;
  const status = new Promise<Exit>((resolve) => exit = resolve);
  const output = new RtOutput(
    "rt",
    { stdout: stdout.stream, stderr: stderr.stream, status },
    options,
  );
  /** Ends both streams and exits with `code`; resolves once everything is read. */
  const finish = async (code: number) => {
    stdout.end();
    stderr.end();
    exit({ code, signal: null });
    await Promise.all([status, output.outputEnded]);
  };
  return { output, stdout, stderr, finish };
}

const line = (event: Record<string, unknown>) => JSON.stringify(event) + "\n";

Deno.test("a line written in pieces is one event; the last line needs no newline", async () => {
  const { output, stdout, finish } = process();
  stdout.write('not json\n\n{"type":"notice","code":"a",');
  await output.waitForText('"code":"a",');
  assertEquals([output.events, output.nonJson], [[], ["not json"]], output.describe());
  // The rest, cut in the middle of a character's bytes; then a line with no newline.
  const rest = utf8('"text":"漢字"}\n{"type":"notice","code":"b","text":"last"}');
  stdout.write(rest.subarray(0, 9));
  stdout.write(rest.subarray(9));
  await finish(0);
  assertEquals((await output.next("notice", (e) => e.code === "b")).text, "last");
  assertEquals(output.all("notice").map((e) => [e.code, e.text]), [["a", "漢字"], ["b", "last"]]);
  assertEquals(output.nonJson, ["not json"]);
});

Deno.test("a wait fails at its deadline, or when the output ends, with all that was seen", async () => {
  const { output, stdout, stderr, finish } = process();
  stdout.write(line({ type: "notice", code: "x", text: "seen" }));
  await output.next("notice");
  await assertRejects(
    () => output.next("message", (e) => e.text === "never", { timeoutMs: 50 }),
    (e) =>
      e instanceof Error && e.message.includes("[rt] nothing matched within 50 ms") &&
      e.message.includes(`a "message" event where`) && e.message.includes('"text":"seen"') &&
      e.message.includes("[rt] running"),
  );
  stderr.write("a warning\n");
  await finish(3);
  await assertRejects(
    () => output.next("message"),
    (e) =>
      e instanceof Error && e.message.includes("[rt] output ended") &&
      e.message.includes("  a warning") && e.message.includes("exited with code 3 (signal null)"),
  );
  assertEquals([output.stderr, output.exited], ["a warning\n", { code: 3, signal: null }]);
});

Deno.test("count, since and fail: each event is looked at once, in order", async () => {
  const seen: ChatEvent[] = [];
  const { output, stdout, finish } = process({ onEvent: (event) => seen.push(event) });
  const message = (text: string) =>
    line({ type: "message", from: "bob", text, at: 0, id: 0, direct: false });
  let looks = 0;
  const isMessage = (e: ChatEvent) => e.type === "message";
  const second = output.waitForIndex((e) => ++looks > 0 && isMessage(e), { count: 2 });
  stdout.write(message("one") + line({ type: "notice", code: "n", text: "between" }));
  stdout.write(message("two") + message("three"));
  assertEquals([await second, looks], [2, 3]);
  assertEquals(await output.waitForIndex(isMessage, { since: 3 }), 3);
  await assertRejects(
    () => output.waitForIndex(isMessage, { since: 1, fail: (e) => e.type === "notice" }),
    (e) => e instanceof Error && e.message.includes('got {"type":"notice"'),
  );
  assertEquals(seen, output.events);
  assertEquals(seen.length, 4);
  await finish(0);
});

Deno.test("kept short where asked: stdout text, stderr's tail, the last events", async () => {
  const { output, stdout, stderr, finish } = process({
    keepStdout: false,
    stderrTail: 8,
    describeLast: 2,
  });
  for (let i = 0; i < 5; i++) stdout.write(line({ type: "notice", code: `n${i}`, text: "" }));
  stderr.write("0123456789\n");
  await finish(0);
  await output.next("notice", (e) => e.code === "n4");
  assertEquals([output.stdout, output.stderr, output.events.length], ["", "3456789\n", 5]);
  const described = output.describe();
  assertOk(described.includes("events seen (5, the last 2):"), described);
  assertOk(described.includes('  3: {"type":"notice","code":"n3"'), described);
  assertOk(!described.includes('"code":"n2"'), described);
});

/**
 * The pure core of transfers against what should not happen: control messages from the wrong
 * member, out of order or repeated, floods of offers, failures, people leaving.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { MAX_ENDED, MAX_WAITING_OFFERS_PER_SENDER } from "../../lib/files/transfer_state.ts";
import {
  decodeTransfer,
  encodeTransfer,
  MAX_REASON_CHARS,
  type TransferMessage,
  WINDOW_BYTES,
} from "../../lib/files/wire.ts";
import { Core, event, kinds, offer, shown, wire } from "./core_support.ts";

/** Bob offered `wire(2)`; the answer is up to him. */
function offeredToBob(): Core {
  const core = new Core();
  core.step({ kind: "offered", peer: "bob", wire: wire(2), name: "x", files: 1, total: 5 });
  return core;
}

Deno.test("core: a control message counts only from the member the transfer is with", () => {
  const core = offeredToBob();
  core.offered("ann", offer(1));
  const before = core.state;
  const messages: TransferMessage[] = [
    { kind: "accept", id: wire(2), from: [0] },
    { kind: "reject", id: wire(2) },
    { kind: "cancel", id: wire(1), reason: "x" },
    { kind: "done", id: wire(2), ok: true },
  ];
  for (const message of messages) {
    assertEquals(core.control("mallory", message), []);
    assertOk(core.state === before, message.kind);
  }
  // Nor for an id nobody used.
  assertEquals(core.control("bob", { kind: "cancel", id: wire(7), reason: "x" }), []);
  assertOk(core.state === before);
});

Deno.test("core: out of order or repeated control messages change nothing", () => {
  const core = offeredToBob();
  const before = core.state;
  // A verdict before the content was even asked for.
  assertEquals(core.control("bob", { kind: "done", id: wire(2), ok: true }), []);
  assertEquals(core.control("bob", { kind: "done", id: wire(2), ok: false }), []);
  assertOk(core.state === before);
  assertEquals(kinds(core.control("bob", { kind: "accept", id: wire(2), from: [0] })), [
    "send-content",
  ]);
  // Accepted once: a second accept, or a reject now, does not count.
  assertEquals(core.control("bob", { kind: "accept", id: wire(2), from: [3] }), []);
  assertEquals(core.control("bob", { kind: "reject", id: wire(2) }), []);
  assertEquals(core.phase(1), "active");
  // Ann answering her own offer to us as if we had offered it.
  core.offered("ann", offer(1));
  assertEquals(core.control("ann", { kind: "accept", id: wire(1), from: [0] }), []);
  assertEquals(core.control("ann", { kind: "reject", id: wire(1) }), []);
  assertEquals(core.control("ann", { kind: "done", id: wire(1), ok: true }), []);
  assertEquals(core.phase(2), "offered");
  // The same offer again is not a second transfer.
  assertEquals(core.control("ann", offer(1)), []);
  assertEquals(core.state.transfers.size, 2);
  // Not a message rt understands: a warning, nothing more.
  const effects = core.control("ann", null);
  assertEquals(shown(effects), [{
    type: "warning",
    code: "bad-file-message",
    name: "ann",
    text: "ann sent a file transfer message rt does not understand; ignored.",
  }]);
});

Deno.test("core: a verdict of corrupt, and what the shell reports after an end, are handled once", () => {
  const core = offeredToBob();
  core.control("bob", { kind: "accept", id: wire(2), from: [0] });
  core.step({ kind: "content-sent", id: 1 });
  const effects = core.control("bob", { kind: "done", id: wire(2), ok: false, reason: "hash" });
  const stopped = event(effects, "file-stopped");
  assertEquals([stopped.reason, stopped.by, stopped.text], [
    "corrupt",
    "peer",
    "x arrived corrupt at bob: hash",
  ]);
  // Nothing moves: the progress timer stops.
  assertEquals(core.step({ kind: "tick" }), []);
  assertEquals(core.state.ticking, false);
  const after = core.state;
  for (
    const late of [
      { kind: "content-sent", id: 1 },
      { kind: "send-failed", id: 1, why: "gone" },
      { kind: "received", id: 1, folder: "/x" },
      { kind: "bad-ack", id: 1 },
      { kind: "cannot-save", id: 1, why: "x" },
      { kind: "receive-failed", id: 1, code: "failed", reason: "x" },
    ] as const
  ) assertEquals(core.step(late), [], late.kind);
  assertEquals(core.phase(1), "corrupt");
  assertOk(core.state === after);
  assertEquals(core.control("bob", { kind: "cancel", id: wire(2), reason: "x" }), []);
});

Deno.test("core: failures of the files or the link end a transfer, kept to resume", () => {
  const core = offeredToBob();
  core.control("bob", { kind: "accept", id: wire(2), from: [0] });
  let effects = core.step({ kind: "bad-ack", id: 1 });
  assertEquals(effects[0], {
    type: "control",
    to: "bob",
    message: {
      kind: "cancel",
      id: wire(2),
      reason: "an acknowledgement did not verify",
      resumable: true,
    },
  });
  assertEquals(event(effects, "file-stopped").reason, "failed");
  const cases = [
    [{ kind: "cannot-save", why: "full" }, "cancel", "failed", "Cannot save cat.jpg: full"],
    [
      { kind: "receive-failed", code: "failed", reason: "late" },
      "cancel",
      "failed",
      "cat.jpg from ann: late",
    ],
    [
      { kind: "receive-failed", code: "corrupt", reason: "bad" },
      "done",
      "corrupt",
      "cat.jpg from ann: bad",
    ],
  ] as const;
  for (const [n, [result, sent, reason, text]] of cases.entries()) {
    const id = core.offered("ann", offer(10 + n));
    core.step({ kind: "accept", id });
    effects = core.step({ id, ...result });
    assertEquals(kinds(effects)[0], `control ${sent} to ann`);
    const stopped = event(effects, "file-stopped");
    const resumable = reason === "failed";
    assertEquals([stopped.reason, stopped.by, stopped.resumable], [reason, null, resumable]);
    assertEquals(
      stopped.text,
      resumable ? `${text}; offered again, it will carry on where it stopped` : text,
    );
  }
});

Deno.test("core: at most MAX_WAITING_OFFERS_PER_SENDER offers wait from one member", () => {
  const core = new Core();
  for (let n = 0; n < MAX_WAITING_OFFERS_PER_SENDER; n++) core.offered("ann", offer(n));
  let effects = core.control("ann", offer(100));
  assertEquals(effects[0], {
    type: "control",
    to: "ann",
    message: { kind: "reject", id: wire(100) },
  });
  assertEquals(
    event(effects, "notice").text,
    "Turned down an offer from ann: 20 of their " +
      "offers already wait for an answer (/transfers)",
  );
  assertEquals(core.state.transfers.size, MAX_WAITING_OFFERS_PER_SENDER);
  // Another member is not held back; an answer makes room.
  assertEquals(kinds(core.control("cat", offer(101))), ["open-offer"]);
  core.step({ kind: "reject", id: 1 });
  effects = core.control("ann", offer(102));
  assertEquals(kinds(effects), ["open-offer"]);
});

Deno.test("core: at most MAX_ENDED ended transfers are kept; the oldest are forgotten", () => {
  const core = new Core();
  for (let n = 1; n <= MAX_ENDED; n++) {
    core.step({ kind: "offered", peer: "bob", wire: wire(n), name: "x", files: 1, total: 1 });
    core.step({ kind: "cancel", id: n });
  }
  assertEquals(core.state.transfers.size, MAX_ENDED);
  core.step({ kind: "offered", peer: "bob", wire: wire(0), name: "x", files: 1, total: 1 });
  const effects = core.step({ kind: "cancel", id: MAX_ENDED + 1 });
  assertOk(effects.some((e) => e.type === "forget" && e.id === 1));
  assertEquals(core.state.transfers.size, MAX_ENDED);
  assertEquals(core.phase(1), undefined);
  assertEquals(core.state.byWire.size, MAX_ENDED);
});

Deno.test("core: someone leaving interrupts their transfers; leaving stops all, quietly", () => {
  const core = offeredToBob();
  const answered = core.offered("ann", offer(1));
  core.step({ kind: "accept", id: answered });
  core.step({ kind: "receiving", id: answered, from: [0], window: WINDOW_BYTES });
  const waiting = core.offered("ann", offer(2));
  let effects = core.step({ kind: "left", name: "ann" });
  assertEquals(effects.filter((e) => e.type === "stop"), [
    { type: "stop", id: answered, keep: true },
    { type: "stop", id: waiting, keep: true },
  ]);
  const stopped = shown(effects).flatMap((e) => e.type === "file-stopped" ? [e] : []);
  assertEquals(stopped.map((e) => [e.id, e.reason, e.by, e.resumable]), [
    [answered, "interrupted", null, true],
    [waiting, "interrupted", null, false],
  ]);
  assertEquals(stopped[1]!.text, "ann left; cat.jpg stopped");
  core.control("bob", { kind: "accept", id: wire(2), from: [0] });
  const before = core.state;
  effects = core.step({ kind: "close" });
  assertEquals(effects, [{ type: "stop", id: 1, keep: true, wait: true }]);
  assertEquals([core.phase(1), core.state.ticking], ["interrupted", false]);
  // The state a step was given is left as it was.
  assertEquals(before.transfers.get(1)?.state, "active");
  assertEquals(before.ticking, true);
});

Deno.test("core: /accept and /reject need an id only when several offers wait", () => {
  const core = new Core();
  assertEquals(
    event(core.step({ kind: "accept" }), "error").message,
    "No offer is waiting for an answer",
  );
  core.offered("ann", offer(1));
  core.offered("ann", offer(2));
  for (const verb of ["accept", "reject"] as const) {
    const error = event(core.step({ kind: verb }), "error");
    assertEquals(error.message, `Several offers are waiting: /${verb} ID (see /transfers)`);
  }
  assertEquals(event(core.step({ kind: "accept", id: 9 }), "error").code, "no-such-transfer");
  assertEquals([core.phase(1), core.phase(2)], ["offered", "offered"]);
});

Deno.test("core: a long local reason is cut to what the wire carries, so the message arrives", () => {
  const core = offeredToBob();
  core.control("bob", { kind: "accept", id: wire(2), from: [0] });
  const why = "disk trouble: ".repeat(40);
  const effects = core.step({ kind: "receive-failed", id: 1, code: "failed", reason: why });
  const sent = effects.find((e) => e.type === "control");
  assertOk(sent?.type === "control" && sent.message.kind === "cancel", JSON.stringify(effects));
  const reason = (sent.message as { reason: string }).reason;
  assertEquals(reason.length, MAX_REASON_CHARS);
  assertOk(reason.endsWith("…") && why.startsWith(reason.slice(0, -1)));
  // The other side decodes it.
  assertEquals(decodeTransfer(encodeTransfer(sent.message))?.kind, "cancel");
});

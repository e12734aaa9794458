/** The pure core of transfers, step by step: offers, answers, progress, and how they end. */
import { assertEquals, assertOk } from "../assert.ts";
import { toHex } from "../../lib/util/mod.ts";
import { offerRefusal } from "../../lib/files/transfer_commands.ts";
import { transferList } from "../../lib/files/transfer_progress.ts";
import { MAX_WINDOW_BYTES, WINDOW_BYTES } from "../../lib/files/wire.ts";
import { Core, event, file, key, kinds, offer, shown, wire } from "./core_support.ts";

function listed(core: Core) {
  const list = transferList(core.state, { now: core.now, done: (id) => core.done.get(id) ?? 0 });
  assertOk(list.type === "transfers");
  return list.transfers.map((t) => [t.id, t.state, t.done]);
}

Deno.test("core, receiving: offer, accept, progress, saved, done", () => {
  const core = new Core();
  const files = [file("album/a.jpg", 600), file("album/b.jpg", 400)];
  let effects = core.control("ann", offer(1, files));
  assertEquals(kinds(effects), ["open-offer"]);
  const [open] = effects;
  assertOk(open?.type === "open-offer");
  assertEquals([open.id, open.peer, open.sender, open.offer], [1, "ann", key(3), offer(1, files)]);
  assertEquals(core.phase(1), "offered");
  effects = core.step({ kind: "held", id: 1, held: 0 });
  assertEquals(shown(effects), [{
    type: "file-offer",
    id: 1,
    from: "ann",
    name: "album",
    files: files.map((f) => ({
      path: f.path,
      size: f.size,
      mediaType: f.type,
      hash: toHex(f.hash!),
    })),
    total: 1000,
    held: 0,
    autoAccepted: false,
  }]);
  // Nothing moves before the answer.
  assertEquals(core.step({ kind: "tick" }), []);
  core.now = 11_000;
  assertEquals(kinds(core.step({ kind: "accept" })), ["receive"]);
  assertEquals(core.phase(1), "active");
  effects = core.step({ kind: "receiving", id: 1, from: [0, 0], window: 3 * WINDOW_BYTES });
  // The window the files are received with is the sender's to keep to.
  const window = 3 * WINDOW_BYTES;
  assertEquals(effects, [
    { type: "open-stream", to: "ann", wire: wire(1) },
    { type: "control", to: "ann", message: { kind: "accept", id: wire(1), from: [0, 0], window } },
  ]);
  assertEquals(core.state.ticking, true);
  core.now = 12_000;
  core.done.set(1, 400);
  assertEquals(shown(core.step({ kind: "tick" })), [{
    type: "file-progress",
    ...{ id: 1, direction: "receive", peer: "ann", name: "album" },
    ...{ done: 400, total: 1000, bytesPerSecond: 400 },
  }]);
  core.now = 12_500;
  core.done.set(1, 900);
  // Smoothed: 0.7 of the speed before, 0.3 of the last half second's 1000 bytes/s.
  assertEquals(event(core.step({ kind: "tick" }), "file-progress").bytesPerSecond, 580);
  assertEquals(listed(core), [[1, "receiving", 900]]);
  const hash = files[0]!.hash!;
  effects = core.step({ kind: "saved", id: 1, file: files[0]!, path: "/dl/album/a.jpg", hash });
  assertEquals(shown(effects), [{
    type: "file-saved",
    ...{ id: 1, from: "ann", name: "album/a.jpg", path: "/dl/album/a.jpg", size: 600 },
    ...{ mediaType: "application/octet-stream", hash: toHex(hash) },
  }]);
  core.now = 14_000;
  effects = core.step({ kind: "received", id: 1, folder: "/dl/album" });
  assertEquals(kinds(effects), ["control done to ann", "show file-progress", "show file-done"]);
  assertEquals(effects[0], {
    type: "control",
    to: "ann",
    message: { kind: "done", id: wire(1), ok: true },
  });
  assertEquals(event(effects, "file-progress").done, 1000);
  assertEquals(event(effects, "file-done"), {
    type: "file-done",
    ...{ id: 1, direction: "receive", peer: "ann", name: "album", files: 2, total: 1000 },
    ...{ seconds: 3, folder: "/dl/album" },
  });
  // Nothing moves: the timer stops.
  assertEquals(core.step({ kind: "tick" }), []);
  assertEquals(core.state.ticking, false);
  assertEquals(listed(core), [[1, "done", 1000]]);
});

Deno.test("core, sending: a window said beyond the most is kept to the most", () => {
  const core = new Core();
  core.step({ kind: "offered", peer: "bob", wire: wire(2), name: "a.bin", files: 1, total: 9 });
  const effects = core.control("bob", { kind: "accept", id: wire(2), from: [0], window: 2 ** 40 });
  assertEquals(effects, [{ type: "send-content", id: 1, from: [0], window: MAX_WINDOW_BYTES }]);
});

Deno.test("core, sending: offered, accepted half way, sent, verified by the recipient", () => {
  const core = new Core();
  const sent = { peer: "bob", wire: wire(2), name: "cat.jpg", files: 1, total: 1000 };
  let effects = core.step({ kind: "offered", ...sent });
  assertEquals(shown(effects), [{
    type: "file-offered",
    ...{ id: 1, to: "bob", name: "cat.jpg", files: 1, total: 1000 },
  }]);
  assertEquals(listed(core), [[1, "offered", 0]]);
  core.now = 11_000;
  effects = core.control("bob", { kind: "accept", id: wire(2), from: [250] });
  // No window said (rt before it could say one): rt's first one.
  assertEquals(effects, [{ type: "send-content", id: 1, from: [250], window: WINDOW_BYTES }]);
  assertEquals([core.phase(1), core.state.ticking], ["active", true]);
  // Bob held 250 bytes from before: they count as done, not as speed.
  core.done.set(1, 250);
  assertEquals(core.step({ kind: "content-started", id: 1 }), []);
  core.now = 12_000;
  core.done.set(1, 750);
  assertEquals(event(core.step({ kind: "tick" }), "file-progress").bytesPerSecond, 500);
  assertEquals(listed(core), [[1, "sending", 750]]);
  assertEquals(core.step({ kind: "content-sent", id: 1 }), []);
  assertEquals(listed(core), [[1, "verifying", 750]]);
  core.now = 13_000;
  effects = core.control("bob", { kind: "done", id: wire(2), ok: true });
  assertEquals(kinds(effects), ["stop", "show file-progress", "show file-done"]);
  assertEquals(event(effects, "file-done"), {
    type: "file-done",
    ...{ id: 1, direction: "send", peer: "bob", name: "cat.jpg", files: 1, total: 1000 },
    seconds: 2,
  });
});

Deno.test("core, reject: by this member, or by the one offered to", () => {
  const core = new Core();
  core.offered("ann", offer(1));
  let effects = core.step({ kind: "reject", id: 1 });
  assertEquals(kinds(effects), [
    "control reject to ann",
    "stop",
    "show file-progress",
    "show file-stopped",
  ]);
  assertEquals(event(effects, "file-stopped"), {
    type: "file-stopped",
    ...{ id: 1, direction: "receive", peer: "ann", name: "cat.jpg", reason: "rejected" },
    ...{ by: "you", text: "You turned down cat.jpg from ann", resumable: false },
  });
  // Answered: it waits no more.
  effects = core.step({ kind: "accept", id: 1 });
  assertEquals(shown(effects), [{
    type: "error",
    code: "no-such-transfer",
    message: "No offer 1 is waiting; see /transfers",
  }]);
  core.step({ kind: "offered", peer: "bob", wire: wire(2), name: "x", files: 1, total: 5 });
  effects = core.control("bob", { kind: "reject", id: wire(2) });
  const stopped = event(effects, "file-stopped");
  assertEquals([stopped.id, stopped.reason, stopped.by, stopped.text], [
    2,
    "rejected",
    "peer",
    "bob turned down x",
  ]);
});

Deno.test("core, cancel: by this member, by the other, or by the other's rt", () => {
  const core = new Core();
  core.step({ kind: "offered", peer: "bob", wire: wire(2), name: "x", files: 1, total: 5 });
  core.control("bob", { kind: "accept", id: wire(2), from: [0] });
  let effects = core.step({ kind: "cancel", id: 1 });
  assertEquals(effects[0], {
    type: "control",
    to: "bob",
    message: { kind: "cancel", id: wire(2), reason: "cancelled" },
  });
  assertEquals(effects[1], { type: "stop", id: 1, keep: false });
  const mine = event(effects, "file-stopped");
  assertEquals([mine.reason, mine.by, mine.text, mine.resumable], [
    "cancelled",
    "you",
    "You cancelled x",
    false,
  ]);
  assertEquals(shown(core.step({ kind: "cancel", id: 1 })), [{
    type: "error",
    code: "no-such-transfer",
    message: "No transfer 1 is going on; see /transfers",
  }]);
  // The sender calls it off: what was received goes.
  const called = core.offered("ann", offer(3));
  core.step({ kind: "accept", id: called });
  effects = core.control("ann", { kind: "cancel", id: wire(3), reason: "cancelled" });
  assertEquals(effects[0], { type: "stop", id: called, keep: false });
  const theirs = event(effects, "file-stopped");
  assertEquals([theirs.reason, theirs.by, theirs.text, theirs.resumable], [
    "cancelled",
    "peer",
    "ann cancelled cat.jpg",
    false,
  ]);
  // The sender's rt stopped it: what was received stays, to carry on from.
  const failed = core.offered("ann", offer(4));
  core.step({ kind: "accept", id: failed });
  effects = core.control("ann", { kind: "cancel", id: wire(4), reason: "disk", resumable: true });
  assertEquals(effects[0], { type: "stop", id: failed, keep: true });
  const stopped = event(effects, "file-stopped");
  assertEquals([stopped.reason, stopped.by, stopped.text, stopped.resumable], [
    "failed",
    "peer",
    "ann's rt stopped cat.jpg: disk; offered again, it will carry on where it stopped",
    true,
  ]);
});

Deno.test("core: auto-accept of a verified sender listed, and only then", () => {
  const core = new Core(["ANN", "cat"]);
  core.control("ann", offer(1), "verified");
  let effects = core.step({ kind: "held", id: 1, held: 0 });
  assertEquals(kinds(effects), ["show file-offer", "receive"]);
  assertEquals(event(effects, "file-offer").autoAccepted, true);
  assertEquals(core.phase(1), "active");
  core.control("cat", offer(2), "known");
  effects = core.step({ kind: "held", id: 2, held: 0 });
  assertEquals(kinds(effects), ["show file-offer"]);
  assertEquals(
    event(effects, "file-offer").note,
    "not accepted automatically: cat's key " +
      "is not verified (/verify cat, then /trust cat)",
  );
  core.control("dan", offer(3), "verified");
  effects = core.step({ kind: "held", id: 3, held: 0 });
  assertEquals(kinds(effects), ["show file-offer"]);
  assertEquals(event(effects, "file-offer").note, undefined);
});

Deno.test("core: nothing is offered to a member whose key changed", () => {
  assertEquals(offerRefusal("bob", "known"), null);
  assertEquals(offerRefusal("bob", undefined), null);
  const refusal = offerRefusal("bob", "key-changed");
  assertOk(refusal?.type === "warning");
  assertEquals([refusal.code, refusal.name], ["key-changed", "bob"]);
});

/**
 * The pure core when a connection to the host drops and comes back: what was moving stops with
 * its parts kept, and carries on by itself once back, on both sides; and what is not a
 * resumption (another key, other files, a transfer never accepted) is an ordinary offer.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { Core, event, file, key, kinds, offer, shown, wire } from "./core_support.ts";
import type { Effect } from "../../lib/files/transfer_turn.ts";
import { MAX_ENDED } from "../../lib/files/transfer_state.ts";
import { WINDOW_BYTES } from "../../lib/files/wire.ts";

const files = [file("album/a.jpg", 600), file("album/b.jpg", 400)];

/** bob sends x.bin (5 bytes, wire 2) to ann, who accepted it: its id. */
function sending(core: Core, peer = "ann", n = 2): number {
  const id = core.state.nextId;
  core.step({ kind: "offered", peer, wire: wire(n), name: "x.bin", files: 1, total: 5 });
  core.control(peer, { kind: "accept", id: wire(n), from: [0] });
  return id;
}

/** An offer of `files` from `from` as wire `n`, accepted and moving: its id. */
function receiving(core: Core, from = "ann", n = 1): number {
  const id = core.offered(from, offer(n, files));
  core.step({ kind: "accept", id });
  core.step({ kind: "receiving", id, from: [0, 0], window: WINDOW_BYTES });
  return id;
}

function offerAgain(effects: Effect[]): Extract<Effect, { type: "offer-again" }>[] {
  return effects.flatMap((e) => e.type === "offer-again" ? [e] : []);
}

Deno.test("core, link dropped: what moves stops, its parts kept; nothing is sent", () => {
  const core = new Core();
  const incoming = receiving(core, "ann", 1);
  const outgoing = sending(core, "bob", 2);
  // An offer of ours not answered yet, and one to us not answered yet.
  core.step({ kind: "offered", peer: "cy", wire: wire(3), name: "y", files: 1, total: 9 });
  const unansweredOut = 3;
  const unansweredIn = core.offered("dee", offer(4));
  core.done.set(incoming, 300);

  const effects = core.step({ kind: "link-dropped" });
  assertEquals(effects.filter((e) => e.type === "control"), []);
  assertEquals(
    effects.filter((e) => e.type === "stop"),
    [incoming, outgoing, unansweredOut].map((id) => ({ type: "stop", id, keep: true })),
  );
  const stopped = shown(effects).filter((e) => e.type === "file-stopped");
  assertEquals(stopped.map((e) => e.type === "file-stopped" && [e.id, e.reason, e.by]), [
    [incoming, "interrupted", null],
    [outgoing, "interrupted", null],
    [unansweredOut, "interrupted", null],
  ]);
  for (const e of stopped) assertOk(e.type === "file-stopped" && e.resumable, JSON.stringify(e));
  assertEquals(
    event(effects, "file-stopped").text,
    "The connection dropped: album from ann stopped; it carries on from where it stopped " +
      "once rt is back",
  );
  assertEquals(core.state.away, true);
  for (const id of [incoming, outgoing, unansweredOut]) {
    assertEquals([core.phase(id), core.state.transfers.get(id)!.comeback], [
      "interrupted",
      "resume",
    ]);
  }
  // The offer to us waits: it can be answered once back, not before (nothing reaches the sender).
  assertEquals(core.phase(unansweredIn), "offered");
  assertEquals(shown(core.step({ kind: "accept", id: unansweredIn })), [{
    type: "error",
    code: "away",
    message: "The connection to the host dropped: /accept once rt is back (the offer waits)",
  }]);
  assertEquals(event(core.step({ kind: "reject", id: unansweredIn }), "error").code, "away");
  assertEquals(core.phase(unansweredIn), "offered");
  // Dropping again while away changes nothing.
  assertEquals(core.step({ kind: "link-dropped" }), []);
});

Deno.test("core, link back: the sender offers again, the recipient asks for the files again", () => {
  const core = new Core();
  const incoming = receiving(core, "ann", 1);
  const outgoing = sending(core, "bob", 2);
  core.step({ kind: "link-dropped" });

  const effects = core.step({ kind: "link-back" });
  assertEquals(core.state.away, false);
  assertEquals(effects, [
    {
      type: "control",
      to: "ann",
      message: {
        kind: "cancel",
        id: wire(1),
        reason: "the connection dropped",
        resumable: true,
        again: true,
      },
    },
    { type: "offer-again", id: outgoing, peer: "bob", wire: wire(2), name: "x.bin" },
  ]);
  assertEquals(core.state.transfers.get(incoming)!.comeback, "resumed");
  // The shell offered the files again: a new transfer that says what it carries on.
  const again = core.state.nextId;
  const offered = core.step({
    kind: "offered",
    ...{ peer: "bob", wire: wire(12), name: "x.bin", files: 1, total: 5, resumes: outgoing },
  });
  assertEquals(shown(offered), [{
    type: "file-offered",
    ...{ id: again, to: "bob", name: "x.bin", files: 1, total: 5, resumes: outgoing },
    note: `carries on transfer ${outgoing} from where it stopped, after the connection came back`,
  }]);
  // bob accepts from where he is: the rest goes.
  const window = 2 * WINDOW_BYTES;
  assertEquals(core.control("bob", { kind: "accept", id: wire(12), from: [3], window }), [
    { type: "send-content", id: again, from: [3], window },
  ]);
  // Back once: nothing more to carry on.
  assertEquals(core.step({ kind: "link-back" }), []);
});

Deno.test("core, the other side: an offer resuming a transfer accepted is accepted at once", () => {
  const core = new Core();
  const earlier = receiving(core, "ann", 1);
  core.done.set(earlier, 700);
  // ann's connection dropped and came back: she offers the same files again.
  let effects = core.control("ann", { ...offer(5, files), resumes: wire(1) });
  assertEquals(kinds(effects), [
    "stop keep",
    "show file-progress",
    "show file-stopped",
    "open-offer",
  ]);
  const stopped = event(effects, "file-stopped");
  assertEquals([stopped.id, stopped.reason, stopped.by, stopped.resumable, stopped.text], [
    earlier,
    "interrupted",
    "peer",
    true,
    "ann's connection dropped: album stopped; it carries on from where it stopped now that " +
    "they are back",
  ]);
  const id = core.state.nextId - 1;
  effects = core.step({ kind: "held", id, held: 700 });
  const offered = event(effects, "file-offer");
  assertEquals([offered.autoAccepted, offered.held, offered.resumes], [true, 700, earlier]);
  assertOk(offered.note?.includes("after the connection came back"), offered.note);
  // Accepted, carrying on from the earlier transfer's files.
  assertEquals(effects.at(-1), { type: "receive", id, after: earlier });
  assertEquals(core.phase(id), "active");
  // Named again, the earlier transfer is an ordinary offer: it carried on once.
  core.control("ann", { ...offer(6, files), resumes: wire(1) });
  const third = core.state.nextId - 1;
  effects = core.step({ kind: "held", id: third, held: 0 });
  assertEquals(event(effects, "file-offer").autoAccepted, false);
  assertEquals(effects.filter((e) => e.type === "receive"), []);
});

Deno.test("core: what is not a resumption of an accepted transfer is an ordinary offer", () => {
  /** An offer from ann resuming `wire(1)`: whether it was accepted at once. */
  const autoAccepted = (
    core: Core,
    message = { ...offer(5, files), resumes: wire(1) },
    from = key(3),
  ) => {
    const id = core.state.nextId;
    const control = core.step({
      kind: "control",
      from: "ann",
      key: from,
      status: "known",
      message,
    });
    // An earlier transfer that stops says why, and keeps its part (`stop keep`).
    for (const stop of control.filter((e) => e.type === "stop")) assertOk(stop.keep);
    const stopped = shown(control).find((e) => e.type === "file-stopped");
    if (stopped) assertOk(/^ann offered album again; this transfer stopped/.test(stopped.text));
    const effects = core.step({ kind: "held", id, held: 0 });
    const accepted = event(effects, "file-offer").autoAccepted;
    assertEquals(effects.some((e) => e.type === "receive"), accepted);
    return accepted;
  };
  // From another key under the same name.
  let core = new Core();
  let earlier = receiving(core, "ann", 1);
  assertEquals(autoAccepted(core, undefined, key(99)), false);
  // The earlier one stopped all the same (ann may call off her own transfer), its part kept
  // to carry on from when offered again (and accepted).
  assertEquals(core.phase(earlier), "interrupted");
  assertEquals(core.state.transfers.get(earlier)!.comeback, undefined);
  // Other files.
  core = new Core();
  receiving(core, "ann", 1);
  const other = [file("album/a.jpg", 600), file("album/c.jpg", 400)];
  assertEquals(autoAccepted(core, { ...offer(5, other), resumes: wire(1) }), false);
  // An offer never answered: the new one is asked about (the earlier one ends, superseded).
  core = new Core();
  earlier = core.offered("ann", offer(1, files));
  assertEquals(autoAccepted(core), false);
  assertEquals(core.phase(earlier), "interrupted");
  // One that ended otherwise (cancelled here).
  core = new Core();
  earlier = receiving(core, "ann", 1);
  core.step({ kind: "cancel", id: earlier });
  assertEquals(autoAccepted(core), false);
  // A transfer this member was sending, or one with someone else, or none at all.
  core = new Core();
  const mine = sending(core, "ann", 1);
  assertEquals(autoAccepted(core), false);
  assertEquals(core.phase(mine), "active");
  core = new Core();
  receiving(core, "bob", 1);
  assertEquals(autoAccepted(core), false);
  assertEquals(autoAccepted(new Core()), false);
});

Deno.test("core: a streamed offer carries on only with the same files, tagged the same", () => {
  const tagged = files.map(({ path, size, type }, i) => ({
    ...{ path, size, type },
    tag: new Uint8Array(16).fill(i + 1),
  }));
  /** Whether an offer of `again` resuming an accepted streamed offer is accepted at once. */
  const resumed = (again: typeof files) => {
    const core = new Core();
    const earlier = core.offered("ann", offer(1, tagged));
    core.step({ kind: "accept", id: earlier });
    core.step({ kind: "receiving", id: earlier, from: [0, 0], window: WINDOW_BYTES });
    const id = core.state.nextId;
    core.control("ann", { ...offer(5, again), resumes: wire(1) });
    return event(core.step({ kind: "held", id, held: 0 }), "file-offer").autoAccepted;
  };
  assertEquals(resumed(tagged), true);
  // One file tagged otherwise (it changed since), or the files hashed where they were tagged.
  const changed = tagged.map((f, i) => i === 1 ? { ...f, tag: new Uint8Array(16).fill(9) } : f);
  assertEquals([resumed(changed), resumed(files)], [false, false]);
});

Deno.test("core, the other side: asked for the files again, the sender offers them again", () => {
  const core = new Core();
  const outgoing = sending(core, "bob", 2);
  const again = { kind: "cancel", id: wire(2), reason: "x", resumable: true, again: true } as const;
  let effects = core.control("bob", again);
  assertEquals(kinds(effects), [
    "stop keep",
    "show file-progress",
    "show file-stopped",
    "offer-again",
  ]);
  const stopped = event(effects, "file-stopped");
  assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", "peer", true]);
  assertEquals(offerAgain(effects), [
    { type: "offer-again", id: outgoing, peer: "bob", wire: wire(2), name: "x.bin" },
  ]);
  // Asked twice (or after it ended): offered once.
  assertEquals(core.control("bob", again), []);
  // From someone else, about a transfer that is not theirs: nothing.
  const other = sending(core, "cy", 3);
  assertEquals(core.control("bob", { ...again, id: wire(3) }), []);
  assertEquals(core.phase(other), "active");
  // A sender's rt asking its recipient to offer: an ordinary stop, kept to resume.
  const incoming = receiving(core, "ann", 4);
  effects = core.control("ann", { ...again, id: wire(4) });
  assertEquals(offerAgain(effects), []);
  assertEquals(core.phase(incoming), "failed");
});

Deno.test("core: both sides dropped: the recipient back first takes the sender's offer at once", () => {
  const core = new Core();
  const earlier = receiving(core, "ann", 1);
  core.step({ kind: "link-dropped" });
  core.step({ kind: "link-back" });
  core.control("ann", { ...offer(5, files), resumes: wire(1) });
  const id = core.state.nextId - 1;
  const effects = core.step({ kind: "held", id, held: 0 });
  assertEquals(effects.at(-1), { type: "receive", id, after: earlier });
});

Deno.test("core: /cancel while away ends the transfer at once; the other is told once back", () => {
  const core = new Core();
  const incoming = receiving(core, "ann", 1);
  const outgoing = sending(core, "bob", 2);
  const unanswered = core.offered("cy", offer(3));
  core.step({ kind: "link-dropped" });
  let effects = core.step({ kind: "cancel", id: incoming });
  // What was received goes; nothing is sent while away.
  assertEquals(kinds(effects), ["stop", "show file-stopped"]);
  assertEquals(event(effects, "file-stopped").reason, "cancelled");
  effects = core.step({ kind: "cancel", id: unanswered });
  assertEquals(effects.filter((e) => e.type === "control"), []);
  assertEquals(core.phase(unanswered), "cancelled");
  // Cancelled once.
  assertEquals(
    event(core.step({ kind: "cancel", id: incoming }), "error").code,
    "no-such-transfer",
  );
  effects = core.step({ kind: "link-back" });
  assertEquals(effects, [
    { type: "control", to: "ann", message: { kind: "cancel", id: wire(1), reason: "cancelled" } },
    { type: "offer-again", id: outgoing, peer: "bob", wire: wire(2), name: "x.bin" },
    { type: "control", to: "cy", message: { kind: "cancel", id: wire(3), reason: "cancelled" } },
  ]);
});

Deno.test("core: a member who left while this one was away takes the comeback along", () => {
  const core = new Core();
  receiving(core, "ann", 1);
  sending(core, "bob", 2);
  core.step({ kind: "link-dropped" });
  // Coming back, the room says ann left meanwhile.
  const effects = core.step({ kind: "left", name: "ann" });
  assertEquals(shown(effects), [{
    type: "notice",
    text: "ann left while rt was away: album does not carry on by itself (offered again, it " +
      "carries on where it stopped)",
  }]);
  assertEquals(kinds(core.step({ kind: "link-back" })), ["offer-again"]);
});

Deno.test("core: while away, an offer from a verified sender listed for auto-accept waits", () => {
  const core = new Core(["ann"]);
  core.step({ kind: "link-dropped" });
  const id = core.state.nextId;
  core.control("ann", offer(1), "verified");
  const effects = core.step({ kind: "held", id, held: 0 });
  assertEquals(event(effects, "file-offer").autoAccepted, false);
  assertEquals(effects.filter((e) => e.type === "receive"), []);
});

Deno.test("core: both sides dropped, the sender back first: asked again, it offers again", () => {
  const core = new Core();
  const earlier = sending(core, "bob", 2);
  core.step({ kind: "link-dropped" });
  core.step({ kind: "link-back" });
  // Offered again while bob was still away: the host told this member he did not get it.
  const lost = core.state.nextId;
  core.step({
    kind: "offered",
    ...{ peer: "bob", wire: wire(12), name: "x.bin", files: 1, total: 5, resumes: earlier },
  });
  // bob, back, asks for the files again: the lost offer ends, and they go once more.
  const again = { kind: "cancel", id: wire(2), reason: "x", resumable: true, again: true } as const;
  let effects = core.control("bob", again);
  assertEquals(core.phase(lost), "interrupted");
  assertEquals(offerAgain(effects), [
    { type: "offer-again", id: earlier, peer: "bob", wire: wire(2), name: "x.bin" },
  ]);
  const third = core.state.nextId;
  core.step({
    kind: "offered",
    ...{ peer: "bob", wire: wire(13), name: "x.bin", files: 1, total: 5, resumes: earlier },
  });
  core.control("bob", { kind: "accept", id: wire(13), from: [2] });
  assertEquals(core.phase(third), "active");
  // Accepted: asked again (a copy, or a replay), nothing more goes.
  effects = core.control("bob", again);
  assertEquals(effects, []);
});

Deno.test("core: transfers waiting for the connection to come back are not forgotten", () => {
  const core = new Core();
  const waiting = receiving(core, "ann", 1);
  core.step({ kind: "link-dropped" });
  // Many transfers end meanwhile: offers their senders called off.
  for (let n = 0; n < MAX_ENDED + 5; n++) {
    core.offered("cy", offer(n + 10));
    core.control("cy", { kind: "cancel", id: wire(n + 10), reason: "cancelled" });
  }
  assertEquals(core.state.transfers.size, MAX_ENDED + 1, "the oldest were forgotten");
  assertOk(core.state.transfers.has(waiting));
  assertEquals(kinds(core.step({ kind: "link-back" }))[0], "control cancel to ann");
});

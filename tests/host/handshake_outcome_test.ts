/**
 * The decisions before a connection is in the room, as pure functions: whether it may start
 * its handshake, what a wrong password leads to, and how a failed handshake is told and ended.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { RtError } from "../../lib/errors.ts";
import type { Admission, Refusal } from "../../lib/host/gate.ts";
import {
  entry,
  handshakeFailure,
  TurnedAway,
  wrongPassword,
} from "../../lib/host/handshake_outcome.ts";
import { refusalNotices } from "../../lib/host/notice_text.ts";

const admission: Admission = { key: "192.0.2.1", route: "direct", release: () => {} };

Deno.test("entry: the gate's refusal first, then a full room (its admission to give back)", () => {
  const locked: Refusal = { code: "locked", reason: "the room is locked" };
  assertEquals(entry(locked, 0, 10), { refused: locked });
  assertEquals(entry(locked, 10, 10), { refused: locked });
  assertEquals(entry(admission, 9, 10), { admitted: admission });
  assertEquals(entry(admission, 10, 10), {
    refused: { code: "full", reason: "the room is full (10 members)" },
    release: admission,
  });
});

Deno.test("refusals: the host hears of each but a blocked address's, and of a spent budget first", () => {
  const said = (r: Refusal, who = "192.0.2.1", what = "") =>
    refusalNotices(r, who, what).map((s) => [s.code, s.text, s.limited ?? false]);
  assertEquals(said({ code: "busy", reason: "the room is busy" }), [
    ["refused", "Turned away 192.0.2.1: the room is busy", true],
  ]);
  assertEquals(said({ code: "blocked", reason: "blocked" }), []);
  assertEquals(said({ code: "full", reason: "full" }, "onion", "a password guess from "), [
    ["refused", "Turned away a password guess from a joiner through Tor: full", true],
  ]);
  const budget = said({ code: "wrong-password", reason: "wait", budgetRanOut: 30 });
  assertEquals(budget.map(([code]) => code), ["guess-budget", "refused"]);
  assertOk(String(budget[0]![1]).startsWith("30 wrong passwords were tried in this room lately"));
  // Told of the budget at once, not held back with the connections' notices.
  assertEquals(budget[0]![2], false);
});

Deno.test("a wrong password: the host is told the count; a block ends the connection with a reason", () => {
  const turn = { attempt: 2, left: 1, abandoned: false };
  const plain = wrongPassword("192.0.2.1", turn, { guesses: 4, blocks: [] });
  assertEquals(plain.said.map((s) => s.text), [
    "Wrong password from 192.0.2.1 (try 2; 1 left on this connection; guess 4 from this address)",
  ]);
  assertEquals(plain.deny, null);

  const kept = { address: "192.0.2.1", guesses: 6, kept: true };
  const blocked = wrongPassword("192.0.2.1", turn, { guesses: 6, blocks: [kept] });
  assertEquals(blocked.said.map((s) => s.code), ["wrong-password", "blocked"]);
  assertEquals(
    blocked.said[1]!.text,
    "Blocked 192.0.2.1 after 6 wrong passwords; /unblock 192.0.2.1 lifts it",
  );
  assertEquals(
    blocked.deny,
    "too many wrong passwords came from your address: the host has blocked it",
  );

  // This computer backs off for a while instead; one who went away is not told anything.
  const backOff = { address: "127.0.0.1", guesses: 6, kept: false, forMs: 120_000 };
  const gone = wrongPassword("127.0.0.1", { ...turn, abandoned: true }, {
    guesses: 6,
    blocks: [backOff],
  });
  assertEquals(gone.said.map((s) => s.text), [
    "127.0.0.1 went away after a password guess (guess 6 from this address)",
    "6 wrong passwords from this computer (127.0.0.1): its guesses wait 2 minutes (not kept " +
    "when the room closes; /unblock 127.0.0.1 lifts it now)",
  ]);
  assertEquals(gone.deny, null);
  const stayed = wrongPassword("127.0.0.1", turn, { guesses: 6, blocks: [backOff] });
  assertEquals(
    stayed.deny,
    "too many wrong passwords came from your address: it may try again in 2 minutes",
  );

  // Through Tor there is no address to count under.
  const tor = wrongPassword("onion", { attempt: 3, left: 0, abandoned: false }, {
    guesses: 0,
    blocks: [],
  });
  assertEquals(
    tor.said[0]!.text,
    "Wrong password from a joiner through Tor (try 3; 0 left on this connection)",
  );
});

Deno.test("a failed handshake: told by its code; garbage cut off at once, joiners ended politely", () => {
  const state = { roomClosed: false, tries: 3, who: "192.0.2.1" };
  const fail = (e: RtError, s = state) => {
    const f = handshakeFailure(e, s);
    return [f.say?.code ?? null, f.say?.text ?? null, f.say?.limited ?? false, f.cutOff];
  };
  assertEquals(fail(new RtError("denied", "Wrong password 3 times")), [
    "denied",
    "Disconnected 192.0.2.1 after 3 wrong passwords",
    false,
    false,
  ]);
  assertEquals(fail(new RtError("handshake-timeout", "No answer")), [
    "handshake-timeout",
    "Closed connection from 192.0.2.1 during the handshake: No answer",
    true,
    false,
  ]);
  for (const code of ["message-invalid", "frame-too-large", "connection-closed"] as const) {
    const [said, , limited, cutOff] = fail(new RtError(code, "x"));
    assertEquals([said, limited, cutOff], [code, true, true]);
  }
  // Turned away already (the host and the joiner were told), or the room is closing: quiet.
  assertEquals(fail(new TurnedAway("Blocked")), [null, null, false, false]);
  assertEquals(fail(new RtError("denied", "x"), { ...state, roomClosed: true }), [
    null,
    null,
    false,
    false,
  ]);
  // A bug is told even then, and never held back with the connections' notices.
  const bug = new RtError("internal", "internal error in rt (TypeError: x is not a function)");
  assertEquals(fail(bug, { ...state, roomClosed: true }), [
    "internal",
    "Closed connection from 192.0.2.1 during the handshake: internal error in rt (TypeError: x is not a function)",
    false,
    false,
  ]);
});

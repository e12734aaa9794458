/**
 * A member's rate with a clock the test moves (a burst, then the sustained rate, the host told
 * of a flood at most every 30 s), and what the host is told when a member's connection ends.
 */
import { assertEquals } from "../assert.ts";
import { RtError } from "../../lib/errors.ts";
import { floodNotice, memberEnded, MemberRate } from "../../lib/host/member_rules.ts";

function clock() {
  let now = 0;
  return { now: () => now, advance: (ms: number) => now += ms };
}

Deno.test("member rate: a burst at once, then wait for each turn; the host told of a flood every 30 s at most", () => {
  const time = clock();
  const rate = new MemberRate(10, 3, time.now);
  for (let i = 0; i < 3; i++) assertEquals(rate.take(), { waitMs: 0, tell: false });
  assertEquals(rate.take(), { waitMs: 100, tell: true });
  // Asked again before the turn came: still waiting, and the host was told already.
  time.advance(60);
  assertEquals(rate.take(), { waitMs: 40, tell: false });
  time.advance(40);
  assertEquals(rate.take(), { waitMs: 0, tell: false });
  // The wait was taken: a turn each 100 ms, not two.
  assertEquals(rate.take(), { waitMs: 100, tell: false });
  time.advance(29_900);
  // 30 s of turns taken one by one since the first notice: not told again within them.
  for (let i = 0; i < 3; i++) rate.take();
  assertEquals(rate.take().tell, false);
  time.advance(100);
  assertEquals(rate.take(), { waitMs: 0, tell: false });
  assertEquals(rate.take(), { waitMs: 100, tell: true });
});

Deno.test("flood notice: who, at what rate", () => {
  assertEquals(floodNotice("ann", "192.0.2.1", 10), {
    code: "flood",
    text: "ann (192.0.2.1) sends faster than 10 messages a second and is slowed down",
    address: "192.0.2.1",
  });
  assertEquals(
    floodNotice(null, "onion", 5).text,
    "onion sends faster than 5 messages a second and is slowed down",
  );
});

Deno.test("a member's end: told by its code, but not after goodbye or when the room closes; a bug always", () => {
  const state = { roomClosed: false, quit: false, name: "ann", address: "192.0.2.1" };
  const lost = new RtError("connection-closed", "The connection was lost");
  assertEquals(memberEnded(lost, state), {
    code: "connection-closed",
    text: "Closed connection from ann (192.0.2.1): The connection was lost",
    address: "192.0.2.1",
  });
  assertEquals(memberEnded(lost, { ...state, quit: true }), null);
  assertEquals(memberEnded(lost, { ...state, roomClosed: true }), null);
  const invalid = new RtError("message-invalid", "bad message");
  assertEquals(
    memberEnded(invalid, { ...state, quit: true, name: null })?.text,
    "Closed connection from 192.0.2.1: bad message",
  );
  const bug = new RtError("internal", "internal error in rt (TypeError: x is not a function)");
  assertEquals(memberEnded(bug, { ...state, roomClosed: true, quit: true })?.code, "internal");
});

/**
 * What a member's view of the room takes as genuine and new: room messages bound to their
 * author's session and clock, and two seats with one key as two streams. Pure logic: the
 * messages are made here as a host would relay them.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { RoomView } from "../../lib/client/mod.ts";
import { MessageSigner } from "../../lib/client/signing.ts";
import type { ClientMessage, RoomMessage } from "../../lib/codec/messages.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";
import type { ChatEvent } from "../../lib/events.ts";

const NOW = 1_700_000_000_000;
const MINUTE = 60_000;
const session = () => crypto.getRandomValues(new Uint8Array(16));

/** Bob's view of a room where ann sits with `annSession`, and a clock the test sets. */
function bobsView(annSession: Uint8Array) {
  const bob = generateIdentity(), ann = generateIdentity();
  const room = crypto.getRandomValues(new Uint8Array(16));
  const bobSession = session();
  const clock = { now: NOW };
  const peers = PeerBook.inMemory();
  const view = new RoomView({
    t: "welcome",
    name: "bob",
    room,
    members: [
      { name: "ann", host: true, since: NOW, key: ann.publicKey, nonce: annSession },
      { name: "bob", host: false, since: NOW, key: bob.publicKey, nonce: bobSession },
    ],
  }, { identity: bob, peers, host: false, nonce: bobSession, now: () => clock.now });
  return { view, ann, room, clock, peers };
}

/** A room message as the host relays it. */
function relayed(from: string, say: ClientMessage): RoomMessage {
  if (say.t !== "say") throw new Error(say.t);
  const { t: _, ...signed } = say;
  return { ...signed, t: "said", from, at: NOW };
}

/** What the view shows for `message`: the message's text, or the warning's code. */
function outcome(events: ChatEvent[]): string {
  assertEquals(events.length, 1, JSON.stringify(events));
  const e = events[0]!;
  if (e.type === "message") return `message ${e.text}`;
  if (e.type === "warning") return `warning ${e.code}`;
  throw new Error(JSON.stringify(e));
}

Deno.test("a room message from another session of its author is dropped as replayed", () => {
  const earlier = session(), now = session();
  const { view, ann, room } = bobsView(now);
  const old = new MessageSigner(ann, room, { session: earlier, now: () => NOW }).say("old");
  const shown = view.receive(relayed("ann", old));
  assertEquals(outcome(shown), "warning replayed-message");
  assertOk(/earlier visit/.test((shown[0] as { text: string }).text), JSON.stringify(shown));
  // The same numbers in ann's current session are hers to use: nothing was taken from them.
  const fresh = new MessageSigner(ann, room, { session: now, now: () => NOW }).say("fresh");
  assertEquals(fresh.seq, old.seq);
  assertEquals(outcome(view.receive(relayed("ann", fresh))), "message fresh");
  assertEquals(outcome(view.receive(relayed("ann", fresh))), "warning replayed-message");
});

Deno.test("a room message shows the time its author signed, within five minutes of the clock", () => {
  const annSession = session();
  const { view, ann, room, clock } = bobsView(annSession);
  let signedAt = NOW;
  const signer = new MessageSigner(ann, room, { session: annSession, now: () => signedAt });
  const said = (text: string, at: number) => {
    signedAt = at;
    return view.receive(relayed("ann", signer.say(text)));
  };
  clock.now = NOW + 20 * MINUTE;
  const cases: [string, number, string][] = [
    ["5 minutes slow", clock.now - 5 * MINUTE, "message"],
    ["just over 5 slow", clock.now - 5 * MINUTE - 1, "warning replayed-message"],
    ["5 minutes fast", clock.now + 5 * MINUTE, "message"],
    ["just over 5 fast", clock.now + 5 * MINUTE + 1, "warning replayed-message"],
    ["a day old", clock.now - 24 * 60 * MINUTE, "warning replayed-message"],
    ["on time", clock.now, "message"],
  ];
  for (const [text, at, expected] of cases) {
    const events = said(text, at);
    assertEquals(outcome(events), expected === "message" ? `message ${text}` : expected, text);
    const e = events[0]!;
    if (e.type === "message") assertEquals(e.time, new Date(at).toISOString(), text);
    if (e.type === "warning") assertOk(/clock/.test(e.text), e.text);
  }
  const dayOld = said("again a day old", clock.now - 24 * 60 * MINUTE)[0] as { text: string };
  assertOk(/dated 24 hours before this computer's clock/.test(dayOld.text), dayOld.text);
  const justOver = said("just over again", clock.now + 5 * MINUTE + 1)[0] as { text: string };
  assertOk(
    /dated 6 minutes after this computer's clock.* within 5 minutes of it/.test(justOver.text),
    justOver.text,
  );
});

Deno.test("a message dropped for its date does not use up its number", () => {
  const annSession = session();
  const { view, ann, room, clock } = bobsView(annSession);
  const signedAt = NOW - 10 * MINUTE;
  const signer = new MessageSigner(ann, room, { session: annSession, now: () => signedAt });
  const early = signer.say("from a wrong clock");
  assertEquals(outcome(view.receive(relayed("ann", early))), "warning replayed-message");
  // Bob's clock was the wrong one: set right, the same message is taken.
  clock.now = NOW - 10 * MINUTE;
  assertEquals(outcome(view.receive(relayed("ann", early))), "message from a wrong clock");
});

Deno.test("two seats with one key: each is its own stream, and the other shows as your key", () => {
  const me = generateIdentity();
  const room = crypto.getRandomValues(new Uint8Array(16));
  const hostSession = session(), joinerSession = session();
  const peers = PeerBook.inMemory();
  const welcome = {
    t: "welcome" as const,
    name: "hana2",
    room,
    members: [
      { name: "hana", host: true, since: NOW, key: me.publicKey, nonce: hostSession },
      { name: "hana2", host: false, since: NOW, key: me.publicKey, nonce: joinerSession },
    ],
  };
  const joiner = new RoomView(welcome, {
    identity: me,
    peers,
    host: false,
    nonce: joinerSession,
    now: () => NOW,
  });
  const welcomed = joiner.welcomeEvents();
  assertEquals(welcomed.length, 1, "no warning");
  const members = (welcomed[0] as Extract<ChatEvent, { type: "welcome" }>).members;
  assertEquals(members.map((m) => [m.name, m.status]), [["hana", "your-key"], ["hana2", "you"]]);
  assertEquals(peers.list(), [], "your own key is not a peer to remember");

  // The joiner's own messages (numbered from 1), then the host's (from 1 as well), in turn.
  const host = new MessageSigner(me, room, { session: hostSession, now: () => NOW });
  for (const text of ["a", "b", "c"]) {
    const own = joiner.receive(relayed("hana2", joiner.say(`joiner ${text}`)));
    assertEquals(outcome(own), `message joiner ${text}`);
    assertEquals((own[0] as { own: boolean }).own, true);
    const other = joiner.receive(relayed("hana", host.say(`host ${text}`)));
    assertEquals(outcome(other), `message host ${text}`);
    assertEquals((other[0] as { own: boolean }).own, false);
  }
  // A private message from the other seat opens, and one to it is sealed to its session.
  const box = host.seal({ key: me.publicKey, nonce: joinerSession }, "psst");
  assertEquals(outcome(joiner.receive({ t: "dm", from: "hana", box, at: NOW })), "message psst");
  const sent = joiner.direct("hana", "back");
  assertOk(!("error" in sent), JSON.stringify(sent));
});

import fc from "fast-check";
import { assertEquals, assertOk } from "../assert.ts";
import {
  CLOCK_TOLERANCE_MS,
  clockOffset,
  DirectOpener,
  MessageSigner,
  ReplayGuard,
  sameSession,
  verifySaid,
} from "../../lib/client/signing.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { utf8 } from "../../lib/util/mod.ts";
import { sodium } from "../../lib/handshake/sodium.ts";
import { fuzzParameters } from "../fuzz/support.ts";

const room = crypto.getRandomValues(new Uint8Array(16));
const session = () => crypto.getRandomValues(new Uint8Array(16));

Deno.test("room messages verify only untouched, from their author, in their room", () => {
  const ann = generateIdentity(), bob = generateIdentity();
  const signed = new MessageSigner(ann, room, { session: session() }).say("hello", false);
  assertOk(verifySaid(room, ann.publicKey, signed));
  assertOk(!verifySaid(room, bob.publicKey, signed), "another author");
  assertOk(!verifySaid(room, ann.publicKey, { ...signed, text: "hellO" }), "altered text");
  assertOk(!verifySaid(room, ann.publicKey, { ...signed, me: true }), "altered flag");
  assertOk(!verifySaid(room, ann.publicKey, { ...signed, seq: signed.seq + 1 }), "altered counter");
  assertOk(!verifySaid(room, ann.publicKey, { ...signed, sent: signed.sent - 1 }), "altered time");
  assertOk(!verifySaid(room, ann.publicKey, { ...signed, session: session() }), "other session");
  const { session: _, ...sessionless } = signed;
  assertOk(!verifySaid(room, ann.publicKey, sessionless), "session left out");
  const { sent: __, ...timeless } = signed;
  assertOk(!verifySaid(room, ann.publicKey, timeless), "time left out");
  const otherRoom = crypto.getRandomValues(new Uint8Array(16));
  assertOk(!verifySaid(otherRoom, ann.publicKey, signed), "replayed in another room");
});

Deno.test("fuzz: a room message with its time or session changed never verifies", () => {
  const ann = generateIdentity();
  const sessionArb = fc.option(fc.uint8Array({ minLength: 0, maxLength: 17 }), { nil: undefined });
  const bytesOf = (s: Uint8Array | undefined) => (s ?? new Uint8Array(0)).join();
  fc.assert(
    fc.property(
      fc.maxSafeNat(),
      sessionArb,
      fc.option(fc.maxSafeNat(), { nil: undefined }),
      fc.option(sessionArb, { nil: null }),
      (sent, signed, otherSent, otherSession) => {
        const said = new MessageSigner(ann, room, {
          ...(signed ? { session: signed } : {}),
          now: () => sent,
        }).say("hi");
        // `undefined`, `null`: the signed value kept.
        const claimed = otherSession === null ? signed : otherSession;
        const changed = { ...said, sent: otherSent ?? sent, session: claimed };
        const same = (otherSent ?? sent) === sent && bytesOf(claimed) === bytesOf(signed);
        assertEquals(verifySaid(room, ann.publicKey, changed), same);
      },
    ),
    fuzzParameters(300),
  );
});

Deno.test("a room message carries the author's clock and session, signed", () => {
  const ann = generateIdentity();
  const mine = session();
  let clock = 1_700_000_000_123.7;
  const signer = new MessageSigner(ann, room, { session: mine, now: () => clock });
  const first = signer.say("one");
  assertEquals(first.sent, 1_700_000_000_123);
  assertEquals(first.session, mine);
  assertEquals(first.seq, 1, "each session counts from 1");
  clock += 60_000;
  const second = signer.say("two", true);
  assertEquals([second.sent, second.seq, second.me], [1_700_000_060_123, 2, true]);
  assertOk(verifySaid(room, ann.publicKey, second));
  // Without a session number (a member that joined without one), none is sent or signed.
  const bare = new MessageSigner(ann, room).say("bare");
  assertOk(!("session" in bare));
  assertOk(verifySaid(room, ann.publicKey, bare));
  assertOk(!verifySaid(room, ann.publicKey, { ...bare, session: mine }));
});

Deno.test("sessions compare by their bytes; none equals none", () => {
  const a = session();
  assertOk(sameSession(a, a.slice()));
  assertOk(!sameSession(a, session()));
  assertOk(!sameSession(a, undefined));
  assertOk(!sameSession(undefined, a));
  assertOk(sameSession(undefined, undefined));
});

Deno.test("the clock window: within five minutes either way, and no further", () => {
  const now = 1_700_000_000_000;
  assertEquals(CLOCK_TOLERANCE_MS, 5 * 60_000);
  for (const skew of [0, 1, -1, CLOCK_TOLERANCE_MS, -CLOCK_TOLERANCE_MS, 299_999]) {
    assertEquals(clockOffset(now + skew, now), 0, `${skew} ms`);
  }
  assertEquals(clockOffset(now + CLOCK_TOLERANCE_MS + 1, now), CLOCK_TOLERANCE_MS + 1);
  assertEquals(clockOffset(now - CLOCK_TOLERANCE_MS - 1, now), -CLOCK_TOLERANCE_MS - 1);
  assertEquals(clockOffset(0, now), -now, "the epoch");
});

Deno.test("direct messages open only for their recipient, from their sender", () => {
  const ann = generateIdentity(), bob = generateIdentity(), eve = generateIdentity();
  const box = new MessageSigner(ann, room).seal({ key: bob.publicKey }, "for bob only");
  assertEquals(new DirectOpener(bob, room).open(box, ann.publicKey), {
    text: "for bob only",
    me: false,
    seq: 1,
  });
  assertEquals(new DirectOpener(eve, room).open(box, ann.publicKey), null, "not for eve");
  assertEquals(new DirectOpener(bob, room).open(box, eve.publicKey), null, "not from eve");
  const altered = box.slice();
  altered[altered.length - 1]! ^= 1;
  assertEquals(new DirectOpener(bob, room).open(altered, ann.publicKey), null, "altered");
  const text = new TextDecoder("utf-8", { fatal: false }).decode(box);
  assertOk(!text.includes("for bob"), "the relay sees no plaintext");
  assertEquals(new DirectOpener(bob, room).open(utf8("junk"), ann.publicKey), null);
});

Deno.test("a direct message sealed to one member and signed for another is refused", () => {
  // Eve (a member) receives a message from Ann and tries to pass it on to Bob as if Ann sent it
  // to him: she cannot re-seal the signed inner message without changing its recipient key.
  const ann = generateIdentity(), bob = generateIdentity(), eve = generateIdentity();
  const forEve = new MessageSigner(ann, room).seal({ key: eve.publicKey }, "secret");
  assertOk(new DirectOpener(eve, room).open(forEve, ann.publicKey));
  const inner = sodium.crypto_box_seal_open(
    forEve,
    sodium.crypto_sign_ed25519_pk_to_curve25519(eve.publicKey),
    sodium.crypto_sign_ed25519_sk_to_curve25519(eve.secretKey),
  );
  const resealed = sodium.crypto_box_seal(
    inner,
    sodium.crypto_sign_ed25519_pk_to_curve25519(bob.publicKey),
  );
  assertEquals(new DirectOpener(bob, room).open(resealed, ann.publicKey), null);
});

Deno.test("direct and file messages open only from the sender's session they were signed in", () => {
  // A host that seats a made-up member with Ann's key, under a session number of its own
  // choosing, cannot pass Ann's messages off as that member's: her session is signed.
  const ann = generateIdentity(), bob = generateIdentity();
  const hers = session(), madeUp = session();
  const signer = new MessageSigner(ann, room, { session: hers });
  const opener = new DirectOpener(bob, room);
  const box = signer.seal({ key: bob.publicKey }, "hi");
  assertEquals(opener.open(box, ann.publicKey, hers)?.text, "hi");
  assertEquals(opener.open(box, ann.publicKey, madeUp), null);
  assertEquals(opener.open(box, ann.publicKey), null, "no session");
  const file = signer.sealFile({ key: bob.publicKey }, new Uint8Array([7]));
  assertEquals(opener.openFile(file, ann.publicKey, hers)?.body, new Uint8Array([7]));
  assertEquals(opener.openFile(file, ann.publicKey, madeUp), null);
});

Deno.test("replays and reordering are refused per author session", () => {
  const guard = new ReplayGuard();
  const ann = new Uint8Array(32).fill(1), bob = new Uint8Array(32).fill(2);
  const one = new Uint8Array(16).fill(1), two = new Uint8Array(16).fill(2);
  assertOk(!guard.accept(ann, one, 0), "0 is never a message number");
  assertOk(guard.accept(ann, one, 1));
  assertOk(guard.accept(ann, one, 3));
  assertOk(!guard.accept(ann, one, 3), "replay");
  assertOk(!guard.accept(ann, one, 2), "reordered");
  assertOk(guard.accept(bob, one, 1), "counters are per author");
  // Two sessions of one key (one person in two terminals): two streams, each from 1.
  assertOk(guard.accept(ann, two, 1), "another session of the same key");
  assertOk(guard.accept(ann, two, 2));
  assertOk(guard.accept(ann, one, 4), "the first session goes on");
  assertOk(!guard.accept(ann, two, 2), "replay in the second session");
  assertOk(guard.accept(ann, undefined, 1), "no session is a stream of its own");
  assertOk(!guard.accept(ann, new Uint8Array(0), 1), "and the same as an empty one");
});

Deno.test("the replay guard remembers a bounded number of sessions, forgetting the quietest", () => {
  const guard = new ReplayGuard({ maxStreams: 3 });
  const key = new Uint8Array(32).fill(1);
  const s = (n: number) => new Uint8Array(16).fill(n);
  for (const n of [1, 2, 3]) assertOk(guard.accept(key, s(n), 5));
  assertOk(guard.accept(key, s(1), 6), "1 was heard again: 2 is now the quietest");
  assertOk(guard.accept(key, s(4), 1), "a fourth: 2 is forgotten");
  for (const n of [1, 3, 4]) assertOk(!guard.accept(key, s(n), 1), `session ${n} remembered`);
  assertOk(guard.accept(key, s(2), 5), "session 2 was forgotten");
});

Deno.test("a member who comes back to the room with the same key is a new stream", () => {
  // Found end to end: a sender killed half way rejoined and offered the file again, and the
  // offer was dropped as "replayed" because the new process counted from 1 again. Each
  // session now has its own number, and each counts on its own.
  const ann = generateIdentity();
  const guard = new ReplayGuard();
  const before = session();
  const first = new MessageSigner(ann, room, { session: before });
  const said = [0, 1, 2, 3, 4].map((i) => first.say(`hi ${i}`));
  for (const m of said) assertOk(guard.accept(ann.publicKey, before, m.seq));
  const after = session();
  const again = new MessageSigner(ann, room, { session: after });
  const back = again.say("back");
  assertOk(verifySaid(room, ann.publicKey, back));
  assertOk(guard.accept(ann.publicKey, after, back.seq), "the first message after coming back");
  const sealed = again.seal({ key: ann.publicKey }, "direct");
  const opened = new DirectOpener(ann, room).open(sealed, ann.publicKey, after)!;
  assertOk(guard.accept(ann.publicKey, after, opened.seq));
  // The earlier session's messages are still old.
  assertOk(!guard.accept(ann.publicKey, before, said[2]!.seq));
});

Deno.test("direct and file messages open only in the recipient's session they were sealed for", () => {
  const ann = generateIdentity();
  const bob = generateIdentity();
  const room = crypto.getRandomValues(new Uint8Array(16));
  const thisSession = crypto.getRandomValues(new Uint8Array(16));
  const lastSession = crypto.getRandomValues(new Uint8Array(16));
  const signer = new MessageSigner(ann, room);
  const opener = new DirectOpener(bob, room, thisSession);
  // Sealed for bob in this session: opens.
  const now = signer.seal({ key: bob.publicKey, nonce: thisSession }, "hello");
  assertEquals(opener.open(now, ann.publicKey)?.text, "hello");
  const file = signer.sealFile({ key: bob.publicKey, nonce: thisSession }, new Uint8Array([1]));
  assertEquals(opener.openFile(file, ann.publicKey)?.body, new Uint8Array([1]));
  // Recorded in an earlier session, or sealed without a session number, and played again: no.
  const before = signer.seal({ key: bob.publicKey, nonce: lastSession }, "hello again");
  assertEquals(opener.open(before, ann.publicKey), null);
  const old = signer.sealFile({ key: bob.publicKey, nonce: lastSession }, new Uint8Array([1]));
  assertEquals(opener.openFile(old, ann.publicKey), null);
  assertEquals(opener.open(signer.seal({ key: bob.publicKey }, "x"), ann.publicKey), null);
});

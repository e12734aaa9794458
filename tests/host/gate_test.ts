/**
 * The gate's bookkeeping with synthetic addresses and a clock the test moves: the room's
 * budget of wrong guesses, IPv6 prefixes failing together, forgiveness only of one's own
 * typos, loopback backing off rather than being blocked for good, and the onion service's
 * joiners not judged by Tor's address.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { type Admission, Gate, type GateLimits, type Refusal } from "../../lib/host/gate.ts";
import { GuessBudget } from "../../lib/host/guess_budget.ts";
import { isLoopback, prefixKeys } from "../../lib/host/address_key.ts";
import { Blocklist } from "../../lib/store/blocklist.ts";

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => now += ms };
}

function gate(limits: GateLimits = {}, blocklist = Blocklist.inMemory()) {
  const time = clock();
  return { gate: new Gate(blocklist, limits, time.now), blocklist, time };
}

function admitted(result: Admission | Refusal): Admission {
  if ("code" in result) throw new Error(`refused: ${JSON.stringify(result)}`);
  return result;
}

/** One connection that makes one wrong guess (if allowed); whether it was answered. */
function wrongOnce(g: Gate, address: string, route: "direct" | "onion" = "direct"): boolean {
  const admission = g.admit(address, route);
  if ("code" in admission) return false;
  try {
    if (g.guess(admission)) return false;
    g.wrongGuess(admission);
    return true;
  } finally {
    admission.release();
  }
}

Deno.test("prefix keys: an IPv6 address counts under its /64, /56 and /48; IPv4 alone", () => {
  assertEquals(prefixKeys("2001:db8:12:3456::1"), [
    "2001:db8:12:3456::/64",
    "2001:db8:12:3400::/56",
    "2001:db8:12::/48",
  ]);
  assertEquals(prefixKeys("::ffff:192.0.2.7"), ["192.0.2.7"]);
  assertEquals(prefixKeys("192.0.2.7"), ["192.0.2.7"]);
  for (const a of ["127.0.0.1", "127.3.2.1", "::1", "::ffff:127.0.0.1"]) assertOk(isLoopback(a), a);
  for (const a of ["128.0.0.1", "::", "::2", "2001:db8::1"]) assertOk(!isLoopback(a), a);
});

Deno.test("65,536 /64s of one /48: wider prefixes fail together, 12 per /56, then the /48 at 24", () => {
  const { gate: g, blocklist } = gate();
  let answered = 0;
  for (let i = 0; i < 65_536; i++) {
    if (wrongOnce(g, `2001:db8:7:${i.toString(16)}::1`)) answered++;
  }
  // Today's code answered six guesses from each /64: 393,216.
  assertEquals(answered, 24);
  const blocked = blocklist.list().map((e) => e.address);
  assertEquals(blocked, ["2001:db8:7:0::/56", "2001:db8:7:100::/56", "2001:db8:7::/48"]);
  // Every address in the blocked /48 is refused before the handshake; another /48 is not.
  const refused = g.admit("2001:db8:7:ffff::9");
  assertEquals("code" in refused && refused.code, "blocked");
  assertOk(wrongOnce(g, "2001:db8:8::1"));
});

Deno.test("65,536 addresses in as many networks get no more answers than the room's budget", () => {
  const { gate: g } = gate();
  let answered = 0;
  for (let i = 0; i < 65_536; i++) {
    if (wrongOnce(g, `2001:db8:${i.toString(16)}::1`)) answered++;
  }
  assertEquals(answered, 30);
});

Deno.test("one address: six wrong guesses (even in parallel) and it is blocked, kept in blocked.json", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const blocklist = await Blocklist.open(folder);
    const { gate: g } = gate({}, blocklist);
    // Eight connections at once each try to guess: only six may be answered.
    const admissions = Array.from({ length: 8 }, () => admitted(g.admit("198.51.100.4")));
    const refusals = admissions.map((a) => g.guess(a));
    assertEquals(refusals.filter((r) => r === null).length, 6);
    assertEquals(refusals.filter((r) => r?.code === "busy").length, 2);
    const outcomes = admissions.filter((_, i) => refusals[i] === null).map((a) => g.wrongGuess(a));
    assertEquals(outcomes.map((o) => o.guesses), [1, 2, 3, 4, 5, 6]);
    assertEquals(outcomes[5]!.blocks, [{ address: "198.51.100.4", guesses: 6, kept: true }]);
    for (const a of admissions) a.release();
    const refused = g.admit("198.51.100.4");
    assertEquals("code" in refused && refused.code, "blocked");
    await blocklist.flush();
    const saved = JSON.parse(await Deno.readTextFile(`${folder}/blocked.json`));
    assertEquals(saved.blocked.map((e: { address: string }) => e.address), ["198.51.100.4"]);
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("a success at a shared address does not reset another's wrong guesses", () => {
  const { gate: g, blocklist } = gate();
  // The guesser: five wrong guesses.
  for (let i = 0; i < 5; i++) assertOk(wrongOnce(g, "203.0.113.9"));
  // Someone else there gets in with the right password.
  const friend = admitted(g.admit("203.0.113.9"));
  assertEquals(g.guess(friend), null);
  g.succeeded(friend);
  friend.release();
  // The guesser's sixth still blocks the address.
  const sixth = admitted(g.admit("203.0.113.9"));
  assertEquals(g.guess(sixth), null);
  assertEquals(g.wrongGuess(sixth).guesses, 6);
  sixth.release();
  assertEquals(blocklist.list().map((e) => e.address), ["203.0.113.9"]);
});

Deno.test("own typos, then the right password: forgiven, and given back to the room's budget", () => {
  const { gate: g, blocklist } = gate({ roomGuesses: 10 });
  for (let i = 0; i < 4; i++) assertOk(wrongOnce(g, "203.0.113.9"));
  const friend = admitted(g.admit("203.0.113.9"));
  assertEquals(g.guess(friend), null);
  assertEquals(g.wrongGuess(friend).guesses, 5);
  assertEquals(g.guess(friend), null);
  g.succeeded(friend);
  friend.release();
  // The friend's one typo is forgiven; the guesser's four are not: two more block.
  assertOk(wrongOnce(g, "203.0.113.9"));
  assertEquals(blocklist.list(), []);
  const last = admitted(g.admit("203.0.113.9"));
  assertEquals(g.guess(last), null);
  const outcome = g.wrongGuess(last);
  last.release();
  assertEquals(outcome.guesses, 6);
  assertEquals(blocklist.list().map((e) => e.address), ["203.0.113.9"]);
  // Budget: 10, minus the guesser's 6 (the friend's two came back): 4 left.
  let more = 0;
  for (let i = 0; i < 20; i++) if (wrongOnce(g, `198.51.100.${i}`)) more++;
  assertEquals(more, 4);
});

Deno.test("this computer's own address backs off for a while, doubling, and is never kept", async () => {
  const folder = await Deno.makeTempDir();
  try {
    const blocklist = await Blocklist.open(folder);
    const { gate: g, time } = gate({}, blocklist);
    const round = () => {
      let last = null;
      for (let i = 0; i < 6; i++) {
        const a = admitted(g.admit("127.0.0.1"));
        assertEquals(g.guess(a), null);
        last = g.wrongGuess(a);
        a.release();
      }
      return last!;
    };
    const first = round();
    assertEquals(first.blocks.map((b) => [b.address, b.kept, b.forMs]), [[
      "127.0.0.1",
      false,
      60_000,
    ]]);
    const refused = g.admit("127.0.0.1");
    assertOk("code" in refused && refused.code === "blocked" && /1 minute/.test(refused.reason));
    assertEquals(g.backOffs().map((e) => e.address), ["127.0.0.1"]);
    time.advance(60_001);
    const second = round();
    assertEquals(second.blocks.map((b) => b.forMs), [120_000]);
    // The host lifts it at once.
    assertEquals(g.liftBackOff("127.0.0.1")?.address, "127.0.0.1");
    admitted(g.admit("127.0.0.1")).release();
    // IPv6 loopback alike.
    for (let i = 0; i < 6; i++) assertOk(wrongOnce(g, "::1"));
    assertEquals("code" in g.admit("::1"), true);
    await blocklist.flush();
    assertEquals(blocklist.list(), []);
    const saved = await Deno.readTextFile(`${folder}/blocked.json`).catch(() => null);
    assertOk(saved === null || JSON.parse(saved).blocked.length === 0, saved ?? "");
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
});

Deno.test("onion joiners are not judged by Tor's address: their own pending cap, the room's budget", () => {
  const { gate: g } = gate();
  // Sixty wrong guesses through Tor: only the room's 30 are answered, nothing is blocked.
  let answered = 0;
  for (let i = 0; i < 60; i++) if (wrongOnce(g, "127.0.0.1", "onion")) answered++;
  assertEquals(answered, 30);
  assertEquals(g.backOffs(), []);
  // Tor's pending slots are their own: 16 through Tor fill them, direct joiners still get in.
  const { gate: h } = gate();
  const tor = Array.from({ length: 16 }, () => admitted(h.admit("127.0.0.1", "onion")));
  const seventeenth = h.admit("127.0.0.1", "onion");
  assertEquals("code" in seventeenth && seventeenth.code, "busy");
  admitted(h.admit("127.0.0.1")).release();
  for (const a of tor) a.release();
  admitted(h.admit("127.0.0.1", "onion")).release();
});

Deno.test("a spent budget refuses at once (before anyone types), tells the host once, and grows back", () => {
  const { gate: g, time } = gate({ roomGuesses: 3, roomGuessIntervalMs: 60_000 });
  for (let i = 0; i < 3; i++) assertOk(wrongOnce(g, `198.51.100.${i}`));
  const first = g.admit("198.51.100.50") as Refusal;
  assertEquals([first.code, first.budgetRanOut], ["busy", 3]);
  assertOk(/wrong passwords/.test(first.reason), first.reason);
  const again = g.admit("198.51.100.51") as Refusal;
  assertEquals([again.code, again.budgetRanOut], ["busy", undefined]);
  time.advance(60_000);
  assertOk(wrongOnce(g, "198.51.100.52"));
  // A new password makes the old guesses worthless.
  g.passwordChanged();
  for (let i = 0; i < 3; i++) assertOk(wrongOnce(g, `198.51.100.${60 + i}`));
});

Deno.test("guess budget: 30 at once, then one per interval, the interval doubling at each run-out", () => {
  const time = clock();
  const budget = new GuessBudget({ now: time.now });
  for (let i = 0; i < 30; i++) assertEquals(budget.take(), null);
  assertEquals(budget.take(), { waitMs: 120_000, first: true, spent: 30 });
  assertEquals(budget.take()?.first, false);
  time.advance(120_000);
  assertEquals(budget.take(), null);
  assertEquals(budget.take(), { waitMs: 240_000, first: true, spent: 31 });
  time.advance(240_000);
  assertEquals(budget.take(), null);
  assertEquals(budget.take()?.waitMs, 480_000);
  // Full again after a long quiet time: back to the first interval.
  time.advance(30 * 480_000);
  for (let i = 0; i < 30; i++) assertEquals(budget.take(), null);
  assertEquals(budget.take()?.waitMs, 120_000);
  budget.refund();
  assertEquals(budget.take(), null);
});

Deno.test("pending caps: 64 in all, 8 per address (an IPv6 /64 is one), a released place is free", () => {
  const { gate: g } = gate();
  // Eight from one /64, from eight different addresses in it: the ninth is refused.
  const mine = Array.from({ length: 8 }, (_, i) => admitted(g.admit(`2001:db8:1:2::${i + 1}`)));
  const ninth = g.admit("2001:db8:1:2::99") as Refusal;
  assertEquals([ninth.code, ninth.reason], [
    "busy",
    "too many connections from your address at once",
  ]);
  // The next /64 is another address.
  const neighbour = admitted(g.admit("2001:db8:1:3::1"));
  assertEquals(neighbour.key, "2001:db8:1:3::/64");
  // Released twice, counted once: exactly one place comes back.
  mine[0]!.release();
  mine[0]!.release();
  const again = admitted(g.admit("2001:db8:1:2::99"));
  assertEquals("code" in g.admit("2001:db8:1:2::98"), true);
  // 64 in all: fill up from other addresses, then nobody.
  const others = Array.from({ length: 64 - 9 }, (_, i) => admitted(g.admit(`198.51.100.${i}`)));
  assertEquals(g.pending, 64);
  const full = g.admit("203.0.113.1") as Refusal;
  assertEquals(full.code, "busy");
  assertOk(/too many people are joining at once/.test(full.reason), full.reason);
  for (const a of [...mine, neighbour, again, ...others]) a.release();
  assertEquals(g.pending, 0);
  admitted(g.admit("203.0.113.1")).release();
});

Deno.test("a locked room turns away everyone new; a blocked address is told it is blocked", () => {
  const { gate: g, blocklist } = gate();
  blocklist.add({ address: "192.0.2.1", key: null, name: null, reason: "test" });
  g.locked = true;
  assertEquals((g.admit("198.51.100.1") as Refusal).code, "locked");
  assertEquals((g.admit("127.0.0.1", "onion") as Refusal).code, "locked");
  assertEquals((g.admit("192.0.2.1") as Refusal).code, "blocked");
  g.locked = false;
  admitted(g.admit("198.51.100.1")).release();
  assertEquals((g.admit("192.0.2.1") as Refusal).code, "blocked");
});

Deno.test("the host's ban of an IPv6 joiner keeps out its whole /64, and nobody else", () => {
  const { gate: g, blocklist } = gate();
  const member = admitted(g.admit("2001:db8:aa:bb:1:2:3:4"));
  member.release();
  // What /ban does: block the member's address key.
  blocklist.add({ address: member.key, key: null, name: "mallory", reason: "banned" });
  assertEquals(member.key, "2001:db8:aa:bb::/64");
  for (const other of ["2001:db8:aa:bb::1", "2001:db8:aa:bb:ffff:ffff:ffff:ffff"]) {
    assertEquals((g.admit(other) as Refusal).code, "blocked", other);
  }
  for (const other of ["2001:db8:aa:bc::1", "2001:db8:aa:ba::1", "192.0.2.1"]) {
    admitted(g.admit(other)).release();
  }
  // A guess already admitted is refused once the ban lands.
  const late = admitted(g.admit("2001:db8:aa:bc::7"));
  blocklist.add({ address: "2001:db8:aa:bc::/64", key: null, name: null, reason: "banned" });
  assertEquals(g.guess(late)?.code, "blocked");
  late.release();
});

Deno.test("a connection lost while its guess is answered counts it wrong; a settled one does not", () => {
  const { gate: g } = gate();
  for (let i = 0; i < 5; i++) {
    const a = admitted(g.admit("198.51.100.7"));
    assertEquals(g.guess(a), null);
    a.release(); // gone before the joiner's answer: the guess may have been answered
  }
  const sixth = admitted(g.admit("198.51.100.7"));
  assertEquals(g.guess(sixth), null);
  assertEquals(g.wrongGuess(sixth).guesses, 6);
  // Settled already: a second report of the same guess counts nothing.
  assertEquals(g.wrongGuess(sixth), { guesses: 0, blocks: [] });
  sixth.release();
  assertEquals((g.admit("198.51.100.7") as Refusal).code, "blocked");
});

Deno.test("wrong guesses are forgotten after a day", () => {
  const { gate: g, blocklist, time } = gate({ roomGuesses: 1000 });
  for (let i = 0; i < 5; i++) assertOk(wrongOnce(g, "198.51.100.8"));
  time.advance(24 * 60 * 60_000 + 1);
  for (let i = 0; i < 5; i++) assertOk(wrongOnce(g, "198.51.100.8"));
  assertEquals(blocklist.list(), []);
  assertOk(wrongOnce(g, "198.51.100.8"));
  assertEquals(blocklist.list().map((e) => e.address), ["198.51.100.8"]);
});

/**
 * Each refusal has its own reason, on the wire, on screen and in `--json` (`locked`, `blocked`,
 * `busy`, `wrong-password`); mistyping on this computer does not block it for good; the host
 * is told at start-up which blocks are in force; a success from one person at an address does
 * not wipe out another's wrong guesses there.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { guessOnceAndLeave, readFirstFrame } from "./attack_tools.ts";
import { check, E2e, type RtProcess } from "./harness.ts";

const PASSWORD = "right horse battery staple";

/** A joiner (rt process) that types `passwords` at each prompt; resolves with its error event. */
async function refusedJoiner(
  e2e: E2e,
  port: number,
  label: string,
  passwords: string[],
): Promise<{ joiner: RtProcess; error: { code: string; message: string } }> {
  const joiner = e2e.joiner(port, { label, name: label, password: passwords[0] });
  for (const [i, password] of passwords.slice(1).entries()) {
    await joiner.next("wrong-password", undefined, { count: i + 1 });
    await joiner.next("prompt", (e) => e.for === "password", { count: i + 1 });
    await joiner.type(password);
  }
  const error = await joiner.next("error");
  assertEquals((await joiner.exit()).code, 1, joiner.describe());
  check(e2e, joiner.all("welcome").length === 0, `${label} was welcomed`);
  return { joiner, error };
}

Deno.test("refusals: wrong-password, blocked (told to the one who triggered it), locked, busy", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({
    name: "hana",
    password: PASSWORD,
    args: ["--no-reverse-dns"],
  });

  // Three wrong tries on one connection: the joiner is told exactly that.
  const first = await refusedJoiner(e2e, port, "mel", ["w-1", "w-2", "w-3"]);
  assertEquals(first.error.code, "wrong-password", first.joiner.describe());
  assertEquals(
    first.error.message,
    "Wrong password too many times; the host closed the connection",
  );

  // Three more: the sixth wrong guess from this address blocks it, and the one who made it is
  // told so (not "connection closed").
  const second = await refusedJoiner(e2e, port, "max", ["w-4", "w-5", "w-6"]);
  assertEquals(second.error.code, "blocked", second.joiner.describe());
  assertOk(/blocked/i.test(second.error.message), second.error.message);
  await host.next("notice", (e) => e.code === "blocked");

  // Anyone from the address is now told it is blocked, before typing anything.
  const third = e2e.joiner(port, { label: "kim", name: "kim", password: PASSWORD });
  const blocked = await third.next("error");
  assertEquals(blocked.code, "blocked", third.describe());
  assertOk(/blocked/i.test(blocked.message), blocked.message);
  assertEquals(third.all("prompt").length, 0, "asked for nothing after the refusal");
  assertEquals((await third.exit()).code, 1);
  const raw = await e2e.connect(port);
  const onWire = await readFirstFrame(raw) as { t: string; code?: string; reason: string };
  assertEquals([onWire.t, onWire.code], ["denied", "blocked"], JSON.stringify(onWire));
  raw.close();

  await host.type("/unblock 127.0.0.1");
  await host.next("notice", (e) => e.code === "unblocked");

  // A locked room says it is locked. (It still greets: a member whose connection dropped may
  // come back into it with its secret; a newcomer is refused before its guess is counted.)
  await host.type("/lock");
  await host.next("notice", (e) => e.code === "locked");
  const sinceLock = host.events.length;
  const locked = e2e.joiner(port, { label: "lou", name: "lou", password: PASSWORD });
  const lockedError = await locked.next("error");
  assertEquals(lockedError.code, "locked", locked.describe());
  assertOk(/locked/i.test(lockedError.message), lockedError.message);
  check(e2e, !/password/i.test(lockedError.message), `about passwords: ${lockedError.message}`);
  assertEquals((await locked.exit()).code, 1);
  const guessed = host.events.slice(sinceLock).filter((e) =>
    e.type === "notice" && e.code === "wrong-password"
  );
  assertEquals(guessed, [], "a guess counted against a newcomer to a locked room");
  await host.type("/unlock");
  await host.next("notice", (e) => e.code === "unlocked");

  // A full queue of connections from the address says the host is busy.
  const silent = await Promise.all(Array.from({ length: 8 }, () => e2e.connect(port)));
  for (const peer of silent) assertEquals((await readFirstFrame(peer) as { t: string }).t, "hello");
  const busy = e2e.joiner(port, { label: "bo", name: "bo", password: PASSWORD });
  const busyError = await busy.next("error");
  assertEquals(busyError.code, "busy", busy.describe());
  check(e2e, !/password/i.test(busyError.message), `about passwords: ${busyError.message}`);
  assertEquals((await busy.exit()).code, 1);
  for (const peer of silent) peer.close();

  // The room goes on.
  const ann = await e2e.join(port, "ann", PASSWORD);
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0);
  await host.interrupt();
  assertEquals((await host.exit()).code, 0, host.describe());
  for (const p of [host, first.joiner, second.joiner, third, locked, busy]) {
    assertEquals(p.stderr, "", p.describe());
  }
});

Deno.test("mistyping on this computer does not block it for good; the host hears of blocks in force at start", async () => {
  await using e2e = new E2e();
  const home = e2e.home();
  // Blocks from an earlier session: an address and a banned key.
  await Deno.writeTextFile(
    `${home}/blocked.json`,
    JSON.stringify({
      format: "rt-blocked-1",
      blocked: [
        {
          address: "203.0.113.7",
          key: null,
          name: null,
          reason: "6 wrong passwords",
          since: "2026-01-01T00:00:00.000Z",
        },
        {
          address: null,
          key: "ab".repeat(32),
          name: "vic",
          reason: "banned by the host",
          since: "2026-01-01T00:00:00.000Z",
        },
      ],
    }),
  );
  const started = await e2e.host({
    name: "hana",
    password: PASSWORD,
    home,
    args: ["--no-reverse-dns"],
  });
  const told = await started.process.next("notice", (e) => e.code === "blocks");
  assertOk(/\b2\b/.test(told.text) && told.text.includes("/blocked"), told.text);

  // Two mistyped rounds on this computer (as a new user would).
  for (const [label, passwords] of [["ida", ["a", "b", "c"]], ["ida2", ["d", "e", "f"]]] as const) {
    await refusedJoiner(e2e, started.port, label, [...passwords]);
  }
  const block = await started.process.next("notice", (e) => e.code === "blocked");
  assertEquals(block.address, "127.0.0.1");
  await started.process.interrupt();
  assertEquals((await started.process.exit()).code, 0);
  // Not kept: the file holds what it held.
  const file = JSON.parse(await Deno.readTextFile(`${home}/blocked.json`));
  assertEquals(file.blocked.map((e: { address: string | null }) => e.address), [
    "203.0.113.7",
    null,
  ]);

  const again = await e2e.host({
    name: "hana",
    password: PASSWORD,
    home,
    args: ["--no-reverse-dns"],
  });
  const ida = await e2e.join(again.port, "ida", PASSWORD);
  await ida.type("/quit");
  assertEquals((await ida.exit()).code, 0);
  await again.process.interrupt();
  assertEquals((await again.process.exit()).code, 0, again.process.describe());
});

Deno.test("a success from one person at an address does not wipe out another's wrong guesses", async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({
    name: "hana",
    password: PASSWORD,
    args: ["--no-reverse-dns"],
  });
  // Five wrong guesses from 127.0.0.1, one per connection.
  for (let i = 0; i < 5; i++) {
    const outcome = await guessOnceAndLeave(e2e, port, `guess-${i}`);
    assertEquals([outcome.answered, outcome.success], [1, false], JSON.stringify(outcome));
  }
  // Someone else at the same address joins with the right password...
  const ann = await e2e.join(port, "ann", PASSWORD);
  // ...and the guesser's sixth guess still blocks the address.
  const sixth = await guessOnceAndLeave(e2e, port, "guess-5");
  assertEquals([sixth.answered, sixth.success], [1, false], JSON.stringify(sixth));
  await host.next("notice", (e) => e.code === "blocked");
  const seventh = await guessOnceAndLeave(e2e, port, "guess-6");
  assertEquals([seventh.refused, seventh.answered], [true, 0], JSON.stringify(seventh));
  // The one who proved the password stays in the room.
  await ann.type("still here");
  await host.next("message", (e) => e.from === "ann" && e.text === "still here");
  await ann.type("/quit");
  assertEquals((await ann.exit()).code, 0);
  await host.interrupt();
  assertEquals((await host.exit()).code, 0, host.describe());
});

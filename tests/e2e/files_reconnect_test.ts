/**
 * A file on its way when a member's link to the host drops carries on by itself once rt is back,
 * either way, through the real program: bob joins through a TCP relay on loopback that is cut
 * and restored (`relay.ts`), alice's link never drops. Nobody types `/send` or `/accept` again;
 * the file arrives whole (its SHA-256 checked by rt, and here), and only the rest of it crosses
 * the link after coming back.
 *
 * alice's connection passes a valve (`valve.ts`) that holds what she sends part way: her file's
 * content (alice sending), or her acknowledgements, which stop bob's window (bob sending). The
 * transfer is then under way, and not over, when the link is cut, however fast the machine.
 *
 * @module
 */
import { join } from "node:path";
import { assertEquals } from "../assert.ts";
import { filesUnder, randomFile, sha256File, tempDir } from "../files/support.ts";
import { check, E2e, type Event, type RtProcess } from "./harness.ts";
import { Relay } from "./relay.ts";
import { Valve } from "./valve.ts";

const MB = 1024 * 1024;
/** The file sent. */
const SIZE = 50 * MB;
/** Transfers are given plenty of time: a busy machine may move a file at a few MB/s. */
const TRANSFER_MS = 180_000;
/** How long the link stays cut. */
const CUT_MS = 2000;

type Of<T extends Event["type"]> = Extract<Event, { type: T }>;

/** The room: hana hosts, alice joins through `valve` (never cut), bob through `relay`. */
async function room(e2e: E2e) {
  const { process: hana, port } = await e2e.host({ name: "hana" });
  const valve = Valve.open(port);
  const relay = Relay.open(port);
  const alice = await e2e.join(valve.port, "alice", "pw", e2e.home());
  const bob = await e2e.join(relay.port, "bob", "pw", e2e.home());
  await alice.next("joined", (e) => e.name === "bob");
  return { hana, valve, relay, alice, bob };
}

/** `sender` offers `path` to `recipient`: the offer as each sees it. */
async function offer(sender: RtProcess, recipient: RtProcess, path: string) {
  await sender.type(`/send ${recipient.label} ${path}`);
  const offered = await sender.next("file-offered", () => true, { timeoutMs: TRANSFER_MS });
  const got = await recipient.next("file-offer", () => true, { timeoutMs: TRANSFER_MS });
  return { offered, got };
}

/**
 * Resolves once transfer `id` no longer moves at `recipient` (its progress the same three times
 * running): held, with nothing on the way from its sender, so that the cut lands at a known
 * point of the transfer rather than wherever the machine's speed puts it.
 */
async function still(recipient: RtProcess, id: number): Promise<void> {
  let last = -1;
  for (let same = 0; same < 3;) {
    const since = recipient.events.length;
    const { done } = await recipient.next("file-progress", (e) => e.id === id, { since });
    same = done === last ? same + 1 : 0;
    last = done;
  }
}

/**
 * Cuts bob's link while the transfer is held part way, lets alice's held bytes go once the host
 * keeps bob's seat (it drops what is for him meanwhile), and restores the link after `CUT_MS`.
 * Resolves once bob is back, with the relay's count of bytes at that moment.
 */
async function dropAndComeBack(
  e2e: E2e,
  { hana, valve, relay, bob }: { hana: RtProcess; valve: Valve; relay: Relay; bob: RtProcess },
  stoppedHere: () => Promise<Of<"file-stopped">>,
) {
  const since = bob.events.length;
  const hanaSince = hana.events.length;
  relay.cut();
  await bob.next("reconnecting", () => true, { since });
  // The host keeps bob's seat (and says so to its own member) rather than seeing him leave.
  await hana.next("notice", (e) => e.code === "away" && e.text.startsWith("bob"), {
    since: hanaSince,
  });
  const stopped = await stoppedHere();
  assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", null, true]);
  check(e2e, /connection dropped/.test(stopped.text), stopped.text);
  valve.open();
  await new Promise((resolve) => setTimeout(resolve, CUT_MS));
  const before = { ...relay.relayed };
  relay.restore();
  await bob.next("reconnected", () => true, { since, timeoutMs: 40_000 });
  return before;
}

/**
 * The old transfer ended on the side whose link never dropped (resumable, by the peer), the new
 * one carries it on, and the file is saved whole; `held` was here from before.
 */
async function carriedOn(
  e2e: E2e,
  sides: {
    sender: RtProcess;
    recipient: RtProcess;
    offered: Of<"file-offered">;
    got: Of<"file-offer">;
  },
  expected: string,
): Promise<{ held: number; path: string }> {
  const { sender, recipient, offered, got } = sides;
  const again = await sender.next("file-offered", (e) => e.resumes === offered.id, {
    timeoutMs: TRANSFER_MS,
  });
  const resumed = await recipient.next("file-offer", (e) => e.resumes === got.id, {
    timeoutMs: TRANSFER_MS,
  });
  assertEquals(resumed.autoAccepted, true);
  check(e2e, resumed.held > 0 && resumed.held < SIZE, `held ${resumed.held}`);
  const saved = await recipient.next("file-saved", (e) => e.id === resumed.id, {
    timeoutMs: TRANSFER_MS,
  });
  await sender.next("file-done", (e) => e.id === again.id, { timeoutMs: TRANSFER_MS });
  await recipient.next("file-done", (e) => e.id === resumed.id, { timeoutMs: TRANSFER_MS });
  assertEquals(await sha256File(saved.path), expected, "the file carried on");
  // It started where it stopped: the recipient's first progress counts what it held.
  const first = recipient.all("file-progress").find((e) => e.id === resumed.id)!;
  check(e2e, first.done >= resumed.held, `first progress ${first.done} < held ${resumed.held}`);
  // Nobody was warned of anything, and nothing failed on the way.
  for (const p of [sender, recipient]) {
    const errors = p.all("error");
    check(e2e, errors.length === 0, `${p.label}: ${JSON.stringify(errors)}`);
    check(e2e, p.all("warning").length === 0, `${p.label} was warned`);
    check(e2e, p.stderr === "", `${p.label} wrote on stderr`);
  }
  return { held: resumed.held, path: saved.path };
}

/** The recipient's downloads: the one file, and no part left. */
async function onlyTheFile(e2e: E2e, path: string): Promise<void> {
  const downloads = join(path, "..");
  const files = await filesUnder(downloads);
  check(e2e, files.length === 1 && files[0] === "big.bin", `downloads: ${files}`);
}

Deno.test("a file to a member whose link drops carries on by itself once back", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "big.bin");
    await randomFile(source, SIZE);
    const expected = await sha256File(source);
    const { hana, valve, relay, alice, bob } = await room(e2e);
    await using _valve = valve;
    await using _relay = relay;
    const { offered, got } = await offer(alice, bob, source);
    // The first 16 MB may cross; the rest waits behind alice's valve.
    valve.closeAfter(16 * MB);
    await bob.type(`/accept ${got.id}`);
    await bob.next("file-progress", (e) => e.id === got.id && e.done > 0, {
      timeoutMs: TRANSFER_MS,
    });
    // Cut while what got through may still be on its way to bob: the host's writes to his
    // connection fail, which must not cost him his seat.
    await valve.holding();
    check(e2e, bob.all("file-saved").length === 0, "the file was there before the link was cut");

    const before = await dropAndComeBack(
      e2e,
      { hana, valve, relay, bob },
      () => bob.next("file-stopped", (e) => e.id === got.id),
    );
    const { held, path } = await carriedOn(
      e2e,
      { sender: alice, recipient: bob, offered, got },
      expected,
    );
    const theirs = await alice.next("file-stopped", (e) => e.id === offered.id);
    assertEquals([theirs.reason, theirs.by, theirs.resumable], ["interrupted", "peer", true]);
    const after = relay.relayed.toMember - before.toMember;
    check(e2e, after < SIZE, `${after} bytes reached bob after coming back: it started again`);
    await onlyTheFile(e2e, path);
    console.log(
      `bob held ${(held / MB).toFixed(1)} MB; ${
        (after / MB).toFixed(1)
      } MB crossed after coming back`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a file from a member whose link drops carries on by itself once back", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "big.bin");
    await randomFile(source, SIZE);
    const expected = await sha256File(source);
    const { hana, valve, relay, alice, bob } = await room(e2e);
    await using _valve = valve;
    await using _relay = relay;
    const { offered, got } = await offer(bob, alice, source);
    // alice's answer goes (a few hundred bytes), and a few of her acknowledgements; then none:
    // bob may be at most a window (8 MiB) ahead of them, and waits.
    valve.closeAfter(1024);
    await alice.type(`/accept ${got.id}`);
    await alice.next("file-progress", (e) => e.id === got.id && e.done > 0, {
      timeoutMs: TRANSFER_MS,
    });
    await valve.holding();
    await still(alice, got.id);
    check(e2e, alice.all("file-saved").length === 0, "the file was there before the link was cut");

    const before = await dropAndComeBack(
      e2e,
      { hana, valve, relay, bob },
      () => bob.next("file-stopped", (e) => e.id === offered.id),
    );
    const { held, path } = await carriedOn(
      e2e,
      { sender: bob, recipient: alice, offered, got },
      expected,
    );
    const theirs = await alice.next("file-stopped", (e) => e.id === got.id);
    assertEquals([theirs.reason, theirs.by, theirs.resumable], ["interrupted", "peer", true]);
    const after = relay.relayed.toHost - before.toHost;
    check(e2e, after < SIZE, `${after} bytes left bob after coming back: it started again`);
    await onlyTheFile(e2e, path);
    console.log(
      `alice held ${(held / MB).toFixed(1)} MB; ${
        (after / MB).toFixed(1)
      } MB crossed after coming back`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

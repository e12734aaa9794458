/**
 * Sending files, end to end, through the real `rt` over loopback: a large file relayed by the
 * host while the room keeps talking, /reject, /cancel from either side, a sender killed half
 * way and resumed, hostile names, folders to several people, and --auto-accept-from.
 *
 * A valve on the sender's connection (`valve.ts`) holds a transfer part way where a test needs it
 * under way: however fast transfers get, it is not over before the test says so.
 *
 * Path traversal (`../../x`, `/etc/passwd`, drive letters...) cannot be tried from here: no
 * real file can be named like that, and the sender only offers real files. It is covered at the
 * unit level by tests/files/safe_name_test.ts; here, names that can exist on Linux (ESC,
 * bidirectional overrides, newlines, device names, leading dots) go through the whole program.
 *
 * @module
 */
import { join, relative } from "node:path";
import { assertEquals } from "../assert.ts";
import { randomFile, sha256File, tempDir } from "../files/support.ts";
import { check, E2e, type Event, type RtProcess } from "./harness.ts";
import { Valve } from "./valve.ts";

const MB = 1024 * 1024;
/**
 * Transfers are given plenty of time (a machine busy with other work may move a file at a few
 * MB/s); no test asserts how long one took.
 */
const TRANSFER_MS = 180_000;
/**
 * How much of a file a sender's valve lets through before it holds the rest: a small part of
 * every file it is used on, so the transfer is under way, and not over, for as long as the
 * test holds it.
 */
const HELD_AFTER = 16 * MB;
/** Lines each member says while a file is under way. */
const LINES = 3;

type Of<T extends Event["type"]> = Extract<Event, { type: T }>;

/** Every regular file under `dir` (relative, `/`-separated, sorted); [] when `dir` is absent. */
async function filesUnder(dir: string, options: { skip?: string } = {}): Promise<string[]> {
  const found: string[] = [];
  const walk = async (folder: string) => {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(folder));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return;
      throw error;
    }
    for (const entry of entries) {
      const path = join(folder, entry.name);
      if (entry.isDirectory) {
        if (folder === dir && entry.name === options.skip) continue;
        await walk(path);
      } else found.push(relative(dir, path));
    }
  };
  await walk(dir);
  return found.sort();
}

/** Relative path → SHA-256 of every file under `dir`. */
async function tree(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const path of await filesUnder(dir)) out[path] = await sha256File(join(dir, path));
  return out;
}

/** A member's downloads folder, and the hidden folder of parts inside it. */
function downloadsOf(home: string): { downloads: string; partial: string } {
  const downloads = join(home, "downloads");
  return { downloads, partial: join(downloads, ".rt-partial") };
}

/** Waits until `condition` holds (things a process does just after an event it printed). */
async function eventually(
  e2e: E2e,
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    check(e2e, Date.now() < deadline, `${what}: not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Nothing at all in the downloads folder: no file, and no part in the hidden folder. */
async function nothingReceived(e2e: E2e, home: string, who: string): Promise<void> {
  const { downloads, partial } = downloadsOf(home);
  await eventually(
    e2e,
    `${who}'s downloads should hold no file and no part`,
    async () =>
      (await filesUnder(downloads, { skip: ".rt-partial" })).length === 0 &&
      (await filesUnder(partial)).length === 0,
  );
  // Only the hidden folder may be there (it is made on accepting, and stays).
  const entries = await filesOrFolders(downloads);
  check(e2e, entries.every((e) => e === ".rt-partial"), `${who}'s downloads: ${entries}`);
}

async function filesOrFolders(dir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(dir))).map((e) => e.name);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/**
 * Nobody was warned of anything (a forged or replayed message...), nothing went to stderr, and
 * the only errors are those the test asked for.
 */
function quiet(e2e: E2e, processes: RtProcess[], errors: string[] = []): void {
  for (const p of processes) {
    check(e2e, p.all("warning").length === 0, `${p.label} was warned`);
    const unexpected = p.all("error").filter((e) => !errors.includes(e.code));
    check(e2e, unexpected.length === 0, `${p.label}: ${JSON.stringify(unexpected)}`);
    if (p.exited === null) check(e2e, p.stderr === "", `${p.label} wrote on stderr`);
  }
}

/** A room: the host, and joiners with homes of their own that outlive their processes. */
async function room(
  e2e: E2e,
  names: string[],
): Promise<{ host: RtProcess; port: number; homes: Record<string, string> }> {
  const { process: host, port } = await e2e.host({ name: "hana" });
  const homes: Record<string, string> = {};
  for (const name of names) homes[name] = e2e.home();
  return { host, port, homes };
}

/** Offers `path` from `sender` to `recipient`; returns the offer as each side sees it. */
async function offer(
  sender: RtProcess,
  recipient: RtProcess,
  path: string,
): Promise<{ offered: Of<"file-offered">; offer: Of<"file-offer"> }> {
  const sinceSender = sender.events.length;
  const sinceRecipient = recipient.events.length;
  await sender.type(`/send ${recipient.label} ${path}`);
  const offered = await sender.next("file-offered", (e) => e.to === recipient.label, {
    since: sinceSender,
    timeoutMs: TRANSFER_MS,
  });
  const offer = await recipient.next("file-offer", (e) => e.from === sender.label, {
    since: sinceRecipient,
    timeoutMs: TRANSFER_MS,
  });
  return { offered, offer };
}

/** The events of one transfer (by its id on that side). */
function ofTransfer<T extends "file-progress" | "file-saved" | "file-done" | "file-stopped">(
  p: RtProcess,
  type: T,
  id: number,
): Of<T>[] {
  return p.all(type).filter((e) => (e as { id: number }).id === id);
}

Deno.test("a 200 MB file crosses the room intact while everyone keeps talking", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "big.bin");
    const size = 200 * MB;
    await randomFile(source, size);
    const expected = await sha256File(source);

    const { host, port, homes } = await room(e2e, ["alice", "bob"]);
    await using valve = Valve.open(port);
    const alice = await e2e.join(valve.port, "alice", "pw", homes.alice);
    const bob = await e2e.join(port, "bob", "pw", homes.bob);
    await alice.next("joined", (e) => e.name === "bob");

    const started = performance.now();
    const { offered, offer: got } = await offer(alice, bob, source);
    // Both are rt of today: the offer is streamed, nothing hashed before it, the hash in none
    // of its files (it follows the content).
    assertEquals(alice.all("file-preparing"), []);
    assertEquals(got.name, "big.bin");
    assertEquals(got.total, size);
    assertEquals(got.held, 0);
    assertEquals(got.autoAccepted, false);
    assertEquals(got.files.map((f) => [f.path, f.size, f.hash]), [["big.bin", size, undefined]]);
    // The first 16 MB may cross; the rest waits behind alice's valve, however fast it could go.
    valve.closeAfter(HELD_AFTER);
    await bob.type(`/accept ${got.id}`);

    // Moving, then held part way, alice's connection backed up behind the rest of the file.
    // Now everyone talks: three lines each.
    const first = await bob.next(
      "file-progress",
      (e) => e.id === got.id && e.done > 0 && e.done < size,
      { timeoutMs: TRANSFER_MS },
    );
    await valve.holding();
    const members = [host, alice, bob];
    const said = (from: RtProcess, i: number) => `${i} of ${LINES} from ${from.label}`;
    for (let i = 1; i <= LINES; i++) for (const p of members) await p.type(said(p, i));
    // hana's and bob's lines reach everyone while the rest of the file is held back.
    for (const from of [host, bob]) {
      for (const p of members) {
        await p.next("message", (e) => e.from === from.label && e.text === said(from, LINES), {
          timeoutMs: 30_000,
        });
      }
    }
    check(
      e2e,
      bob.all("file-saved").length === 0 && alice.all("file-done").length === 0,
      "the file was there before the valve let it: the test proves nothing",
    );
    const talkedBy = performance.now();

    // The rest goes. alice's lines were typed behind most of her file: they go ahead of it.
    const heldAt = valve.passed;
    valve.open();
    const saved = await bob.next("file-saved", (e) => e.id === got.id, { timeoutMs: TRANSFER_MS });
    const done = await alice.next("file-done", (e) => e.id === offered.id, {
      timeoutMs: TRANSFER_MS,
    });
    const seconds = (performance.now() - started) / 1000;
    assertEquals(done.direction, "send");
    assertEquals(done.total, size);
    await bob.next("file-done", (e) => e.id === got.id && e.direction === "receive");

    // Everyone heard every line once, in order: bob before the file was saved, alice before
    // she heard it was, hana (who has no part in it) at all.
    const ends = new Map([[bob, bob.events.indexOf(saved)], [alice, alice.events.indexOf(done)]]);
    for (const p of members) {
      for (const from of members) {
        await p.next("message", (e) => e.from === from.label && e.text === said(from, LINES));
      }
      const end = ends.get(p) ?? p.events.length;
      for (const from of members) {
        const heard = p.events.slice(0, end).filter((e) =>
          e.type === "message" && e.from === from.label && e.text.includes(` of ${LINES} from `)
        ).map((e) => e.type === "message" ? e.text : "");
        const lines = Array.from({ length: LINES }, (_, i) => said(from, i + 1));
        assertEquals(heard, lines, `what ${p.label} heard from ${from.label} before the end`);
      }
    }

    // Progress was reported on both sides while it moved.
    const sent = ofTransfer(alice, "file-progress", offered.id);
    const received = ofTransfer(bob, "file-progress", got.id);
    check(e2e, sent.some((e) => e.done > 0 && e.done < size), "alice saw no progress");
    check(e2e, received.some((e) => e.done > 0 && e.done < size), "bob saw no progress");
    check(e2e, first.direction === "receive" && first.peer === "alice", JSON.stringify(first));

    // Intact, where it should be, and nothing left over.
    const { downloads, partial } = downloadsOf(homes.bob!);
    const real = await Deno.realPath(saved.path);
    check(e2e, real.startsWith((await Deno.realPath(downloads)) + "/"), real);
    assertEquals(saved.name, "big.bin");
    assertEquals(saved.size, size);
    assertEquals(saved.hash, expected);
    assertEquals(await sha256File(saved.path), expected, "the file bob has");
    assertEquals(await filesUnder(downloads, { skip: ".rt-partial" }), ["big.bin"]);
    assertEquals(await filesUnder(partial), []);
    quiet(e2e, members);
    console.log(
      `200 MB from alice to bob through the host: ${seconds.toFixed(1)} s from /send to ` +
        `file-done, held at ${(heldAt / MB).toFixed(1)} MB while all talked ` +
        `(${((talkedBy - started) / 1000).toFixed(1)} s in); ${received.length} progress ` +
        `events at bob, ${sent.length} at alice`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the host's own seat receives a file and sends one back", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const toHost = join(dir, "for-the-host.bin");
    const toAlice = join(dir, "for-alice.bin");
    await randomFile(toHost, 10 * MB + 1);
    await randomFile(toAlice, 10 * MB - 1);
    const hostHome = e2e.home();
    const { process: host, port } = await e2e.host({ name: "hana", home: hostHome });
    const aliceHome = e2e.home();
    const alice = await e2e.join(port, "alice", "pw", aliceHome);
    await host.next("joined", (e) => e.name === "alice");
    for (
      const [sender, recipient, source, home] of [
        [alice, host, toHost, hostHome],
        [host, alice, toAlice, aliceHome],
      ] as const
    ) {
      const { offered, offer: got } = await offer(sender, recipient, source);
      await recipient.type(`/accept ${got.id}`);
      const saved = await recipient.next("file-saved", (e) => e.id === got.id, {
        timeoutMs: TRANSFER_MS,
      });
      await sender.next("file-done", (e) => e.id === offered.id, { timeoutMs: TRANSFER_MS });
      check(
        e2e,
        saved.path.startsWith(downloadsOf(home).downloads),
        `saved outside ${recipient.label}'s downloads: ${saved.path}`,
      );
      assertEquals(await sha256File(saved.path), await sha256File(source));
    }
    quiet(e2e, [host, alice]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an offer turned down with /reject: the sender is told, nothing is written", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "photo.jpg");
    await randomFile(source, 100_000);
    const { port, homes } = await room(e2e, ["alice", "bob"]);
    const alice = await e2e.join(port, "alice", "pw", homes.alice);
    const bob = await e2e.join(port, "bob", "pw", homes.bob);
    await alice.next("joined", (e) => e.name === "bob");
    const { offered, offer: got } = await offer(alice, bob, source);
    await bob.type(`/reject ${got.id}`);
    const mine = await bob.next("file-stopped", (e) => e.id === got.id);
    assertEquals([mine.reason, mine.by, mine.resumable], ["rejected", "you", false]);
    const theirs = await alice.next("file-stopped", (e) => e.id === offered.id);
    assertEquals([theirs.reason, theirs.by, theirs.direction], ["rejected", "peer", "send"]);
    assertEquals(theirs.peer, "bob");
    // No content was ever sent for it.
    assertEquals(ofTransfer(bob, "file-progress", got.id).filter((e) => e.done > 0), []);
    await nothingReceived(e2e, homes.bob!, "bob");
    // A second answer to the same offer is refused.
    await bob.type(`/accept ${got.id}`);
    await bob.next("error", (e) => e.code === "no-such-transfer");
    quiet(e2e, [alice, bob], ["no-such-transfer"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

for (const side of ["receiver", "sender"] as const) {
  Deno.test(`/cancel by the ${side} half way: both are told, nothing is left`, async () => {
    await using e2e = new E2e();
    const dir = await tempDir("rt-e2e-files-");
    try {
      const source = join(dir, "film.mkv");
      const size = 100 * MB;
      await randomFile(source, size);
      const { port, homes } = await room(e2e, ["alice", "bob"]);
      await using valve = Valve.open(port);
      const alice = await e2e.join(valve.port, "alice", "pw", homes.alice);
      const bob = await e2e.join(port, "bob", "pw", homes.bob);
      await alice.next("joined", (e) => e.name === "bob");
      const { offered, offer: got } = await offer(alice, bob, source);
      // Held after 16 MB, part way, however fast it could go.
      valve.closeAfter(HELD_AFTER);
      await bob.type(`/accept ${got.id}`);
      // Once it has moved and is held, the side that cancels does.
      const [canceller, other, mineId, otherId] = side === "receiver"
        ? [bob, alice, got.id, offered.id]
        : [alice, bob, offered.id, got.id];
      await canceller.next("file-progress", (e) => e.id === mineId && e.done > 0, {
        timeoutMs: TRANSFER_MS,
      });
      await valve.holding();
      await canceller.type(`/cancel ${mineId}`);
      const mine = await canceller.next("file-stopped", (e) => e.id === mineId);
      // What alice had sent goes on; a cancel of hers follows it.
      valve.open();
      assertEquals([mine.reason, mine.by, mine.resumable], ["cancelled", "you", false]);
      const theirs = await other.next("file-stopped", (e) => e.id === otherId);
      assertEquals([theirs.reason, theirs.by, theirs.resumable], ["cancelled", "peer", false]);
      check(e2e, ofTransfer(bob, "file-saved", got.id).length === 0, "bob saved it anyway");
      check(e2e, ofTransfer(alice, "file-done", offered.id).length === 0, "alice finished");
      const stoppedAt = ofTransfer(bob, "file-progress", got.id).at(-1)!.done;
      check(e2e, stoppedAt < size, `bob had it all (${stoppedAt}) before the cancel`);
      await nothingReceived(e2e, homes.bob!, "bob");
      // The transfer is over for both: /transfers says so, and a second /cancel is refused.
      await bob.type("/transfers");
      const list = await bob.next("transfers");
      assertEquals(list.transfers.map((t) => [t.id, t.state]), [[got.id, "cancelled"]]);
      await canceller.type(`/cancel ${mineId}`);
      await canceller.next("error", (e) => e.code === "no-such-transfer");
      quiet(e2e, [alice, bob], ["no-such-transfer"]);
      console.log(`cancelled by the ${side} at ${(stoppedAt / MB).toFixed(1)} MB of 100`);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  });
}

Deno.test("a sender killed half way offers again and the transfer carries on", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "backup.tar");
    const size = 100 * MB;
    await randomFile(source, size);
    const expected = await sha256File(source);
    const { port, homes } = await room(e2e, ["alice", "bob"]);
    await using valve = Valve.open(port);
    const alice = await e2e.join(valve.port, "alice", "pw", homes.alice);
    const bob = await e2e.join(port, "bob", "pw", homes.bob);
    await alice.next("joined", (e) => e.name === "bob");
    const { offer: got } = await offer(alice, bob, source);
    valve.closeAfter(HELD_AFTER);
    await bob.type(`/accept ${got.id}`);
    // Some way in, and held there: it cannot end before the kill lands.
    await bob.next("file-progress", (e) => e.id === got.id && e.done > 0, {
      timeoutMs: TRANSFER_MS,
    });
    await valve.holding();
    alice.kill("SIGKILL");
    assertEquals((await alice.exit()).signal, "SIGKILL");
    // Her connection ends as a direct one would: what she had sent, then nothing.
    valve.open();

    // The room keeps her seat for her to come back (a dead process looks like a dropped
    // link); she starts rt again as herself, which takes the seat over: the old session
    // leaves, and its transfer stops, resumable.
    const again = await e2e.join(port, "alice", "pw", homes.alice);
    const stopped = await bob.next("file-stopped", (e) => e.id === got.id);
    assertEquals([stopped.reason, stopped.by, stopped.resumable], ["interrupted", null, true]);
    assertEquals((await bob.next("left", (e) => e.name === "alice")).reason, "lost");
    // Nothing among the downloads; one part kept aside.
    const { downloads, partial } = downloadsOf(homes.bob!);
    assertEquals(await filesUnder(downloads, { skip: ".rt-partial" }), []);
    const parts = await filesUnder(partial);
    assertEquals(parts.length, 1, `parts: ${parts}`);
    const kept = (await Deno.stat(join(partial, parts[0]!))).size;
    check(e2e, kept > 0 && kept < size, `the part holds ${kept} bytes`);

    // alice, back as herself, offers the same file again.
    await bob.next("joined", (e) => e.name === "alice");
    const { offered, offer: resumed } = await offer(again, bob, source);
    check(e2e, resumed.held > 0, `held: ${resumed.held}`);
    check(e2e, resumed.held >= kept, `held ${resumed.held} < the part's ${kept} bytes`);
    await bob.type(`/accept ${resumed.id}`);
    const saved = await bob.next("file-saved", (e) => e.id === resumed.id, {
      timeoutMs: TRANSFER_MS,
    });
    await again.next("file-done", (e) => e.id === offered.id, { timeoutMs: TRANSFER_MS });
    assertEquals(await sha256File(saved.path), expected, "the resumed file");
    // It started where it stopped, on both sides: only the rest crossed.
    const bobFirst = ofTransfer(bob, "file-progress", resumed.id)[0]!;
    const aliceFirst = ofTransfer(again, "file-progress", offered.id)[0]!;
    check(e2e, bobFirst.done >= resumed.held, `bob's first progress ${bobFirst.done}`);
    check(e2e, aliceFirst.done >= resumed.held, `alice's first progress ${aliceFirst.done}`);
    assertEquals(await filesUnder(downloads, { skip: ".rt-partial" }), ["backup.tar"]);
    assertEquals(await filesUnder(partial), []);
    quiet(e2e, [again, bob]);
    console.log(
      `killed at ${(kept / MB).toFixed(1)} MB of 100; resumed from ${
        (resumed.held / MB).toFixed(1)
      } MB`,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "hostile names land under the downloads folder, made harmless, never overwriting",
  // Such names cannot be created on Windows.
  ignore: Deno.build.os === "windows",
  fn: async () => {
    await using e2e = new E2e();
    const dir = await tempDir("rt-e2e-files-");
    try {
      const folder = join(dir, "hostile");
      await Deno.mkdir(join(folder, "etc"), { recursive: true });
      const names = [
        "CON",
        "nul.txt",
        "a\x1b[31mred",
        "\u202Eevil.txt",
        "..x",
        "line\nbreak",
        "bell\x07.txt",
        "zero\u200bwidth",
        "trailing. . ",
        "etc/passwd",
      ];
      const contents = new Map<string, string>();
      for (const [i, name] of names.entries()) {
        const text = `file ${i}: ${JSON.stringify(name)}\n`;
        await Deno.writeTextFile(join(folder, name), text);
        contents.set(text, name);
      }
      const { port, homes } = await room(e2e, ["alice", "bob"]);
      const alice = await e2e.join(port, "alice", "pw", homes.alice);
      const bob = await e2e.join(port, "bob", "pw", homes.bob);
      await alice.next("joined", (e) => e.name === "bob");
      const { offered, offer: got } = await offer(alice, bob, folder);
      assertEquals(got.files.length, names.length);
      assertEquals(got.name, "hostile");
      await bob.type(`/accept ${got.id}`);
      await bob.next("file-done", (e) => e.id === got.id, { timeoutMs: TRANSFER_MS });
      await alice.next("file-done", (e) => e.id === offered.id, { timeoutMs: TRANSFER_MS });

      const { downloads, partial } = downloadsOf(homes.bob!);
      const root = (await Deno.realPath(downloads)) + "/";
      const saved = ofTransfer(bob, "file-saved", got.id);
      assertEquals(saved.length, names.length);
      const landed: string[] = [];
      for (const event of saved) {
        const real = await Deno.realPath(event.path);
        check(e2e, real.startsWith(root), `${JSON.stringify(event.path)} is outside ${root}`);
        const rel = real.slice(root.length);
        check(e2e, !/[\p{Cc}\p{Cf}]/u.test(rel), `unsafe name ${JSON.stringify(rel)}`);
        // The content is the one offered under that name.
        const name = contents.get(await Deno.readTextFile(real));
        assertEquals(`hostile/${name}`, event.name, `content of ${JSON.stringify(rel)}`);
        landed.push(rel);
      }
      landed.sort();
      assertEquals(landed, await filesUnder(downloads, { skip: ".rt-partial" }));
      check(e2e, landed.includes("hostile/_CON"), `CON: ${landed}`);
      check(e2e, landed.includes("hostile/_nul.txt"), `nul.txt: ${landed}`);
      check(e2e, landed.includes("hostile/etc/passwd"), `etc/passwd: ${landed}`);
      check(e2e, landed.includes("hostile/..x"), `..x: ${landed}`);
      console.log(`hostile names landed as ${JSON.stringify(landed)}`);
      assertEquals(await filesUnder(partial), []);

      // The same name twice: the second does not replace the first.
      const notes = join(dir, "notes.txt");
      await Deno.writeTextFile(notes, "first\n");
      const one = await offer(alice, bob, notes);
      await bob.type(`/accept ${one.offer.id}`);
      const first = await bob.next("file-saved", (e) => e.id === one.offer.id);
      await Deno.writeTextFile(notes, "second\n");
      const two = await offer(alice, bob, notes);
      await bob.type(`/accept ${two.offer.id}`);
      const second = await bob.next("file-saved", (e) => e.id === two.offer.id);
      assertEquals(first.path, join(downloads, "notes.txt"));
      assertEquals(second.path, join(downloads, "notes (1).txt"));
      assertEquals(await Deno.readTextFile(first.path), "first\n");
      assertEquals(await Deno.readTextFile(second.path), "second\n");

      // No raw ESC (nor any other C0 control but the newlines between events) was printed.
      check(e2e, bob.stdout.includes("hostile/a\\u001b[31mred"), "the name, escaped");
      for (const p of [alice, bob]) {
        // deno-lint-ignore no-control-regex -- raw controls are what must not be there
        check(e2e, !/[\x00-\x09\x0b-\x1f]/.test(p.stdout), `${p.label} printed a raw control`);
      }
      quiet(e2e, [alice, bob]);
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test("a folder tree sent to all arrives whole at each, and again beside it", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const album = join(dir, "album");
    await Deno.mkdir(join(album, "2024", "summer", "beach"), { recursive: true });
    await Deno.mkdir(join(album, "notes"), { recursive: true });
    const files: [string, number][] = [
      ["cover.jpg", 300_000],
      ["2024/index.txt", 1_000],
      ["2024/summer/a.png", 2 * MB + 17],
      ["2024/summer/beach/b.raw", 5 * MB],
      ["2024/summer/beach/empty.dat", 0],
      ["notes/readme.md", 64 * 1024],
    ];
    for (const [path, size] of files) await randomFile(join(album, path), size);
    const expected = await tree(album);
    assertEquals(Object.keys(expected).length, files.length);

    const { host, port, homes } = await room(e2e, ["alice", "bob", "carol"]);
    const alice = await e2e.join(port, "alice", "pw", homes.alice);
    const bob = await e2e.join(port, "bob", "pw", homes.bob);
    const carol = await e2e.join(port, "carol", "pw", homes.carol);
    for (const name of ["bob", "carol"]) await alice.next("joined", (e) => e.name === name);

    for (const [round, folder] of [[1, "album"], [2, "album (1)"]] as const) {
      const since = alice.events.length;
      await alice.type(`/send all ${album}`);
      // Everyone else is offered it, the host too; the host turns it down.
      const offers = new Map<string, Of<"file-offer">>();
      for (const p of [host, bob, carol]) {
        offers.set(
          p.label,
          await p.next("file-offer", (e) => e.from === "alice", { count: round }),
        );
      }
      for (const p of [bob, carol]) await p.type(`/accept ${offers.get(p.label)!.id}`);
      await host.type(`/reject ${offers.get("hana")!.id}`);
      await Promise.all(
        [bob, carol].map((p) =>
          p.next("file-done", (e) => e.id === offers.get(p.label)!.id, { timeoutMs: TRANSFER_MS })
        ),
      );
      await alice.next("file-stopped", (e) => e.peer === "hana" && e.reason === "rejected", {
        since,
      });
      await alice.next("file-done", (e) => e.peer === "bob", { since, timeoutMs: TRANSFER_MS });
      await alice.next("file-done", (e) => e.peer === "carol", { since, timeoutMs: TRANSFER_MS });
      for (const p of [bob, carol]) {
        const offerSeen = offers.get(p.label)!;
        assertEquals(offerSeen.name, "album");
        assertEquals(offerSeen.files.length, files.length);
        const { downloads } = downloadsOf(homes[p.label]!);
        assertEquals(await tree(join(downloads, folder)), expected, `${p.label}'s ${folder}`);
      }
    }
    for (const p of [bob, carol]) {
      const { downloads, partial } = downloadsOf(homes[p.label]!);
      assertEquals(await filesOrFolders(downloads).then((x) => x.sort()), [
        ".rt-partial",
        "album",
        "album (1)",
      ]);
      assertEquals(await filesUnder(partial), []);
    }
    quiet(e2e, [host, alice, bob, carol]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--auto-accept-from does not accept from a name whose key is not verified", async () => {
  await using e2e = new E2e();
  const dir = await tempDir("rt-e2e-files-");
  try {
    const source = join(dir, "hello.txt");
    await Deno.writeTextFile(source, "hello\n");
    const { port, homes } = await room(e2e, ["alice", "bob"]);
    const alice = await e2e.join(port, "alice", "pw", homes.alice);
    const bob = e2e.joiner(port, {
      label: "bob",
      name: "bob",
      home: homes.bob,
      args: ["--auto-accept-from", "alice"],
    });
    await bob.next("welcome", (e) => e.name === "bob");
    await alice.next("joined", (e) => e.name === "bob");
    const { offered, offer: got } = await offer(alice, bob, source);
    assertEquals(got.autoAccepted, false);
    check(e2e, got.note?.includes("not verified") === true, `note: ${got.note}`);
    // It waits for an answer like any other offer: nothing moves, nothing is written.
    await bob.type("/transfers");
    const list = await bob.next("transfers");
    assertEquals(list.transfers.map((t) => [t.id, t.state]), [[got.id, "offered"]]);
    await alice.type("/transfers");
    const sending = await alice.next("transfers");
    assertEquals(sending.transfers.map((t) => [t.id, t.state]), [[offered.id, "offered"]]);
    await nothingReceived(e2e, homes.bob!, "bob");
    quiet(e2e, [alice, bob]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

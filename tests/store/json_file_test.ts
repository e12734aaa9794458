/**
 * rt's files: a save that fails is told (not dropped), and what is read back is checked by its
 * schema as the wire is.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { JsonFile } from "../../lib/store/json_file.ts";
import { PeerBook } from "../../lib/store/peer_book.ts";
import { Blocklist } from "../../lib/store/blocklist.ts";
import { RtError } from "../../lib/errors.ts";

Deno.test("a save that fails is told to whoever opened the file, and the next one tries again", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // A file where the folder should be: no save can land (not even as root).
    await Deno.writeTextFile(`${dir}/in-the-way`, "");
    const failures: RtError[] = [];
    const file = new JsonFile(`${dir}/in-the-way/peers.json`, {
      onSaveFailed: (error) => failures.push(error),
    });
    file.save(() => ({ a: 1 }));
    await file.flush();
    file.save(() => ({ a: 2 }));
    await file.flush();
    assertEquals(failures.length, 2);
    assertEquals(failures[0]!.code, "store");
    assertOk(failures[0]!.message.startsWith(`Could not save ${dir}/in-the-way/peers.json: `));
    // Once the way is clear, the next save lands.
    await Deno.remove(`${dir}/in-the-way`);
    file.save(() => ({ a: 3 }));
    await file.flush();
    assertEquals(failures.length, 2);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/in-the-way/peers.json`)), { a: 3 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("saves in a burst are written together, as the newest state, when flushed", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const file = new JsonFile(`${dir}/peers.json`);
    const written: number[] = [];
    for (let i = 1; i <= 100; i++) {
      file.save(() => {
        written.push(i);
        return { a: i };
      });
    }
    // Saves of one turn are one write, of the last state.
    await file.flush();
    assertEquals(written, [100]);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/peers.json`)), { a: 100 });
    // Without a flush the next burst is written too, after its wait, still once.
    file.save(() => {
      written.push(101);
      return { a: 101 };
    });
    file.save(() => {
      written.push(102);
      return { a: 102 };
    });
    while (written.length < 2) await new Promise((resolve) => setTimeout(resolve, 50));
    await file.flush();
    assertEquals(written, [100, 102]);
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/peers.json`)), { a: 102 });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Runs `test` with a fresh folder, removed after. */
async function inTempDir(test: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await test(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a state that cannot be read is a failed save: told, and the next save still lands", () =>
  inTempDir(async (dir) => {
    const failures: RtError[] = [];
    const file = new JsonFile(`${dir}/peers.json`, { onSaveFailed: (e) => failures.push(e) });
    file.save(() => {
      throw new Error("no state");
    });
    assertEquals(failures.length, 0, "told later, not inside save()");
    await file.flush();
    assertEquals(failures.length, 1);
    file.save(() => ({ a: 1 }));
    await file.flush();
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/peers.json`)), { a: 1 });
  }));

Deno.test("a flush waits for the saves asked before it, not for those that come after", () =>
  inTempDir(async (dir) => {
    const file = new JsonFile(`${dir}/peers.json`);
    file.save(() => ({ a: 1 }));
    await file.flush();
    file.save(() => ({ a: 2 })); // waits for its turn, a second after the first write
    const flushed = file.flush().then(async () => {
      const text = await Deno.readTextFile(`${dir}/peers.json`);
      file.save(() => ({ a: 3 })); // after the flush: its own turn, not the flush's
      return JSON.parse(text);
    });
    assertEquals(await flushed, { a: 2 });
    await file.flush();
    assertEquals(JSON.parse(await Deno.readTextFile(`${dir}/peers.json`)), { a: 3 });
  }));

Deno.test("the peer book tells its failed saves", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const failures: RtError[] = [];
    const book = await PeerBook.open(dir, { onSaveFailed: (error) => failures.push(error) });
    await Deno.mkdir(`${dir}/peers.json.tmp`); // the temporary file cannot be written
    book.record("ann", new Uint8Array(32).fill(7));
    await book.flush();
    assertEquals(failures.map((f) => f.code), ["store"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("files that do not fit their schema are damaged, each field checked", async () => {
  const dir = await Deno.makeTempDir();
  const key = "ab".repeat(32);
  const peer = { key, names: ["ann"], firstSeen: "t", lastSeen: "t", verified: false };
  try {
    for (
      const wrong of [
        { ...peer, verified: "yes" },
        { ...peer, names: "ann" },
        { ...peer, key: key.toUpperCase() },
        { ...peer, unresolved: [1] },
      ]
    ) {
      await Deno.writeTextFile(
        `${dir}/peers.json`,
        JSON.stringify({ format: "rt-peers-1", peers: [wrong] }),
      );
      await assertRejects(
        () => PeerBook.open(dir),
        (e) => e instanceof RtError && e.message.includes("is damaged"),
      );
    }
    await Deno.writeTextFile(
      `${dir}/peers.json`,
      JSON.stringify({ format: "rt-peers-1", peers: [peer] }),
    );
    assertEquals((await PeerBook.open(dir)).list().map((p) => p.names), [["ann"]]);

    const entry = { address: "192.0.2.1", key: null, name: "bob", reason: "ban", since: "t" };
    for (const wrong of [{ ...entry, address: 7 }, { ...entry, reason: null }]) {
      await Deno.writeTextFile(
        `${dir}/blocked.json`,
        JSON.stringify({ format: "rt-blocked-1", blocked: [wrong] }),
      );
      await assertRejects(
        () => Blocklist.open(dir),
        (e) => e instanceof RtError && e.message.includes("is damaged"),
      );
    }
    await Deno.writeTextFile(
      `${dir}/blocked.json`,
      JSON.stringify({ format: "rt-blocked-1", blocked: [entry] }),
    );
    assertEquals((await Blocklist.open(dir)).list(), [entry]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

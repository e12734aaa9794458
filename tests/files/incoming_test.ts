import { isAbsolute, join, relative, sep } from "node:path";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { CHUNK_BYTES } from "../../lib/codec/messages.ts";
import { largeFrames } from "../../lib/codec/frame.ts";
import { FAST_WINDOW_BYTES, Incoming } from "../../lib/files/incoming.ts";
import { PartialStore } from "../../lib/files/partials.ts";
import { DiskWrites, GATHER_BYTES } from "../../lib/files/part_writer.ts";
import { type OfferedFileInfo, partKey, StreamCipher, WINDOW_BYTES } from "../../lib/files/wire.ts";
import { Sink } from "./sink.ts";
import { exists, filesUnder, randomBytes, withTempDir } from "./support.ts";

async function sha256(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
}

interface Offer {
  path: string;
  content: Uint8Array;
  /** The hash offered, when not the content's. */
  hash?: Uint8Array;
}

/** A receiving side and the sender's cipher for it. */
class Setup {
  readonly sender: Uint8Array;
  readonly key = randomBytes(32);
  readonly id = randomBytes(16);
  readonly cipher = new StreamCipher(this.key, this.id);
  readonly downloads: string;
  readonly partials: PartialStore;
  readonly writes: DiskWrites | undefined;
  incoming!: Incoming;
  files!: OfferedFileInfo[];
  contents!: Uint8Array[];
  #n = 0;

  constructor(downloads: string, sender = randomBytes(32), writes?: DiskWrites) {
    this.sender = sender;
    this.writes = writes;
    this.downloads = downloads;
    this.partials = new PartialStore(downloads);
  }

  async offer(offered: Offer[]): Promise<Incoming> {
    this.files = await Promise.all(offered.map(async (f) => ({
      path: f.path,
      size: f.content.length,
      type: "application/octet-stream",
      hash: f.hash ?? await sha256(f.content),
    })));
    this.contents = offered.map((f) => f.content);
    this.incoming = new Incoming({
      files: this.files,
      sender: this.sender,
      key: this.key,
      id: this.id,
      downloads: this.downloads,
      partials: this.partials,
      writes: this.writes,
    });
    return this.incoming;
  }

  /** Sends `bytes` as the next chunk, sealed as the sender would. */
  chunk(bytes: Uint8Array): void {
    const n = this.#n++;
    this.incoming.chunk(n, this.cipher.seal("content", n, bytes));
  }

  /** Sends every file from where `from` says, in chunks, as the sender would. */
  sendAll(from: number[]): void {
    for (const [i, content] of this.contents.entries()) {
      for (let at = from[i]!; at < content.length; at += CHUNK_BYTES) {
        this.chunk(content.subarray(at, Math.min(content.length, at + CHUNK_BYTES)));
      }
    }
  }

  partialOf(i: number): string {
    return this.partials.pathFor(this.sender, partKey(this.files[i]!));
  }
}

function savedOf(sink: Sink): { file: OfferedFileInfo; path: string }[] {
  return sink.placed;
}

function newSink(): Sink {
  return new Sink();
}

async function partialsLeft(downloads: string): Promise<string[]> {
  const dir = join(downloads, ".rt-partial");
  return (await exists(dir)) ? await filesUnder(dir) : [];
}

Deno.test("a whole file lands in downloads with its content; the partial is gone", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(3 * CHUNK_BYTES + 1234);
    const incoming = await setup.offer([{ path: "report.pdf", content }]);
    assertEquals(incoming.total, content.length);
    assertEquals(await incoming.held(), [0]);
    const sink = newSink();
    // Each acknowledgement comes once the bytes are on disk, never before.
    sink.onWritten = (bytes) => assertOk(Deno.statSync(setup.partialOf(0)).size >= bytes);
    const from = await incoming.accept(sink);
    assertEquals(from, [0]);
    setup.sendAll(from);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertOk(sink.completed);
    const saved = savedOf(sink);
    assertEquals(saved.length, 1);
    assertEquals(saved[0]!.path, join(downloads, "report.pdf"));
    assertEquals(saved[0]!.file, setup.files[0]);
    assertEquals(await Deno.readFile(saved[0]!.path), content);
    assertEquals(await partialsLeft(downloads), []);
    assertEquals(await filesUnder(downloads), ["report.pdf"]);
    assertEquals(incoming.done, content.length);
    assertOk(incoming.stopped);
    // Acknowledgements never go back, and end at the total.
    assertOk(sink.acks.length > 0);
    for (let i = 1; i < sink.acks.length; i++) assertOk(sink.acks[i]! >= sink.acks[i - 1]!);
    assertEquals(sink.acks.at(-1), content.length);
    await incoming.stop(true);
  });
});

Deno.test("several files, some of them empty, all land in order", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const contents = [
      new Uint8Array(0),
      randomBytes(CHUNK_BYTES),
      new Uint8Array(0),
      randomBytes(10),
      new Uint8Array(0),
    ];
    const incoming = await setup.offer(
      contents.map((content, i) => ({ path: `f${i}.bin`, content })),
    );
    const sink = newSink();
    const from = await incoming.accept(sink);
    assertEquals(from, [0, 0, 0, 0, 0]);
    setup.sendAll(from);
    await sink.ended;
    assertEquals(sink.failure, null);
    const saved = savedOf(sink);
    assertEquals(saved.map((s) => s.file.path), ["f0.bin", "f1.bin", "f2.bin", "f3.bin", "f4.bin"]);
    for (const [i, s] of saved.entries()) assertEquals(await Deno.readFile(s.path), contents[i]);
    assertEquals(sink.acks.at(-1), CHUNK_BYTES + 10);
    assertEquals(await partialsLeft(downloads), []);
    await incoming.stop(true);
  });
});

Deno.test("an offer of empty files only completes without a chunk", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const incoming = await setup.offer([
      { path: "a", content: new Uint8Array(0) },
      { path: "b", content: new Uint8Array(0) },
    ]);
    const sink = newSink();
    assertEquals(await incoming.accept(sink), [0, 0]);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertOk(sink.completed);
    assertEquals(await filesUnder(downloads), ["a", "b"]);
    assertEquals((await Deno.stat(join(downloads, "a"))).size, 0);
    assertEquals(await partialsLeft(downloads), []);
    await incoming.stop(true);
  });
});

Deno.test("nothing is written before accepting; a chunk before it is ignored", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(100);
    const incoming = await setup.offer([{ path: "x", content }]);
    incoming.chunk(0, setup.cipher.seal("content", 0, content));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assertEquals(await filesUnder(downloads), []);
    const sink = newSink();
    const from = await incoming.accept(sink);
    setup.sendAll(from); // still from chunk 0: the early one did not count
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(join(downloads, "x")), content);
  });
});

/** Accepts a one-file offer of `size` random bytes. */
async function accepted(downloads: string, size: number, writes?: DiskWrites) {
  const setup = new Setup(downloads, undefined, writes);
  const content = randomBytes(size);
  const incoming = await setup.offer([{ path: "file.bin", content }]);
  const sink = newSink();
  await incoming.accept(sink);
  return { setup, content, incoming, sink };
}

async function assertFailedCleanly(
  downloads: string,
  incoming: Incoming,
  sink: Sink,
  code: "failed" | "corrupt",
): Promise<void> {
  await sink.ended;
  assertEquals(sink.failure?.code, code, sink.failure?.reason);
  assertOk(!sink.completed);
  assertOk(incoming.stopped);
  await incoming.stop(false);
  assertEquals(savedOf(sink), []);
  assertEquals(await partialsLeft(downloads), []);
  assertEquals(await filesUnder(downloads), []);
}

Deno.test("a chunk out of order fails the transfer", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 3 * CHUNK_BYTES);
    const chunk = (n: number) =>
      setup.cipher.seal("content", n, content.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES));
    incoming.chunk(0, chunk(0));
    incoming.chunk(2, chunk(2));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
    assertOk(sink.failure!.reason.includes("order"), sink.failure!.reason);
  });
});

Deno.test("a chunk repeated fails the transfer", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 3 * CHUNK_BYTES);
    const first = setup.cipher.seal("content", 0, content.subarray(0, CHUNK_BYTES));
    incoming.chunk(0, first);
    incoming.chunk(0, first);
    await assertFailedCleanly(downloads, incoming, sink, "failed");
  });
});

Deno.test("a chunk sealed for another number, though given in order, fails", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 2 * CHUNK_BYTES);
    incoming.chunk(0, setup.cipher.seal("content", 1, content.subarray(0, CHUNK_BYTES)));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
  });
});

Deno.test("a chunk with one bit flipped fails the transfer", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 2 * CHUNK_BYTES);
    incoming.chunk(0, setup.cipher.seal("content", 0, content.subarray(0, CHUNK_BYTES)));
    const second = setup.cipher.seal("content", 1, content.subarray(CHUNK_BYTES));
    second[1000]! ^= 0x04;
    incoming.chunk(1, second);
    await assertFailedCleanly(downloads, incoming, sink, "failed");
    assertOk(sink.failure!.reason.includes("altered"), sink.failure!.reason);
  });
});

Deno.test("an acknowledgement frame (the other direction) is no chunk", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 100);
    incoming.chunk(0, setup.cipher.seal("acks", 0, content));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
  });
});

Deno.test("a chunk sealed under another key or transfer id fails", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, incoming, sink } = await accepted(downloads, 100);
    const otherId = setup.id.slice();
    otherId[0]! ^= 1;
    incoming.chunk(0, new StreamCipher(setup.key, otherId).seal("content", 0, content));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
  });
});

Deno.test("a chunk larger than what remains of the file fails", async () => {
  await withTempDir(async (downloads) => {
    const { setup, incoming, sink } = await accepted(downloads, CHUNK_BYTES + 10);
    setup.chunk(randomBytes(CHUNK_BYTES));
    setup.chunk(randomBytes(11));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
    assertOk(sink.failure!.reason.includes("more than it offered"), sink.failure!.reason);
  });
});

Deno.test("a chunk spilling over into the next file fails", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const incoming = await setup.offer([
      { path: "a", content: randomBytes(10) },
      { path: "b", content: randomBytes(10) },
    ]);
    const sink = newSink();
    await incoming.accept(sink);
    setup.chunk(randomBytes(20));
    await sink.ended;
    assertEquals(sink.failure?.code, "failed");
    await incoming.stop(false);
    assertEquals(await filesUnder(downloads), []);
  });
});

Deno.test("an empty chunk and a chunk after the end fail", async () => {
  await withTempDir(async (downloads) => {
    const { setup, incoming, sink } = await accepted(downloads, 10);
    setup.chunk(new Uint8Array(0));
    await assertFailedCleanly(downloads, incoming, sink, "failed");
  });
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const incoming = await setup.offer([{ path: "a", content: new Uint8Array(0) }]);
    const sink = newSink();
    await incoming.accept(sink);
    // Nothing is left to send, yet a chunk comes: either it fails, or it is ignored once done;
    // a file on disk is one that was reported saved.
    setup.chunk(randomBytes(1));
    await sink.ended;
    await incoming.stop(true);
    assertEquals(
      await filesUnder(downloads),
      savedOf(sink).map((s) => relative(downloads, s.path)),
    );
    assertOk(sink.completed || sink.failure?.code === "failed");
  });
});

for (
  const [disk, writes, window] of [
    ["keeps up", new DiskWrites(60_000), FAST_WINDOW_BYTES],
    ["is slow", slowDisk(), WINDOW_BYTES],
  ] as const
) {
  Deno.test(`a sender that does not wait for acknowledgements is stopped (the disk ${disk})`, async () => {
    await withTempDir(async (downloads) => {
      const size = window + 4 * CHUNK_BYTES;
      const { setup, content, incoming, sink } = await accepted(downloads, size, writes);
      assertEquals(incoming.window, window);
      // Nothing can be written while these arrive: the window plus one chunk of slack is allowed.
      const allowed = (window + CHUNK_BYTES) / CHUNK_BYTES;
      for (let n = 0; n < allowed; n++) {
        setup.chunk(content.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES));
      }
      assertOk(!incoming.stopped, "failed within the window");
      setup.chunk(content.subarray(allowed * CHUNK_BYTES, (allowed + 1) * CHUNK_BYTES));
      assertOk(incoming.stopped);
      await assertFailedCleanly(downloads, incoming, sink, "failed");
      assertOk(sink.failure!.reason.includes("does not wait"), sink.failure!.reason);
    });
  });
}

/** A disk found slow already: parts are written on another thread. */
function slowDisk(): DiskWrites {
  const writes = new DiskWrites(0);
  writes.took(1);
  return writes;
}

Deno.test("a sender that waits for acknowledgements may send more than the window", async () => {
  await withTempDir(async (downloads) => {
    const { setup, content, sink } = await accepted(downloads, 2 * WINDOW_BYTES);
    let acked = 0;
    sink.onWritten = (bytes) => acked = bytes;
    let sent = 0;
    let n = 0;
    while (sent < content.length) {
      while (sent - acked >= WINDOW_BYTES) await new Promise((r) => setTimeout(r, 1));
      setup.chunk(content.subarray(sent, sent + CHUNK_BYTES));
      sent += CHUNK_BYTES;
      n++;
    }
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(n, 2 * WINDOW_BYTES / CHUNK_BYTES);
    assertEquals(await Deno.readFile(join(downloads, "file.bin")), content);
    assertEquals(sink.acks.at(-1), content.length);
  });
});

Deno.test("a file that does not match the offered hash is corrupt; nothing is kept", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(2 * CHUNK_BYTES + 5);
    const incoming = await setup.offer([{ path: "a.bin", content, hash: randomBytes(32) }]);
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await assertFailedCleanly(downloads, incoming, sink, "corrupt");
    assertOk(sink.failure!.reason.includes("a.bin"), sink.failure!.reason);
  });
});

Deno.test("a corrupt file stops the offer: the files after it are not saved", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const good = randomBytes(50);
    const incoming = await setup.offer([
      { path: "good1", content: good },
      { path: "bad", content: randomBytes(50), hash: randomBytes(32) },
      { path: "good2", content: randomBytes(50) },
    ]);
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure?.code, "corrupt");
    await incoming.stop(false);
    assertEquals(await filesUnder(downloads), ["good1"]);
    assertEquals(await Deno.readFile(join(downloads, "good1")), good);
  });
});

Deno.test("hostile offered paths all land strictly inside downloads", async () => {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "a", "b", "downloads");
    await Deno.mkdir(downloads, { recursive: true });
    const paths = [
      "../../x",
      "/etc/passwd",
      "C:\\evil",
      "C:/evil2",
      "CON",
      "nul.txt",
      "a\u202Eb",
      "dir/../../up",
      "..",
      "./.",
      "\\\\server\\share\\y",
      "line\nbreak",
      "deep/../../../../../../../../../../tmp/z",
    ];
    const setup = new Setup(downloads);
    const incoming = await setup.offer(
      paths.map((path, i) => ({ path, content: new TextEncoder().encode(`file ${i}`) })),
    );
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure, null);
    const saved = savedOf(sink);
    assertEquals(saved.length, paths.length);
    for (const [i, { file, path }] of saved.entries()) {
      const inside = relative(downloads, path);
      assertOk(!isAbsolute(inside) && !inside.startsWith(".."), `${file.path} -> ${path}`);
      assertOk(path.startsWith(downloads + sep), `${file.path} -> ${path}`);
      assertOk(!inside.split(sep).includes(".rt-partial"), `${file.path} -> ${path}`);
      assertEquals(await Deno.readTextFile(path), `file ${i}`);
      const real = await Deno.realPath(path);
      assertOk(real.startsWith(downloads + sep), real);
      assertOk(!/[\u202E\n]/.test(inside), JSON.stringify(inside));
    }
    const byOffer = new Map(saved.map((s) => [s.file.path, relative(downloads, s.path)]));
    assertEquals(byOffer.get("CON"), "_CON");
    assertEquals(byOffer.get("a\u202Eb"), "a_b");
    assertEquals(byOffer.get("../../x"), "x");
    assertEquals(byOffer.get("dir/../../up"), join("dir", "up"));
    // Nothing was written anywhere else.
    assertEquals(
      (await filesUnder(dir)).filter((p) => !p.startsWith(join("a", "b", "downloads") + sep)),
      [],
    );
  });
});

Deno.test("the files of a folder share one folder, renamed when the name is taken", async () => {
  await withTempDir(async (downloads) => {
    await Deno.mkdir(join(downloads, "album"));
    await Deno.writeTextFile(join(downloads, "album", "cat.jpg"), "mine");
    const setup = new Setup(downloads);
    const incoming = await setup.offer([
      { path: "album/cat.jpg", content: new TextEncoder().encode("theirs 1") },
      { path: "album/2024/dog.jpg", content: new TextEncoder().encode("theirs 2") },
      { path: "album/sub/../x.txt", content: new TextEncoder().encode("theirs 3") },
    ]);
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(savedOf(sink).map((s) => relative(downloads, s.path)), [
      join("album (1)", "cat.jpg"),
      join("album (1)", "2024", "dog.jpg"),
      join("album (1)", "sub", "x.txt"),
    ]);
    assertEquals(await Deno.readTextFile(join(downloads, "album", "cat.jpg")), "mine");
    assertEquals(await filesUnder(join(downloads, "album")), ["cat.jpg"]);
  });
});

Deno.test("two offers of the same folder name get two folders", async () => {
  await withTempDir(async (downloads) => {
    const folders: string[] = [];
    for (const text of ["one", "two"]) {
      const setup = new Setup(downloads);
      const incoming = await setup.offer([
        { path: "album/a.txt", content: new TextEncoder().encode(text) },
      ]);
      const sink = newSink();
      setup.sendAll(await incoming.accept(sink));
      await sink.ended;
      assertEquals(sink.failure, null);
      folders.push(relative(downloads, savedOf(sink)[0]!.path));
    }
    assertEquals(folders, [join("album", "a.txt"), join("album (1)", "a.txt")]);
  });
});

Deno.test("files with the same content in one offer are each saved", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const same = randomBytes(CHUNK_BYTES + 7);
    const incoming = await setup.offer([
      { path: "copies/a", content: same },
      { path: "copies/b", content: same },
    ]);
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(join(downloads, "copies", "a")), same);
    assertEquals(await Deno.readFile(join(downloads, "copies", "b")), same);
    assertEquals(await partialsLeft(downloads), []);
  });
});

Deno.test("resume: a held prefix is reported, accepted as the start, and hashed in", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(3 * CHUNK_BYTES + 99);
    const incoming = await setup.offer([{ path: "big.bin", content }]);
    const prefix = CHUNK_BYTES + 1000; // not on a chunk boundary
    await setup.partials.prepare();
    await Deno.writeFile(setup.partialOf(0), content.subarray(0, prefix));
    assertEquals(await setup.partials.held(setup.sender, partKey(setup.files[0]!)), prefix);
    assertEquals(await incoming.held(), [prefix]);
    const sink = newSink();
    const from = await incoming.accept(sink);
    assertEquals(from, [prefix]);
    assertEquals(incoming.done, prefix);
    setup.sendAll(from);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(join(downloads, "big.bin")), content);
    assertEquals(sink.acks.at(-1), content.length - prefix);
    assertEquals(incoming.done, content.length);
    assertEquals(await partialsLeft(downloads), []);
  });
});

Deno.test("resume: a file held whole is checked and saved without a chunk", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const held = randomBytes(500);
    const rest = randomBytes(300);
    const incoming = await setup.offer([
      { path: "held", content: held },
      { path: "rest", content: rest },
    ]);
    await setup.partials.prepare();
    await Deno.writeFile(setup.partialOf(0), held);
    const sink = newSink();
    const from = await incoming.accept(sink);
    assertEquals(from, [500, 0]);
    setup.sendAll(from);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(join(downloads, "held")), held);
    assertEquals(await Deno.readFile(join(downloads, "rest")), rest);
  });
});

Deno.test("resume: a held prefix that is wrong makes the file corrupt, and it is deleted", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(2 * CHUNK_BYTES);
    const incoming = await setup.offer([{ path: "x", content }]);
    await setup.partials.prepare();
    await Deno.writeFile(setup.partialOf(0), randomBytes(100));
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await assertFailedCleanly(downloads, incoming, sink, "corrupt");
  });
});

Deno.test("resume: a part longer than its file is not ours: it starts again", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(100);
    const incoming = await setup.offer([{ path: "x", content }]);
    await setup.partials.prepare();
    await Deno.writeFile(setup.partialOf(0), randomBytes(101));
    assertEquals(await incoming.held(), [0]);
    const sink = newSink();
    const from = await incoming.accept(sink);
    assertEquals(from, [0]);
    setup.sendAll(from);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(join(downloads, "x")), content);
  });
});

Deno.test("resume: files with the same content share one part, the first one's", async () => {
  const same = randomBytes(2 * CHUNK_BYTES + 3);
  // Held in part, then held whole: either way the copy starts from nothing, and both land.
  for (const prefix of [CHUNK_BYTES, same.length]) {
    await withTempDir(async (downloads) => {
      const setup = new Setup(downloads);
      const incoming = await setup.offer([
        { path: "copies/a", content: same },
        { path: "copies/b", content: same },
      ]);
      await setup.partials.prepare();
      await Deno.writeFile(setup.partialOf(0), same.subarray(0, prefix));
      assertEquals(await incoming.held(), [prefix, 0]);
      const sink = newSink();
      const from = await incoming.accept(sink);
      assertEquals(from, [prefix, 0]);
      setup.sendAll(from);
      await sink.ended;
      assertEquals(sink.failure, null, sink.failure?.reason);
      assertEquals(await Deno.readFile(join(downloads, "copies", "a")), same);
      assertEquals(await Deno.readFile(join(downloads, "copies", "b")), same);
      assertEquals(await partialsLeft(downloads), []);
    });
  }
});

Deno.test("resume: parts are per sender: another sender's part is not used", async () => {
  await withTempDir(async (downloads) => {
    const first = new Setup(downloads);
    const content = randomBytes(1000);
    await first.offer([{ path: "x", content }]);
    await first.partials.prepare();
    await Deno.writeFile(first.partialOf(0), content.subarray(0, 400));
    const second = new Setup(downloads);
    const incoming = await second.offer([{ path: "x", content }]);
    assertEquals(await incoming.held(), [0]);
  });
});

Deno.test("stop(true) keeps the part to resume from; stop(false) deletes it", async () => {
  for (const keep of [true, false]) {
    await withTempDir(async (downloads) => {
      const { setup, content, incoming, sink } = await accepted(downloads, 4 * CHUNK_BYTES);
      const written = new Promise<void>((resolve) => {
        sink.onWritten = (bytes) => {
          if (bytes >= 2 * CHUNK_BYTES) resolve();
        };
      });
      setup.chunk(content.subarray(0, CHUNK_BYTES));
      setup.chunk(content.subarray(CHUNK_BYTES, 2 * CHUNK_BYTES));
      await written;
      await incoming.stop(keep);
      assertOk(incoming.stopped);
      // Later chunks are ignored.
      setup.chunk(content.subarray(2 * CHUNK_BYTES, 3 * CHUNK_BYTES));
      await new Promise((resolve) => setTimeout(resolve, 20));
      assertEquals(sink.failure, null);
      assertOk(!sink.completed);
      assertEquals(await filesUnder(downloads), keep ? [join(".rt-partial", partName(setup))] : []);
      if (keep) {
        assertEquals(await Deno.readFile(setup.partialOf(0)), content.subarray(0, 2 * CHUNK_BYTES));
        // Offered again by the same sender, it carries on from there.
        const again = new Setup(downloads, setup.sender);
        const resumed = await again.offer([{ path: "file.bin", content }]);
        assertEquals(await resumed.held(), [2 * CHUNK_BYTES]);
      }
    });
  }
});

function partName(setup: Setup): string {
  return relative(join(setup.downloads, ".rt-partial"), setup.partialOf(0));
}

Deno.test("stop(false) before anything arrived deletes a part left from before", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(100);
    const incoming = await setup.offer([{ path: "x", content }]);
    await setup.partials.prepare();
    await Deno.writeFile(setup.partialOf(0), content.subarray(0, 50));
    await incoming.stop(false);
    assertEquals(await partialsLeft(downloads), []);
  });
});

Deno.test("one part, one writer: a second offer of the same content from the same sender waits its turn", async () => {
  await withTempDir(async (downloads) => {
    const sender = randomBytes(32);
    const content = randomBytes(3 * CHUNK_BYTES);
    const first = new Setup(downloads, sender);
    const second = new Setup(downloads, sender);
    // Both share one PartialStore, as the transfers of one member do.
    (second as { partials: PartialStore }).partials = first.partials;
    await first.offer([{ path: "release.iso", content }]);
    await second.offer([{ path: "release.iso", content }]);
    const sink = newSink();
    await first.incoming.accept(sink);
    await assertRejects(
      () => second.incoming.accept(newSink()),
      (e) => e instanceof Error && e.message.includes("being received already"),
    );
    // Rejecting the second does not touch the part the first is writing.
    await second.incoming.stop(false);
    first.sendAll([0]);
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(savedOf(sink).length, 1);
    assertEquals(await Deno.readFile(savedOf(sink)[0]!.path), content);
    // Once the first is done, the content may come again.
    await second.offer([{ path: "release.iso", content }]);
    await second.incoming.accept(newSink());
    await second.incoming.stop(false);
  });
});

Deno.test("once the disk is slow, parts are written on another thread, each file's chunks gathered", async () => {
  await withTempDir(async (downloads) => {
    // Every write counts as slow: the first chunk is written at once, the rest gathered.
    const writes = new DiskWrites(-1);
    const setup = new Setup(downloads, undefined, writes);
    const contents = [
      randomBytes(20 * CHUNK_BYTES + 5),
      new Uint8Array(0),
      randomBytes(3 * CHUNK_BYTES),
      randomBytes(1),
    ];
    const incoming = await setup.offer(
      contents.map((content, i) => ({ path: `f${i}.bin`, content })),
    );
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure, null);
    assertOk(writes.slow);
    const saved = savedOf(sink);
    assertEquals(saved.map((s) => s.file.path), ["f0.bin", "f1.bin", "f2.bin", "f3.bin"]);
    for (const [i, s] of saved.entries()) assertEquals(await Deno.readFile(s.path), contents[i]);
    assertEquals(sink.acks.at(-1), contents.reduce((sum, c) => sum + c.length, 0));
    await incoming.stop(true);
  });
});

Deno.test("while the disk keeps up, parts are written at once", async () => {
  await withTempDir(async (downloads) => {
    const writes = new CountedWrites(60_000);
    const setup = new Setup(downloads, undefined, writes);
    const content = randomBytes(10 * CHUNK_BYTES + 7);
    const incoming = await setup.offer([{ path: "f.bin", content }]);
    const sink = newSink();
    setup.sendAll(await incoming.accept(sink));
    await sink.ended;
    assertEquals(sink.failure, null);
    // Each chunk written by rt's own thread, timed.
    assertEquals([writes.count, writes.slow], [11, false]);
    assertEquals(await Deno.readFile(savedOf(sink)[0]!.path), content);
    await incoming.stop(true);
  });
});

Deno.test("a stop while the disk is slow waits for one write, not for every chunk queued", async () => {
  await withTempDir(async (downloads) => {
    const size = 64 * CHUNK_BYTES;
    const disk = new WatchedSlowDisk();
    const { setup, content, incoming, sink } = await accepted(downloads, size, disk);
    for (let at = 0; at < size; at += CHUNK_BYTES) {
      setup.chunk(content.subarray(at, at + CHUNK_BYTES));
    }
    // Stopped as the first write begins (nothing runs before this turn ends): the write under
    // way ends, and no other begins.
    let stopping: Promise<void> | null = null;
    disk.onWrite = () => stopping = incoming.stop(true);
    while (stopping === null) await new Promise((r) => setTimeout(r, 0));
    await stopping;
    assertEquals(sink.completed, false);
    const written = Deno.statSync(setup.partialOf(0)).size;
    assertOk(written > 0 && written <= GATHER_BYTES, `${written} of ${size} bytes written`);
  });
});

/** A slow disk that calls `onWrite`, once, when a part's next write asks whether it is slow. */
class WatchedSlowDisk extends DiskWrites {
  onWrite: (() => void) | null = null;

  constructor() {
    super(0);
    this.took(1);
  }

  override get slow(): boolean {
    const onWrite = this.onWrite;
    this.onWrite = null;
    onWrite?.();
    return super.slow;
  }
}

/** Counts the writes timed (those rt's own thread does). */
class CountedWrites extends DiskWrites {
  count = 0;

  override took(ms: number): void {
    this.count++;
    super.took(ms);
  }
}

Deno.test("a chunk read into a large frame's buffer gives it back once decrypted", async () => {
  await withTempDir(async (downloads) => {
    const setup = new Setup(downloads);
    const content = randomBytes(2 * CHUNK_BYTES);
    const incoming = await setup.offer([{ path: "big.bin", content }]);
    const sink = newSink();
    await incoming.accept(sink);
    const frames: Uint8Array[] = [];
    for (let n = 0; n < 2; n++) {
      const piece = content.subarray(n * CHUNK_BYTES, (n + 1) * CHUNK_BYTES);
      const sealed = setup.cipher.seal("content", n, piece);
      // As the frame reader fills it: the chunk at the end of its frame.
      const frame = largeFrames.take(sealed.length + 40)!;
      frame.set(sealed, 40);
      frames.push(frame);
      incoming.chunk(n, frame.subarray(40));
    }
    assertEquals(frames.map((f) => f.length), [0, 0], "both frames were given back");
    await sink.ended;
    assertEquals(sink.failure, null);
    assertEquals(await Deno.readFile(savedOf(sink)[0]!.path), content);
    await incoming.stop(true);
  });
});

/**
 * Streamed offers (see `lib/files/wire.ts`): each file's digest follows its content in the
 * stream. A real sender (`Outgoing`, reading real files) feeds a real recipient (`Incoming`,
 * writing real parts), frame by frame, as the room would relay them; frames sealed by hand
 * stand for a sender that lies.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { assertEquals, assertOk } from "../assert.ts";
import { CHUNK_BYTES, type ClientMessage } from "../../lib/codec/messages.ts";
import { Incoming } from "../../lib/files/incoming.ts";
import { AckSender, Outgoing, type SourceFile } from "../../lib/files/outgoing.ts";
import { PartialStore } from "../../lib/files/partials.ts";
import {
  decodeAck,
  encodeAck,
  type OfferedFileInfo,
  partKey,
  StreamCipher,
} from "../../lib/files/wire.ts";
import { Sink } from "./sink.ts";
import { filesUnder, randomBytes, withTempDir } from "./support.ts";

function sha256(bytes: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(bytes).digest());
}

/** One streamed offer between a sender's folder and a recipient's downloads. */
class Streamed {
  readonly key = randomBytes(32);
  readonly id = randomBytes(16);
  readonly sender = randomBytes(32);
  readonly cipher = new StreamCipher(this.key, this.id);
  readonly partials: PartialStore;
  readonly sources: SourceFile[] = [];
  readonly offered: OfferedFileInfo[] = [];
  readonly sink = new Sink();
  incoming!: Incoming;
  /** Plaintext of every content frame the sender sent, in order. */
  frames: Uint8Array[] = [];
  #n = 0;

  constructor(readonly dir: string, readonly downloads: string) {
    this.partials = new PartialStore(downloads);
  }

  async file(path: string, content: Uint8Array): Promise<void> {
    const source = join(this.dir, path);
    await Deno.writeFile(source, content);
    const tag = randomBytes(16);
    this.sources.push({ path, source, size: content.length, tag });
    this.offered.push({ path, size: content.length, type: "application/octet-stream", tag });
  }

  /** The recipient accepts; returns where it asks each file to start. */
  async accept(): Promise<number[]> {
    const { sender, key, id, downloads, partials } = this;
    this.incoming = new Incoming({ files: this.offered, sender, key, id, downloads, partials });
    return await this.incoming.accept(this.sink);
  }

  /**
   * The real sender of `sources`: each frame's plaintext is kept in `frames`, then the frame is
   * handed to `deliver`.
   */
  outgoing(deliver: (n: number, body: Uint8Array, plaintext: Uint8Array) => void): Outgoing {
    return new Outgoing({
      to: "bob",
      files: this.sources,
      id: this.id,
      key: this.key,
      link: {
        send: (message: ClientMessage) => {
          if (message.t !== "data") throw new Error(message.t);
          const plaintext = this.cipher.open("content", message.n, message.body)!;
          this.frames.push(plaintext);
          this.#n = message.n + 1;
          deliver(message.n, message.body, plaintext);
        },
        ready: () => null,
      },
    });
  }

  /** The real sender sends from `from`, each frame straight to the recipient, acks back. */
  async send(from: number[]): Promise<void> {
    const acks = new AckSender(this.key, this.id);
    const outgoing = this.outgoing((n, body) => this.incoming.chunk(n, body));
    this.sink.onWritten = (bytes) => {
      const ack = acks.next(encodeAck(bytes));
      assertEquals(decodeAck(this.cipher.open("acks", ack.n, ack.body)!), bytes);
      outgoing.ack(ack.n, ack.body);
    };
    await outgoing.send(from);
  }

  /** A frame sealed by hand, as the next of the stream. */
  frame(plaintext: Uint8Array): void {
    const n = this.#n++;
    this.incoming.chunk(n, this.cipher.seal("content", n, plaintext));
  }

  partOf(i: number): string {
    return this.partials.pathFor(this.sender, partKey(this.offered[i]!));
  }
}

async function withStreamed(fn: (s: Streamed) => Promise<void>): Promise<void> {
  await withTempDir(async (dir) => {
    const downloads = join(dir, "downloads");
    await Deno.mkdir(downloads);
    await fn(new Streamed(dir, downloads));
  });
}

Deno.test("streamed: each file arrives whole, checked against the digest after its content", async () => {
  await withStreamed(async (s) => {
    const contents = [randomBytes(3 * CHUNK_BYTES + 17), new Uint8Array(0), randomBytes(5)];
    for (const [i, content] of contents.entries()) await s.file(`f${i}`, content);
    assertEquals(await s.accept(), [0, 0, 0]);
    await s.send([0, 0, 0]);
    await s.sink.ended;
    assertEquals(s.sink.failure, null);
    assertOk(s.sink.completed);
    // Four chunks and a digest for the first file, none for the empty one, one and a digest
    // for the last.
    assertEquals(s.frames.map((f) => f.length), [
      ...[CHUNK_BYTES, CHUNK_BYTES, CHUNK_BYTES, 17, 32],
      ...[5, 32],
    ]);
    assertEquals(s.frames[4], sha256(contents[0]!));
    assertEquals(s.frames[6], sha256(contents[2]!));
    assertEquals(s.sink.placed.map((p) => p.file.path), ["f0", "f1", "f2"]);
    for (const [i, placed] of s.sink.placed.entries()) {
      assertEquals(await Deno.readFile(placed.path), contents[i]);
      assertEquals(placed.hash, sha256(contents[i]!));
    }
    assertEquals(await filesUnder(join(s.downloads, ".rt-partial")), []);
  });
});

Deno.test("streamed: no file is saved before its digest is here", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(CHUNK_BYTES + 3);
    await s.file("a", content);
    await s.accept();
    s.frame(content.subarray(0, CHUNK_BYTES));
    s.frame(content.subarray(CHUNK_BYTES));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assertEquals([s.sink.placed.length, s.sink.completed, s.sink.failure], [0, false, null]);
    s.frame(sha256(content));
    await s.sink.ended;
    assertEquals(s.sink.placed.map((p) => p.file.path), ["a"]);
    assertEquals(await Deno.readFile(s.sink.placed[0]!.path), content);
  });
});

Deno.test("streamed: a digest that does not match fails as corrupt; nothing is saved or kept", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(1000);
    await s.file("a", content);
    await s.accept();
    s.frame(content);
    const wrong = sha256(content);
    wrong[0]! ^= 1;
    s.frame(wrong);
    await s.sink.ended;
    assertEquals(s.sink.failure?.code, "corrupt");
    assertEquals(s.sink.placed, []);
    assertEquals(await filesUnder(s.downloads), []);
  });
});

Deno.test("streamed: a frame where the digest belongs that is not one fails the transfer", async () => {
  for (const length of [31, 33, 1]) {
    await withStreamed(async (s) => {
      const content = randomBytes(100);
      await s.file("a", content);
      await s.file("b", randomBytes(100));
      await s.accept();
      s.frame(content);
      // The next file's content where the first one's digest belongs.
      s.frame(randomBytes(length));
      await s.sink.ended;
      assertEquals(s.sink.failure?.code, "failed", `${length} bytes`);
      assertEquals(s.sink.placed, []);
    });
  }
});

Deno.test("streamed: a part carries on; the sender hashes what the recipient holds", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(3 * CHUNK_BYTES + 99);
    await s.file("big", content);
    const prefix = CHUNK_BYTES + 1000;
    await s.partials.prepare();
    await Deno.writeFile(s.partOf(0), content.subarray(0, prefix));
    const from = await s.accept();
    assertEquals(from, [prefix]);
    await s.send(from);
    await s.sink.ended;
    assertEquals(s.sink.failure, null);
    // Only the rest went, and the digest (of the whole file) after it.
    assertEquals(s.frames.slice(0, -1).reduce((n, f) => n + f.length, 0), content.length - prefix);
    assertEquals(s.frames.at(-1), sha256(content));
    assertEquals(await Deno.readFile(s.sink.placed[0]!.path), content);
  });
});

Deno.test("streamed: a part held whole but never checked asks for its last byte again", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(CHUNK_BYTES);
    await s.file("whole", content);
    await s.partials.prepare();
    await Deno.writeFile(s.partOf(0), content);
    const from = await s.accept();
    assertEquals(from, [content.length - 1]);
    await s.send(from);
    await s.sink.ended;
    assertEquals(s.frames.map((f) => f.length), [1, 32]);
    assertEquals(await Deno.readFile(s.sink.placed[0]!.path), content);
  });
});

Deno.test("streamed: a part whose start differs from the sender's file fails as corrupt", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(2 * CHUNK_BYTES);
    await s.file("a", content);
    await s.partials.prepare();
    // What the recipient holds is not the start of the file the sender has now.
    await Deno.writeFile(s.partOf(0), randomBytes(CHUNK_BYTES));
    const from = await s.accept();
    assertEquals(from, [CHUNK_BYTES]);
    await s.send(from);
    await s.sink.ended;
    assertEquals(s.sink.failure?.code, "corrupt");
    assertEquals(await filesUnder(s.downloads), []);
  });
});

Deno.test("streamed: a large file is hashed by a worker as it goes, resumed or not", async () => {
  for (const held of [0, 3 * CHUNK_BYTES + 5]) {
    await withStreamed(async (s) => {
      // Over 8 MiB to send: hashed by a worker (see `outgoing.ts`).
      const content = randomBytes(9 * 1024 * 1024 + 3);
      await s.file("big", content);
      await s.file("small", randomBytes(10));
      await s.partials.prepare();
      if (held > 0) await Deno.writeFile(s.partOf(0), content.subarray(0, held));
      const from = await s.accept();
      assertEquals(from, [held, 0]);
      await s.send(from);
      await s.sink.ended;
      assertEquals(s.sink.failure, null, `held ${held}`);
      const digests = s.frames.filter((f) => f.length === 32);
      assertEquals(digests, [sha256(content), sha256(await Deno.readFile(s.sources[1]!.source))]);
      assertEquals(await Deno.readFile(s.sink.placed[0]!.path), content);
    });
  }
});

/**
 * A sender of `sources` on a link that keeps each frame's plaintext and acknowledges every
 * byte at once; `onFrame` sees each frame's number.
 */
function recordingSender(s: Streamed, onFrame: (n: number) => void = () => {}) {
  const acks = new AckSender(s.key, s.id);
  let bytes = 0;
  const outgoing = s.outgoing((n, _body, plaintext) => {
    if (plaintext.length !== 32) bytes += plaintext.length;
    onFrame(n);
    const ack = acks.next(encodeAck(bytes));
    queueMicrotask(() => outgoing.ack(ack.n, ack.body));
  });
  return { outgoing, frames: s.frames };
}

Deno.test("streamed: a file the recipient has whole gets neither content nor digest", async () => {
  await withStreamed(async (s) => {
    const content = randomBytes(1000);
    await s.file("a", content);
    await s.file("b", randomBytes(10));
    const { outgoing, frames } = recordingSender(s);
    await outgoing.send([content.length, 0]);
    assertEquals(frames.map((f) => f.length), [10, 32]);
  });
});

Deno.test("streamed: a stop half way through a large file sends no digest, and ends the send", async () => {
  await withStreamed(async (s) => {
    await s.file("big", randomBytes(9 * 1024 * 1024));
    const last = 9 * 8 - 1; // the last chunk's number
    const { outgoing, frames } = recordingSender(s, (n) => {
      if (n === last) outgoing.stop();
    });
    await outgoing.send([0], 64 * 1024 * 1024);
    assertEquals(frames.length, last + 1);
    assertOk(frames.every((f) => f.length === CHUNK_BYTES));
  });
});

import { join } from "node:path";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import { CHUNK_BYTES, type ClientMessage } from "../../lib/codec/messages.ts";
import {
  AckSender,
  INITIAL_WINDOW_BYTES,
  Outgoing,
  type OutgoingLink,
  type SourceFile,
} from "../../lib/files/outgoing.ts";
import { encodeAck, StreamCipher, WINDOW_BYTES } from "../../lib/files/wire.ts";
import { randomBytes, withTempDir } from "./support.ts";

type Data = Extract<ClientMessage, { t: "data" }>;

const tick = (ms = 0) => new Promise((resolve) => setTimeout(resolve, ms));

/** Waits until `condition` holds (or fails after `ms`). */
async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await tick(1);
  }
}

/** A link that keeps what is sent, and the recipient's side: it opens chunks and acknowledges. */
class FakeLink implements OutgoingLink {
  readonly sent: Data[] = [];
  readonly cipher: StreamCipher;
  readonly acks: AckSender;
  /** Bytes of content received, in order. */
  received: Uint8Array[] = [];
  receivedBytes = 0;
  /** What `ready` returns. */
  readyWith: () => Promise<void> | null = () => null;
  readyCalls = 0;
  /** Checked at every chunk. */
  onChunk: (message: Data) => void = () => {};

  constructor(key: Uint8Array, id: Uint8Array) {
    this.cipher = new StreamCipher(key, id);
    this.acks = new AckSender(key, id);
  }

  send(message: ClientMessage): void {
    if (message.t !== "data") throw new Error(`unexpected ${message.t}`);
    assertEquals(message.n, this.sent.length, "chunks are numbered in order from 0");
    this.sent.push(message);
    const plaintext = this.cipher.open("content", message.n, message.body);
    assertOk(plaintext !== null, "a chunk opens with the transfer's key");
    assertOk(plaintext.length > 0 && plaintext.length <= CHUNK_BYTES, `${plaintext.length}`);
    this.received.push(plaintext.slice());
    this.receivedBytes += plaintext.length;
    this.onChunk(message);
  }

  ready(_to: string): Promise<void> | null {
    this.readyCalls++;
    return this.readyWith();
  }

  /** The recipient's next acknowledgement of `written` bytes. */
  ack(written: number): { n: number; body: Uint8Array } {
    return this.acks.next(encodeAck(written));
  }

  content(): Uint8Array {
    const out = new Uint8Array(this.receivedBytes);
    let at = 0;
    for (const piece of this.received) {
      out.set(piece, at);
      at += piece.length;
    }
    return out;
  }
}

interface Made {
  outgoing: Outgoing;
  link: FakeLink;
  key: Uint8Array;
  id: Uint8Array;
  files: SourceFile[];
  contents: Uint8Array[];
}

async function make(dir: string, contents: Uint8Array[]): Promise<Made> {
  const files: SourceFile[] = [];
  for (const [i, content] of contents.entries()) {
    const source = join(dir, `source-${i}`);
    await Deno.writeFile(source, content);
    files.push({ path: `f${i}`, source, size: content.length });
  }
  const key = randomBytes(32);
  const id = randomBytes(16);
  const link = new FakeLink(key, id);
  const outgoing = new Outgoing({ to: "bob", files, id, key, link });
  return { outgoing, link, key, id, files, contents };
}

Deno.test("the content goes out in numbered chunks to the recipient, and only that", async () => {
  await withTempDir(async (dir) => {
    const contents = [randomBytes(3 * CHUNK_BYTES + 17), new Uint8Array(0), randomBytes(5)];
    const { outgoing, link, id } = await make(dir, contents);
    assertEquals(outgoing.total, 3 * CHUNK_BYTES + 22);
    await outgoing.send([0, 0, 0]);
    assertEquals(link.sent.length, 5);
    for (const message of link.sent) {
      assertEquals(message.to, "bob");
      assertEquals(message.id, id);
    }
    // Chunks never span files.
    assertEquals(link.received.map((r) => r.length), [
      CHUNK_BYTES,
      CHUNK_BYTES,
      CHUNK_BYTES,
      17,
      5,
    ]);
    assertEquals(link.content(), new Uint8Array([...contents[0]!, ...contents[2]!]));
    assertOk(link.readyCalls >= 5);
  });
});

Deno.test("send() starts each file where the recipient asked", async () => {
  await withTempDir(async (dir) => {
    const contents = [randomBytes(2 * CHUNK_BYTES), randomBytes(300), randomBytes(CHUNK_BYTES + 1)];
    const { outgoing, link } = await make(dir, contents);
    await outgoing.send([CHUNK_BYTES + 100, 300, 0]);
    assertEquals(
      link.content(),
      new Uint8Array([...contents[0]!.subarray(CHUNK_BYTES + 100), ...contents[2]!]),
    );
    // Held parts count as done once the transfer has started.
    assertEquals(outgoing.done, CHUNK_BYTES + 400);
    const ack = link.ack(link.receivedBytes);
    assertOk(outgoing.ack(ack.n, ack.body));
    assertEquals(outgoing.done, outgoing.total);
  });
});

/**
 * What `outgoing` has out on `link` (sent, not acknowledged), checked at every chunk never to
 * pass `limit`; `most` is the most seen, `acknowledge` acknowledges up to a count.
 */
function watchOutstanding(outgoing: Outgoing, link: FakeLink, limit: number) {
  const watch = {
    acked: 0,
    most: 0,
    acknowledge(bytes: number): void {
      const ack = link.ack(bytes);
      watch.acked = bytes;
      assertOk(outgoing.ack(ack.n, ack.body));
    },
  };
  link.onChunk = () => {
    const out = link.receivedBytes - watch.acked;
    watch.most = Math.max(watch.most, out);
    assertOk(out <= limit, `${out} out`);
  };
  return watch;
}

Deno.test("it fills its window and waits; acks move it on; never more than WINDOW_BYTES out", async () => {
  await withTempDir(async (dir) => {
    const size = 2 * WINDOW_BYTES + 3 * CHUNK_BYTES + 11;
    const { outgoing, link, contents } = await make(dir, [randomBytes(size)]);
    const out = watchOutstanding(outgoing, link, WINDOW_BYTES);
    const acknowledge = (bytes: number) => out.acknowledge(bytes);
    let finished = false;
    const sending = outgoing.send([0]).then(() => finished = true);
    // It fills the window it starts with, and waits there.
    await until(() => link.receivedBytes === INITIAL_WINDOW_BYTES, "a full first window");
    await tick(30);
    assertEquals(link.receivedBytes, INITIAL_WINDOW_BYTES);
    assertOk(!finished);
    // Half acknowledged, promptly: more goes out (the window grows on a fast link).
    acknowledge(INITIAL_WINDOW_BYTES / 2);
    await until(() => link.receivedBytes > INITIAL_WINDOW_BYTES, "more after an ack");
    assertEquals(outgoing.done, INITIAL_WINDOW_BYTES / 2);
    // The same count again is no progress, but is genuine.
    acknowledge(INITIAL_WINDOW_BYTES / 2);
    // Then acknowledgements as a recipient would send them, one chunk at a time.
    while (!finished) {
      if (link.receivedBytes > out.acked) {
        acknowledge(Math.min(link.receivedBytes, out.acked + CHUNK_BYTES));
      }
      await tick();
    }
    await sending;
    assertOk(
      out.most <= WINDOW_BYTES && out.most > INITIAL_WINDOW_BYTES,
      `at most ${out.most} out`,
    );
    assertEquals(link.content(), contents[0]);
  });
});

Deno.test("a recipient that allows more than WINDOW_BYTES gets more out, never more than it allowed", async () => {
  await withTempDir(async (dir) => {
    const allowed = 2 * WINDOW_BYTES;
    const { outgoing, link, contents } = await make(dir, [randomBytes(4 * WINDOW_BYTES)]);
    const out = watchOutstanding(outgoing, link, allowed);
    let finished = false;
    const sending = outgoing.send([0], allowed).then(() => finished = true);
    // Whenever it waits, all that is out is acknowledged at once: the window grows to its most.
    let seen = -1;
    while (!finished) {
      await tick();
      if (link.receivedBytes === seen && link.receivedBytes > out.acked) {
        out.acknowledge(link.receivedBytes);
      }
      seen = link.receivedBytes;
    }
    await sending;
    assertOk(out.most > WINDOW_BYTES, `at most ${out.most} out`);
    assertEquals(link.content(), contents[0]);
  });
});

Deno.test("send() waits while the link has no room, acknowledged or not", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(4 * CHUNK_BYTES)]);
    let open!: () => void;
    let full = false;
    link.readyWith = () => full ? new Promise<void>((resolve) => open = resolve) : null;
    link.onChunk = () => full = true;
    let finished = false;
    const sending = outgoing.send([0]).then(() => finished = true);
    await until(() => link.sent.length === 1, "the first chunk");
    await tick(30);
    assertEquals(link.sent.length, 1);
    // An acknowledgement is no room on the link.
    const ack = link.ack(CHUNK_BYTES);
    assertOk(outgoing.ack(ack.n, ack.body));
    await tick(30);
    assertEquals(link.sent.length, 1);
    assertOk(!finished);
    full = false;
    link.onChunk = () => {};
    open();
    await sending;
    assertEquals(link.sent.length, 4);
  });
});

Deno.test("acknowledgements that are forged, out of order, or too large are refused", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link, key, id } = await make(dir, [randomBytes(3 * CHUNK_BYTES)]);
    await outgoing.send([0]);
    const total = 3 * CHUNK_BYTES;
    const otherKey = key.slice();
    otherKey[0]! ^= 1;
    const otherId = id.slice();
    otherId[0]! ^= 1;
    const forgedKey = new AckSender(otherKey, id).next(encodeAck(10));
    assertEquals(outgoing.ack(forgedKey.n, forgedKey.body), false);
    const forgedId = new AckSender(key, otherId).next(encodeAck(10));
    assertEquals(outgoing.ack(forgedId.n, forgedId.body), false);
    // A content frame is not an acknowledgement.
    const content = new StreamCipher(key, id).seal("content", 0, encodeAck(10));
    assertEquals(outgoing.ack(0, content), false);
    // Not 8 bytes.
    const short = new StreamCipher(key, id).seal("acks", 0, new Uint8Array(7));
    assertEquals(outgoing.ack(0, short), false);
    // Genuine, but numbered ahead of the next one.
    const recipient = new AckSender(key, id);
    const first = recipient.next(encodeAck(100));
    const second = recipient.next(encodeAck(200));
    assertEquals(outgoing.ack(second.n, second.body), false);
    // A body altered on the way.
    const altered = first.body.slice();
    altered[2]! ^= 1;
    assertEquals(outgoing.ack(first.n, altered), false);
    assertEquals(outgoing.done, 0);
    // In order: fine; and again: a replay.
    assertOk(outgoing.ack(first.n, first.body));
    assertEquals(outgoing.ack(first.n, first.body), false);
    assertOk(outgoing.ack(second.n, second.body));
    assertEquals(outgoing.done, 200);
    // Going back, or beyond what was sent.
    const back = recipient.next(encodeAck(199));
    assertEquals(outgoing.ack(back.n, back.body), false);
    const beyond = new AckSender(key, id);
    beyond.next(new Uint8Array(8));
    beyond.next(new Uint8Array(8));
    const tooMuch = beyond.next(encodeAck(total + 1));
    assertEquals(outgoing.ack(tooMuch.n, tooMuch.body), false);
    const huge = new AckSender(key, id);
    huge.next(new Uint8Array(8));
    huge.next(new Uint8Array(8));
    const all = huge.next(new Uint8Array(8).fill(0xff));
    assertEquals(outgoing.ack(all.n, all.body), false);
    assertEquals(outgoing.done, 200);
    // What was sent, exactly: fine.
    const everything = new AckSender(key, id);
    everything.next(new Uint8Array(8));
    everything.next(new Uint8Array(8));
    const last = everything.next(encodeAck(total));
    assertOk(outgoing.ack(last.n, last.body));
    assertEquals(outgoing.done, total);
    assertEquals(link.receivedBytes, total);
  });
});

Deno.test("an acknowledgement of bytes not sent yet is refused, even within the file", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(CHUNK_BYTES)]);
    const early = link.ack(10);
    assertEquals(outgoing.ack(early.n, early.body), false);
  });
});

Deno.test("send() rejects starts the offer does not have", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(100), randomBytes(50)]);
    await assertRejects(() => outgoing.send([101, 0]));
    await assertRejects(() => outgoing.send([0, 51]));
    await assertRejects(() => outgoing.send([0]));
    await assertRejects(() => outgoing.send([0, 0, 0]));
    await assertRejects(() => outgoing.send([]));
    assertEquals(link.sent.length, 0);
  });
});

Deno.test("a file that changed size since the offer is not sent", async () => {
  for (const change of ["grew", "shrank", "vanished"] as const) {
    await withTempDir(async (dir) => {
      const { outgoing, link, files } = await make(dir, [randomBytes(10), randomBytes(1000)]);
      const source = files[1]!.source;
      if (change === "grew") await Deno.writeFile(source, randomBytes(1), { append: true });
      if (change === "shrank") await Deno.truncate(source, 999);
      if (change === "vanished") await Deno.remove(source);
      await assertRejects(() => outgoing.send([0, 0]), (e) => {
        if (change !== "vanished") assertOk(String(e).includes("changed since"), String(e));
        return true;
      });
      // The first file went; nothing of the second.
      assertEquals(link.receivedBytes, 10);
    });
  }
});

Deno.test("stop() ends send() while it waits for acknowledgements", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(WINDOW_BYTES + CHUNK_BYTES)]);
    const sending = outgoing.send([0]);
    await until(() => link.receivedBytes === INITIAL_WINDOW_BYTES, "a full window");
    outgoing.stop();
    assertOk(outgoing.stopped);
    await within(sending, 1000);
    assertEquals(link.receivedBytes, INITIAL_WINDOW_BYTES);
  });
});

Deno.test("stop() ends send() while the link has no room", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(4 * CHUNK_BYTES)]);
    link.readyWith = () => new Promise<void>(() => {}); // never
    const sending = outgoing.send([0]);
    await until(() => link.readyCalls > 0, "waiting for room");
    outgoing.stop();
    await within(sending, 1000);
    assertEquals(link.sent.length, 0);
  });
});

Deno.test("stop() before send() sends nothing", async () => {
  await withTempDir(async (dir) => {
    const { outgoing, link } = await make(dir, [randomBytes(100)]);
    outgoing.stop();
    await within(outgoing.send([0]), 1000);
    assertEquals(link.sent.length, 0);
  });
});

/** `promise`, or a failure when it has not settled within `ms`. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

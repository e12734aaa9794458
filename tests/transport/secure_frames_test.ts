/**
 * The three kinds of frame on a sealed connection: sealed messages, batches of messages sealed
 * as one, and bulk frames whose header is sealed and whose body (encrypted end to end already)
 * passes as it is. Over a real socket; the peer's side is written by hand where it must
 * misbehave.
 */
import { assertEquals, assertRejects, assertThrows } from "../assert.ts";
import { Opener } from "../../lib/handshake/channel.ts";
import { RtError } from "../../lib/errors.ts";
import { Sealer } from "../../lib/handshake/channel.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { SecureConnection } from "../../lib/transport/secure.ts";
import { socketPair } from "./socket_pair.ts";
import { encodeFrame } from "../../lib/codec/frame.ts";
import { setImmediate } from "node:timers";

const keys = {
  send: crypto.getRandomValues(new Uint8Array(32)),
  receive: crypto.getRandomValues(new Uint8Array(32)),
  id: new Uint8Array(16),
};

/** A sealed connection `secure` (keys as above) and the raw socket of its peer. */
async function connectionAndPeer() {
  const { client, server } = await socketPair();
  const framed = new FramedConnection(server);
  const secure = new SecureConnection(framed, keys);
  // The peer: what `secure` receives, it seals with `keys.receive`.
  const peer = new SecureConnection(new FramedConnection(client), {
    send: keys.receive,
    receive: keys.send,
    id: keys.id,
  });
  return { secure, framed, client, peer };
}

const notGenuine = (e: unknown) => e instanceof RtError && e.code === "decrypt-failed";

Deno.test("sealed and bulk frames arrive in order, bodies untouched", async () => {
  const { secure, peer } = await connectionAndPeer();
  const body = crypto.getRandomValues(new Uint8Array(40_000));
  peer.send(new Uint8Array([1, 2, 3]));
  peer.sendBulk(new Uint8Array([9]), body);
  peer.sendBulk(new Uint8Array(0), new Uint8Array(0));
  peer.send(new Uint8Array([4]));
  assertEquals(await secure.receiveFrame(), { plaintext: new Uint8Array([1, 2, 3]), body: null });
  assertEquals(await secure.receiveFrame(), { plaintext: new Uint8Array([9]), body });
  assertEquals(await secure.receiveFrame(), {
    plaintext: new Uint8Array(0),
    body: new Uint8Array(0),
  });
  assertEquals(await secure.receive(), new Uint8Array([4]));
  peer.close();
  secure.close();
});

Deno.test("a bulk frame where a message is expected is refused", async () => {
  const { secure, peer } = await connectionAndPeer();
  peer.sendBulk(new Uint8Array([1]), new Uint8Array([2]));
  await assertRejects(
    () => secure.receive(),
    (e) => e instanceof RtError && e.code === "message-invalid",
  );
  peer.close();
  secure.close();
});

/** Frames a misbehaving peer writes by hand; each must be refused as not genuine. */
const forged: [string, (sealer: Sealer) => Uint8Array][] = [
  ["an unknown kind", (s) => new Uint8Array([3, ...s.seal(new Uint8Array([1]))])],
  ["an empty frame", () => new Uint8Array(0)],
  ["a bulk frame too short for its header length", () => new Uint8Array([1, 0])],
  [
    "a header length beyond the frame",
    (s) => new Uint8Array([1, 0, 200, ...s.seal(new Uint8Array(3))]),
  ],
  ["a bulk header that was altered", (s) => {
    const header = s.seal(new Uint8Array([7, 7]));
    header[0]! ^= 1;
    return new Uint8Array([1, 0, header.length, ...header, 5, 5]);
  }],
  ["a sealed frame without its kind", (s) => s.seal(new Uint8Array([1]))],
  ["a sealed frame that was altered", (s) => {
    const sealed = s.seal(new Uint8Array([1]));
    sealed[sealed.length - 1]! ^= 1;
    return new Uint8Array([0, ...sealed]);
  }],
];

for (const [what, make] of forged) {
  Deno.test(`${what} is refused as not genuine`, async () => {
    const { secure, client } = await connectionAndPeer();
    await client.write(encodeFrame(make(new Sealer(keys.receive))));
    await assertRejects(() => secure.receiveFrame(), notGenuine);
    client.close();
    secure.close();
  });
}

Deno.test("a bulk body passes as it is: its recipient checks it with the transfer key (incoming_test)", async () => {
  const { secure, client } = await connectionAndPeer();
  const sealer = new Sealer(keys.receive);
  const header = sealer.seal(new Uint8Array([1]));
  await client.write(
    encodeFrame([new Uint8Array([1, 0, header.length]), header, new Uint8Array([6])]),
  );
  assertEquals(await secure.receiveFrame(), {
    plaintext: new Uint8Array([1]),
    body: new Uint8Array([6]),
  });
  client.close();
  secure.close();
});

/** A sealed connection (keys as above) and the raw socket of its peer, read by hand. */
async function connectionAndRawPeer() {
  const { client, server } = await socketPair();
  return { secure: new SecureConnection(new FramedConnection(server), keys), client };
}

/** Reads whole frames from a raw socket: what a peer really sent, frame by frame. */
async function rawFrames(client: Deno.Conn, count: number): Promise<Uint8Array[]> {
  const framed = new FramedConnection(client);
  const frames: Uint8Array[] = [];
  while (frames.length < count) {
    const frame = await framed.next(5000);
    if (frame === null) break;
    frames.push(frame);
  }
  return frames;
}

/** Resolves once the event loop has taken a turn (after its I/O, as the gathering waits for). */
function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A batch's plaintext made by hand: each message its 4-byte length, then its bytes. */
function batchOf(...messages: Uint8Array[]): Uint8Array {
  const parts: number[] = [];
  for (const m of messages) parts.push(0, 0, m.length >> 8, m.length & 0xff, ...m);
  return new Uint8Array(parts);
}

Deno.test("to a peer that reads batches, a quiet connection's first messages go at once, the rest of the turn as one batch", async () => {
  const { secure, client } = await connectionAndRawPeer();
  secure.peerBatches = true;
  for (let i = 1; i <= 5; i++) secure.send(new Uint8Array([i, i]));
  assertEquals(secure.queuedBytes - 2 * (4 + 1 + 2 + 16), 3 * 6, "gathered bytes count as queued");
  const frames = await rawFrames(client, 3);
  assertEquals(frames.map((f) => f[0]), [0, 0, 2], "two sealed frames, then one batch");
  const opener = new Opener(keys.send);
  assertEquals(opener.open(frames[0]!.subarray(1)), new Uint8Array([1, 1]));
  assertEquals(opener.open(frames[1]!.subarray(1)), new Uint8Array([2, 2]));
  assertEquals(
    opener.open(frames[2]!.subarray(1)),
    batchOf(...[3, 4, 5].map((i) => new Uint8Array([i, i]))),
  );
  secure.close();
});

Deno.test("a busy connection's messages wait for the busy interval, then go as one batch", async () => {
  const { secure, client } = await connectionAndRawPeer();
  secure.peerBatches = true;
  secure.send(new Uint8Array([1]));
  secure.send(new Uint8Array([2]));
  // Two sends within a moment of each other: a stream. What follows is held, not sent at the
  // end of its turn (a turn passes between the sends: microseconds, well inside the 5 ms).
  await nextTurn();
  secure.send(new Uint8Array([3]));
  await nextTurn();
  secure.send(new Uint8Array([4]));
  const frames = await rawFrames(client, 3);
  assertEquals(frames.map((f) => f[0]), [0, 0, 2]);
  const opener = new Opener(keys.send);
  opener.open(frames[0]!.subarray(1));
  opener.open(frames[1]!.subarray(1));
  assertEquals(
    opener.open(frames[2]!.subarray(1)),
    batchOf(new Uint8Array([3]), new Uint8Array([4])),
  );
  secure.close();
});

Deno.test("news that may wait is not sent at once: it goes with the next message, in order", async () => {
  const { secure, client } = await connectionAndRawPeer();
  secure.peerBatches = true;
  secure.send(new Uint8Array([1]), true);
  secure.send(new Uint8Array([2]), true);
  await nextTurn();
  // A message that may not wait takes what waited along, ahead of it, at the end of its turn.
  secure.send(new Uint8Array([3]));
  secure.send(new Uint8Array([4]), true);
  const frames = await rawFrames(client, 1);
  assertEquals(frames.map((f) => f[0]), [2], "one batch");
  assertEquals(
    new Opener(keys.send).open(frames[0]!.subarray(1)),
    batchOf(...[1, 2, 3, 4].map((i) => new Uint8Array([i]))),
  );
  secure.close();
});

Deno.test("news that may wait, alone, is sent on its own soon after", async () => {
  const { secure, client } = await connectionAndRawPeer();
  secure.peerBatches = true;
  const reader = new FramedConnection(client);
  secure.send(new Uint8Array([1]), true);
  const single = (await reader.next(5000))!;
  assertEquals(single[0], 0, "one message: a sealed frame");
  const opener = new Opener(keys.send);
  assertEquals(opener.open(single.subarray(1)), new Uint8Array([1]));
  secure.send(new Uint8Array([2]), true);
  secure.send(new Uint8Array([3]), true);
  const batch = (await reader.next(5000))!;
  assertEquals(batch[0], 2, "two: a batch");
  assertEquals(opener.open(batch.subarray(1)), batchOf(new Uint8Array([2]), new Uint8Array([3])));
  reader.close();
  secure.close();
});

Deno.test("batched messages arrive one by one, in order with bulk frames between them", async () => {
  const { secure, peer } = await connectionAndPeer();
  peer.peerBatches = true;
  const body = crypto.getRandomValues(new Uint8Array(1000));
  peer.send(new Uint8Array([1]));
  peer.send(new Uint8Array([2]));
  peer.sendBulk(new Uint8Array([3]), body);
  peer.send(new Uint8Array([4]));
  peer.send(new Uint8Array([5]));
  for (const n of [1, 2]) assertEquals(await secure.receive(), new Uint8Array([n]));
  assertEquals(await secure.receiveFrame(), { plaintext: new Uint8Array([3]), body });
  for (const n of [4, 5]) assertEquals(await secure.receive(), new Uint8Array([n]));
  peer.close();
  secure.close();
});

Deno.test("once the connection is closed, what is left of a batch received is dropped", async () => {
  const { secure, framed, peer } = await connectionAndPeer();
  peer.peerBatches = true;
  // The first two go at once, each in a frame; the connection is busy then, and 3 to 5 go as
  // one batch frame.
  for (let n = 1; n <= 5; n++) peer.send(new Uint8Array([n]));
  for (const n of [1, 2, 3]) assertEquals(await secure.receive(), new Uint8Array([n]));
  // Closed while two of the batch are still to be read (as when a write to the peer fails).
  framed.close();
  assertEquals(await secure.receive(), null);
  peer.close();
  secure.close();
});

Deno.test("to a peer that did not say it reads batches, each message is its own sealed frame", async () => {
  const { secure, client } = await connectionAndRawPeer();
  for (let i = 1; i <= 3; i++) secure.send(new Uint8Array([i]));
  const frames = await rawFrames(client, 3);
  assertEquals(frames.map((f) => f[0]), [0, 0, 0]);
  secure.close();
});

Deno.test("gathered messages are sent before the connection ends; nothing can be sent after", async () => {
  const { secure, client } = await connectionAndRawPeer();
  secure.peerBatches = true;
  for (let i = 1; i <= 4; i++) secure.send(new Uint8Array([i]));
  const ended = secure.end(1000);
  const frames = await rawFrames(client, 4);
  assertEquals(frames.map((f) => f[0]), [0, 0, 2], "two at once, one batch, then the end");
  client.close();
  await ended;
  assertThrows(() => secure.send(new Uint8Array([3])));
});

Deno.test("a peer that stops reading is found stalled as messages are gathered for it", async () => {
  const { client, server } = await socketPair();
  const secure = new SecureConnection(new FramedConnection(server, { maxQueuedBytes: 4096 }), keys);
  secure.peerBatches = true;
  for (let i = 0; i < 3; i++) secure.send(new Uint8Array(1200));
  // The fourth would pass the queue's limit once sealed: refused at once, the connection closed.
  assertThrows(
    () => secure.send(new Uint8Array(1200)),
    (e) => e instanceof RtError && e.code === "connection-closed",
  );
  assertEquals(secure.closed, true);
  await assertRejects(() => secure.receiveFrame(), (e) => e instanceof RtError);
  client.close();
});

const malformedBatches: [string, Uint8Array][] = [
  ["a batch of one message", batchOf(new Uint8Array([1]))],
  ["an empty batch", new Uint8Array(0)],
  ["a batch with an empty message", batchOf(new Uint8Array([1]), new Uint8Array(0))],
  ["a batch whose last length runs past its end", new Uint8Array([0, 0, 0, 1, 7, 0, 0, 0, 9, 1])],
  [
    "a batch with bytes left over",
    new Uint8Array([...batchOf(new Uint8Array([1]), new Uint8Array([2])), 0]),
  ],
];

for (const [what, plaintext] of malformedBatches) {
  Deno.test(`${what} is refused`, async () => {
    const { secure, client } = await connectionAndPeer();
    const sealed = new Sealer(keys.receive).seal(plaintext);
    await client.write(encodeFrame([new Uint8Array([2]), sealed]));
    await assertRejects(
      () => secure.receiveFrame(),
      (e) => e instanceof RtError && e.code === "message-invalid",
    );
    client.close();
    secure.close();
  });
}

/**
 * The two kinds of frame on a sealed connection: sealed messages, and bulk frames whose header
 * is sealed and whose body (encrypted end to end already) passes as it is. Over a real socket;
 * the peer's side is written by hand where it must misbehave.
 */
import { assertEquals, assertRejects } from "../assert.ts";
import { RtError } from "../../lib/errors.ts";
import { Sealer } from "../../lib/handshake/channel.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { SecureConnection } from "../../lib/transport/secure.ts";
import { socketPair } from "./socket_pair.ts";
import { encodeFrame } from "../../lib/codec/frame.ts";

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
  ["an unknown kind", (s) => new Uint8Array([2, ...s.seal(new Uint8Array([1]))])],
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

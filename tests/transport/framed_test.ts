import { assertEquals, assertOk, assertRejects, assertThrows } from "../assert.ts";
import { FramedConnection } from "../../lib/transport/framed.ts";
import { socketPair } from "./socket_pair.ts";
import { RtError } from "../../lib/errors.ts";

/** The sizes of the writes on `conn`, as they are made. */
function recordWrites(conn: Deno.Conn): number[] {
  const writes: number[] = [];
  const write = conn.write.bind(conn);
  conn.write = (bytes: Uint8Array) => {
    writes.push(bytes.length);
    return write(bytes);
  };
  return writes;
}

Deno.test("frames cross a real socket in order", async () => {
  const { client, server, address } = await socketPair();
  assertEquals(address, "127.0.0.1");
  const a = new FramedConnection(client), b = new FramedConnection(server);
  for (let i = 0; i < 100; i++) a.send(new Uint8Array([i]));
  for (let i = 0; i < 100; i++) assertEquals(await b.next(), new Uint8Array([i]));
  await a.end();
  assertEquals(await b.next(), null);
  b.close();
  await b.done;
});

Deno.test("a frame whose last part is large arrives whole, that part written as it is", async () => {
  const { client, server } = await socketPair();
  const writes = recordWrites(client);
  const a = new FramedConnection(client), b = new FramedConnection(server);
  const body = new Uint8Array(128 * 1024).map((_, i) => i % 251);
  const head = new Uint8Array([1, 2, 3]);
  a.send([head, new Uint8Array([4]), body]);
  a.send(new Uint8Array([9]));
  a.send([head, body.subarray(0, 100)]);
  assertEquals(await b.next(), new Uint8Array([1, 2, 3, 4, ...body]));
  assertEquals(await b.next(), new Uint8Array([9]));
  assertEquals(await b.next(), new Uint8Array([1, 2, 3, ...body.subarray(0, 100)]));
  // The large part in a write of its own, never joined with what comes before or after it.
  assertOk(writes.includes(body.length), `writes: ${writes}`);
  assertEquals(writes.reduce((sum, n) => sum + n, 0), 4 + 4 + body.length + 4 + 1 + 4 + 103);
  await a.end();
  b.close();
  await b.done;
});

Deno.test("frames sent together go out in one write; alone, the first goes by itself", async () => {
  const { client, server } = await socketPair();
  const writes = recordWrites(client);
  const a = new FramedConnection(client), b = new FramedConnection(server);
  a.together(() => {
    a.send(new Uint8Array(10));
    a.send(new Uint8Array(20));
  });
  assertEquals(writes, [4 + 10 + 4 + 20]);
  assertEquals((await b.next())!.length, 10);
  assertEquals((await b.next())!.length, 20);
  a.send(new Uint8Array(10));
  a.send(new Uint8Array(20));
  assertEquals(await b.next(), new Uint8Array(10));
  assertEquals(await b.next(), new Uint8Array(20));
  assertEquals(writes, [4 + 10 + 4 + 20, 4 + 10, 4 + 20]);
  // A failure inside still lets what was queued go.
  assertThrows(() =>
    a.together(() => {
      a.send(new Uint8Array([7]));
      throw new Error("boom");
    })
  );
  assertEquals(await b.next(), new Uint8Array([7]));
  a.close();
  b.close();
  await Promise.all([a.done, b.done]);
});

Deno.test("a silent peer hits the deadline", async () => {
  const { client, server } = await socketPair();
  const a = new FramedConnection(client), b = new FramedConnection(server);
  await assertRejects(() => b.next(50), (e) => e instanceof RtError && e.code === "timeout");
  a.close();
  b.close();
  await Promise.all([a.done, b.done]);
});

Deno.test("an oversize length prefix from the peer is an error on that connection only", async () => {
  const { client, server } = await socketPair();
  const b = new FramedConnection(server, { maxFrameBytes: 1024 });
  await client.write(new Uint8Array([0, 0, 0x10, 0]));
  await assertRejects(() => b.next(), (e) => e instanceof RtError && e.code === "frame-too-large");
  client.close();
  b.close();
  await b.done;
});

Deno.test("a peer that vanishes mid-frame is reported as truncation", async () => {
  const { client, server } = await socketPair();
  const b = new FramedConnection(server);
  await client.write(new Uint8Array([0, 0, 0, 10, 1, 2, 3]));
  client.close();
  await assertRejects(() => b.next(), (e) => e instanceof RtError && e.code === "frame-truncated");
  b.close();
  await b.done;
});

Deno.test("a peer that stops reading is cut off when its queue is full", async () => {
  const { client, server } = await socketPair();
  const a = new FramedConnection(client, { maxQueuedBytes: 256 * 1024 });
  const chunk = new Uint8Array(64 * 1024);
  let sent = 0;
  let error: unknown = null;
  // The peer never reads: the kernel buffers fill, then our queue, then we give up.
  while (sent < 10_000) {
    try {
      a.send(chunk);
      sent++;
      await new Promise((r) => setTimeout(r, 0));
    } catch (e) {
      error = e;
      break;
    }
  }
  assertOk(error instanceof RtError && error.code === "connection-closed", String(error));
  assertOk(a.closed);
  assertOk(sent * chunk.length > 256 * 1024, "the socket took data before the queue filled");
  assertThrows(() => a.send(chunk), (e) => e instanceof RtError);
  server.close();
  await a.done;
});

Deno.test("every pending reader settles when the connection closes", async () => {
  const { client, server } = await socketPair();
  const a = new FramedConnection(client), b = new FramedConnection(server);
  const first = b.next(), second = b.next(5000);
  a.send(new Uint8Array([1]));
  const got = await Promise.race([first, second]);
  assertEquals(got, new Uint8Array([1]));
  b.close();
  assertEquals(
    await Promise.all([first, second]).then((r) => r.filter((x) => x === null).length),
    1,
  );
  a.close();
  await Promise.all([a.done, b.done]);
});

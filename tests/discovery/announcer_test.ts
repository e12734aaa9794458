/**
 * Announcer and listener in one process, over loopback unicast (the multicast and broadcast
 * paths between machines are tested end to end in tests/e2e/find_test.ts).
 */
import dgram from "node:dgram";
import { assertEquals, assertOk } from "../assert.ts";
import {
  Announcer,
  broadcastAddress,
  decodeAnnouncement,
  listenForRooms,
  localRoutes,
  RoomBook,
  RoomListener,
} from "../../lib/discovery/mod.ts";
import { fingerprint, generateIdentity } from "../../lib/identity/keys.ts";

const key = generateIdentity().publicKey;

function toListener(port: number) {
  return () => [{ local: "127.0.0.1", destinations: [{ address: "127.0.0.1", port }] }];
}

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("announced at once, then every interval; the address is where it came from", async () => {
  const listener = await RoomListener.start({ port: 0, bind: "127.0.0.1", group: null });
  const announcer = Announcer.start({
    room: "Book club",
    host: "hana",
    port: 40000,
    publicKey: key,
    intervalMs: 50,
    routes: toListener(listener.port),
  });
  try {
    await until(() => listener.rooms().length === 1, 500);
    const [room] = listener.rooms();
    assertEquals({ ...room, firstHeard: 0, lastHeard: 0 }, {
      name: "Book club",
      host: "hana",
      address: "127.0.0.1",
      port: 40000,
      publicKey: key,
      fingerprint: fingerprint(key),
      firstHeard: 0,
      lastHeard: 0,
    });
    const first = room!.lastHeard;
    await until(() => listener.rooms()[0]!.lastHeard > first);
    assertEquals(listener.rooms().length, 1, "repeats are merged");
  } finally {
    await announcer.stop();
    await listener.close();
  }
});

Deno.test("stopping says closed: the finder drops the room; stop is idempotent", async () => {
  const listener = await RoomListener.start({ port: 0, bind: "127.0.0.1", group: null });
  const announcer = Announcer.start({
    room: "r",
    host: "hana",
    port: 40001,
    publicKey: key,
    intervalMs: 1000,
    routes: toListener(listener.port),
  });
  try {
    await until(() => listener.rooms().length === 1);
    await Promise.all([announcer.stop(), announcer.stop()]);
    await until(() => listener.rooms().length === 0);
  } finally {
    await announcer.stop();
    await listener.close();
  }
});

Deno.test("junk datagrams are ignored, the listener goes on", async () => {
  const listener = await RoomListener.start({ port: 0, bind: "127.0.0.1", group: null });
  const socket = dgram.createSocket("udp4");
  const send = (bytes: Uint8Array) =>
    new Promise<void>((resolve, reject) =>
      socket.send(bytes, listener.port, "127.0.0.1", (e) => e ? reject(e) : resolve())
    );
  const announcer = Announcer.start({
    room: "r",
    host: "hana",
    port: 40002,
    publicKey: key,
    routes: () => [],
  });
  try {
    const good = announcer.datagram;
    for (
      const junk of [
        new Uint8Array(1),
        new TextEncoder().encode("{}"),
        new Uint8Array(2000).fill(0x20),
        good.map((b, i) => i === 10 ? 0 : b),
      ]
    ) await send(junk);
    await send(good);
    await until(() => listener.rooms().length === 1);
    assertEquals(listener.rooms()[0]!.port, 40002);
  } finally {
    await announcer.stop();
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    await listener.close();
  }
});

Deno.test("listenForRooms: hears for the time given, and closes its socket", async () => {
  // Port 0: a free port nobody announces to, so nothing is heard.
  const start = Date.now();
  const rooms = await listenForRooms(300, { port: 0, bind: "127.0.0.1", group: null });
  assertEquals(rooms, []);
  assertOk(Date.now() - start >= 290);
});

Deno.test("two finders on one computer share the port", async () => {
  const a = await RoomListener.start({ port: 0, bind: "127.0.0.1", group: null });
  const b = await RoomListener.start({ port: a.port, bind: "127.0.0.1", group: null });
  assertEquals(a.port, b.port);
  await a.close();
  await b.close();
});

Deno.test("the room book: merged, newest first, closed ones dropped, capped", () => {
  const book = new RoomBook(3);
  const heard = (room: string, port: number, state: "open" | "closed" = "open") => ({
    state,
    room,
    host: "h",
    port,
    publicKey: key,
  });
  book.hear(heard("a", 1), "10.0.0.1", 100);
  book.hear(heard("b", 2), "10.0.0.1", 200);
  book.hear(heard("a renamed", 1), "10.0.0.1", 300);
  assertEquals(book.list().map((r) => [r.name, r.firstHeard, r.lastHeard]), [
    ["a renamed", 100, 300],
    ["b", 200, 200],
  ]);
  book.hear(heard("same port, other host", 1), "10.0.0.2", 400);
  book.hear(heard("full", 3), "10.0.0.3", 500);
  assertEquals(book.list().length, 3, "capped");
  book.hear(heard("b", 2, "closed"), "10.0.0.1", 600);
  assertEquals(book.list().map((r) => r.name), ["same port, other host", "a renamed"]);
  book.hear(heard("c", 4), "10.0.0.4", 700);
  assertEquals(book.list()[0]!.name, "c", "room again after one closed");
});

Deno.test("routes: every IPv4 network but loopback, or only the bound one", () => {
  const interfaces = [
    { name: "lo", family: "IPv4" as const, address: "127.0.0.1", netmask: "255.0.0.0" },
    { name: "eth0", family: "IPv4" as const, address: "192.168.1.23", netmask: "255.255.255.0" },
    { name: "eth0", family: "IPv6" as const, address: "fe80::1", netmask: "ffff:ffff:ffff:ffff::" },
    { name: "wg0", family: "IPv4" as const, address: "10.8.0.2", netmask: "255.255.255.255" },
  ];
  const group = { address: "239.255.42.99", port: 41999 };
  assertEquals(localRoutes(interfaces), [
    { local: "192.168.1.23", destinations: [group, { address: "192.168.1.255", port: 41999 }] },
    { local: "10.8.0.2", destinations: [group] },
    // And IPv6 (tests/discovery/ipv6_test.ts).
    {
      local: "fe80::1%eth0",
      interface: "eth0",
      destinations: [{ address: "ff02::7274%eth0", port: 41999 }],
    },
  ]);
  assertEquals(localRoutes(interfaces, "::"), localRoutes(interfaces));
  assertEquals(localRoutes(interfaces, "0.0.0.0"), localRoutes(interfaces).slice(0, 2));
  assertEquals(localRoutes(interfaces, "10.8.0.2").map((r) => r.local), ["10.8.0.2"]);
  assertEquals(localRoutes(interfaces, "127.0.0.1"), []);
  assertEquals(localRoutes(interfaces, "::1"), []);
  assertEquals(broadcastAddress("10.1.2.3", "255.255.0.0"), "10.1.255.255");
  assertEquals(broadcastAddress("172.16.5.9", "255.255.255.240"), "172.16.5.15");
  assertEquals(broadcastAddress("10.0.0.1", "255.255.255.254"), null);
  assertEquals(broadcastAddress("10.0.0.1", "255.0.255.0"), null);
  assertEquals(broadcastAddress("nonsense", "255.0.0.0"), null);
});

Deno.test("the datagram decodes to what was announced", () => {
  const announcer = Announcer.start({
    room: "r",
    host: "hana",
    port: 5,
    publicKey: key,
    routes: () => [],
  });
  assertEquals(decodeAnnouncement(announcer.datagram), {
    state: "open",
    room: "r",
    host: "hana",
    port: 5,
    publicKey: key,
  });
  return announcer.stop();
});

/**
 * LAN discovery over IPv6: where announcements go (one route per interface, from a routable
 * address when there is one), what address a finder lists for what it hears, one room heard
 * over both IPv4 and IPv6 listed once, and nothing lost or said when IPv6 is missing. Between
 * machines, end to end: tests/e2e/find_test.ts.
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  Announcer,
  canAnnounce,
  heardIpv6Address,
  localRoutes,
  RoomBook,
  RoomListener,
} from "../../lib/discovery/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { networkInterfaces } from "../../lib/util/mod.ts";

const key = generateIdentity().publicKey;
const otherKey = generateIdentity().publicKey;

const v4 = (name: string, address: string, netmask = "255.255.255.0") => ({
  name,
  family: "IPv4" as const,
  address,
  netmask,
});
const v6 = (name: string, address: string, netmask = "ffff:ffff:ffff:ffff::") => ({
  name,
  family: "IPv6" as const,
  address,
  netmask,
});

const to = (name: string) => [{ address: `ff02::7274%${name}`, port: 41999 }];

Deno.test("IPv6 routes: one per interface, from its routable address, else its link-local one", () => {
  const interfaces = [
    v4("lo", "127.0.0.1", "255.0.0.0"),
    v6("lo", "::1", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"),
    v4("eth0", "192.168.1.23"),
    v6("eth0", "fe80::a"),
    v6("eth0", "fd00:77::a"),
    v6("eth0", "2001:db8::a"),
    v6("wlan0", "fe80::b"),
    v6("odd0", "::ffff:10.0.0.1"),
    v6("odd0", "ff02::1"),
    v6("odd0", "nonsense"),
  ];
  assertEquals(localRoutes(interfaces).filter((r) => r.local.includes(":")), [
    { local: "fd00:77::a", interface: "eth0", destinations: to("eth0") },
    { local: "fe80::b%wlan0", interface: "wlan0", destinations: to("wlan0") },
  ]);
  // The group and port can be others (tests).
  assertEquals(localRoutes([v6("eth0", "fd00::1")], undefined, 5000, "x", "ff02::1234"), [
    {
      local: "fd00::1",
      interface: "eth0",
      destinations: [{ address: "ff02::1234%eth0", port: 5000 }],
    },
  ]);
  // No IPv6 at all: IPv4 exactly as before.
  assertEquals(localRoutes([v4("eth0", "192.168.1.23")]), [{
    local: "192.168.1.23",
    destinations: [
      { address: "239.255.42.99", port: 41999 },
      { address: "192.168.1.255", port: 41999 },
    ],
  }]);
});

Deno.test("IPv6 routes respect bind: its address alone, IPv4 binds none, loopback nothing", () => {
  const interfaces = [
    v4("eth0", "192.168.1.23"),
    v6("eth0", "fe80::a"),
    v6("eth0", "fd00:77::a"),
    v6("eth0", "2001:db8::a"),
    v6("wlan0", "fe80::a"),
  ];
  const locals = (bind?: string) => localRoutes(interfaces, bind).map((r) => r.local);
  assertEquals(locals(), ["192.168.1.23", "fd00:77::a", "fe80::a%wlan0"]);
  assertEquals(locals("::"), locals());
  assertEquals(locals("0.0.0.0"), ["192.168.1.23"]);
  assertEquals(locals("192.168.1.23"), ["192.168.1.23"]);
  // Bound to one IPv6 address (however written): sent from it, out of its interface.
  assertEquals(localRoutes(interfaces, "2001:DB8:0::a"), [
    { local: "2001:db8::a", interface: "eth0", destinations: to("eth0") },
  ]);
  assertEquals(locals("fe80::a%wlan0"), ["fe80::a%wlan0"]);
  assertEquals(locals("fe80::a%eth0"), ["fe80::a%eth0"]);
  assertEquals(locals("fd00:77::99"), [], "an address this computer does not have");
  for (const bind of ["::1", "127.0.0.1", "::ffff:127.0.0.1", "::ffff:192.168.1.23", "ff02::1"]) {
    assertEquals(locals(bind), [], bind);
  }
});

Deno.test("canAnnounce: every address, IPv4 or IPv6 unicast; not loopback, not the rest", () => {
  for (const bind of [undefined, "0.0.0.0", "::", "192.168.1.2", "fd00::1", "fe80::1%eth0"]) {
    assertOk(canAnnounce(bind), `${bind}`);
  }
  for (const bind of ["127.0.0.1", "::1", "::ffff:10.0.0.1", "ff02::7274", "localhost", "x:y"]) {
    assertOk(!canAnnounce(bind), bind);
  }
});

Deno.test("the address heard over IPv6: routable as is, link-local with the zone heard on", () => {
  assertEquals(heardIpv6Address("fd00:77::1", "eth0"), "fd00:77::1");
  assertEquals(heardIpv6Address("2001:db8::1", null), "2001:db8::1");
  assertEquals(heardIpv6Address("fe80::1", "eth0"), "fe80::1%eth0");
  assertEquals(heardIpv6Address("fe80::1%eth1", null), "fe80::1%eth1", "the system's zone");
  assertEquals(heardIpv6Address("fe80::1%eth1", "eth0"), "fe80::1%eth0", "where it was heard");
  assertEquals(heardIpv6Address("fe80::1%7", null), "fe80::1%7");
  // Not a room's address, or not one that could be joined (the zone is typed, so plain).
  for (
    const [address, zone] of [
      ["fe80::1", null],
      ["fe80::1", "eth 0"],
      ["fe80::1", ""],
      ["fe80::1", "a\u001b[31m"],
      ["::1", "lo"],
      ["::", "eth0"],
      ["::ffff:10.0.0.1", "eth0"],
      ["ff02::1", "eth0"],
      ["10.0.0.1", "eth0"],
      ["not an address", "eth0"],
    ] as const
  ) assertEquals(heardIpv6Address(address, zone), null, `${address} ${zone}`);
});

Deno.test("the room book: a room heard over IPv4 and IPv6 is listed once, at IPv4", () => {
  const heard = (port: number, state: "open" | "closed" = "open", publicKey = key) => ({
    state,
    room: "r",
    host: "h",
    port,
    publicKey,
  });
  const book = new RoomBook();
  const list = () => book.list().map((r) => `${r.address} ${r.port}`);
  book.hear(heard(1), "fe80::1%eth0", 100);
  assertEquals(list(), ["fe80::1%eth0 1"], "heard over IPv6 only: listed there");
  book.hear(heard(1), "fd00::1", 150);
  assertEquals(list(), ["fd00::1 1"], "two IPv6 addresses: the routable one");
  book.hear(heard(1), "fd00::2", 160);
  assertEquals(list(), ["fd00::1 1"], "the first heard of two routable ones");
  book.hear(heard(1), "10.0.0.1", 200);
  assertEquals(list(), ["10.0.0.1 1"], "and over IPv4 too: listed at IPv4");
  book.hear(heard(1), "fd00::1", 300);
  assertEquals(list(), ["10.0.0.1 1"], "still at IPv4, however recent the IPv6 one");
  // Another port, or another key, is another room.
  book.hear(heard(2), "fd00::1", 400);
  book.hear(heard(1, "open", otherKey), "fd00::9", 500);
  assertEquals(list(), ["fd00::9 1", "fd00::1 2", "10.0.0.1 1"]);
  // Two IPv4 addresses stay two entries, as before.
  book.hear(heard(1), "10.0.0.2", 600);
  assertEquals(list(), ["10.0.0.2 1", "fd00::9 1", "fd00::1 2", "10.0.0.1 1"]);
  // Closed over IPv4 only: the IPv6 address it was heard at is listed again.
  book.hear(heard(1, "closed"), "10.0.0.1", 700);
  book.hear(heard(1, "closed"), "10.0.0.2", 700);
  assertEquals(list(), ["fd00::9 1", "fd00::1 2", "fd00::1 1"]);
  for (const address of ["fe80::1%eth0", "fd00::1", "fd00::2"]) {
    book.hear(heard(1, "closed"), address, 800);
  }
  assertEquals(list(), ["fd00::9 1", "fd00::1 2"]);
});

async function until(ok: () => boolean, timeoutMs = 5000): Promise<void> {
  const start = Date.now();
  while (!ok()) {
    if (Date.now() - start > timeoutMs) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

Deno.test("no IPv6, or IPv6 that fails: IPv4 is heard as before, and nothing is thrown", async () => {
  for (
    const interfaces of [
      [],
      // Not an interface here: its sockets cannot be bound nor the group joined.
      [v6("rt-none0", "fd00:dead::1"), v6("rt-none1", "fe80::1")],
    ]
  ) {
    const listener = await RoomListener.start({
      port: 0,
      group: null,
      interfaces: () => interfaces,
    });
    const announcer = Announcer.start({
      room: "r",
      host: "hana",
      port: 40100,
      publicKey: key,
      intervalMs: 50,
      routes: () => [
        // Cannot be bound here: mute, tried again each time, and no harm to the rest.
        { local: "fd00:dead::1", interface: "rt-none0", destinations: to("rt-none0") },
        { local: "127.0.0.1", destinations: [{ address: "127.0.0.1", port: listener.port }] },
      ],
    });
    try {
      await until(() => listener.rooms().length === 1);
      assertEquals(listener.rooms()[0]!.address, "127.0.0.1");
    } finally {
      await announcer.stop();
      await listener.close();
    }
  }
});

/** This computer's interfaces with a routable IPv6 address, if any. */
const ipv6Here = networkInterfaces().filter((i) =>
  i.family === "IPv6" && !/^(::1$|fe80:)/i.test(i.address)
);

Deno.test({
  name: "over IPv6 on this computer: announced to the group, heard at the routable address",
  ignore: ipv6Here.length === 0,
  async fn() {
    const interfaces = networkInterfaces();
    // Port 0: a free port, shared by the listener's IPv4 and IPv6 sockets.
    const listener = await RoomListener.start({
      port: 0,
      group: null,
      interfaces: () => interfaces,
    });
    const routes = () =>
      localRoutes(interfaces, undefined, listener.port).filter((r) => r.local.includes(":"));
    const announcer = Announcer.start({
      room: "r",
      host: "hana",
      port: 40101,
      publicKey: key,
      intervalMs: 50,
      routes,
    });
    try {
      await until(() => listener.rooms().length === 1);
      const [room] = listener.rooms();
      assertOk(routes().some((r) => r.local === room!.address), room!.address);
      await announcer.stop();
      await until(() => listener.rooms().length === 0);
    } finally {
      await announcer.stop();
      await listener.close();
    }
  },
});

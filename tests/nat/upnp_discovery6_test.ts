/**
 * SSDP discovery over IPv6 (`family: 6`), against a device on [::1] that stands for the LAN's
 * multicast group: what is searched for, and which answers count. A router answers from its
 * link-local address and names a description on its global one, so an answer counts when its
 * sender or its LOCATION's host is a router's address (`from`), or, with `anyone`, whenever
 * its LOCATION is on an IPv6 address that needs no zone; a description on a link-local or
 * IPv4 host never counts. Here the sender is always ::1.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk } from "../assert.ts";
import { discoverLocations, FIREWALL_SERVICE } from "../../lib/nat/upnp.ts";

/** Whether this machine can bind ::1 over UDP (a container may have no IPv6 loopback). */
async function canBindIpv6Loopback(): Promise<boolean> {
  const socket = dgram.createSocket({ type: "udp6" });
  const bound = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind(0, "::1", () => resolve(true));
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return bound;
}
const ignore = !(await canBindIpv6Loopback());

/** An SSDP answer to a search, naming `location`. */
function answer(location: string, status = "200 OK"): string {
  return `HTTP/1.1 ${status}\r\nCACHE-CONTROL: max-age=120\r\nEXT:\r\nST: ${FIREWALL_SERVICE}\r\n` +
    `USN: uuid:x::${FIREWALL_SERVICE}\r\nLOCATION: ${location}\r\nSERVER: lab UPnP/1.1\r\n\r\n`;
}

/** An SSDP announcement naming `location`. */
function notify(location: string): string {
  return `NOTIFY * HTTP/1.1\r\nHOST: [FF02::C]:1900\r\nNT: ${FIREWALL_SERVICE}\r\n` +
    `NTS: ssdp:alive\r\nUSN: uuid:x::${FIREWALL_SERVICE}\r\nLOCATION: ${location}\r\n\r\n`;
}

/**
 * A device on [::1] that hears every search and sends back `messages` (in order, a few ms
 * apart, so that a later one cannot be taken before an earlier one was judged).
 */
async function device(messages: string[]) {
  const socket = dgram.createSocket({ type: "udp6" });
  const searches: string[] = [];
  socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    searches.push(message.toString("latin1"));
    messages.forEach((text, i) => {
      setTimeout(() => socket.send(Buffer.from(text, "latin1"), from.port, from.address), i);
    });
  });
  const port = await new Promise<number>((resolve) =>
    socket.bind(0, "::1", () => resolve(socket.address().port))
  );
  return {
    target: { address: "::1", port },
    searches,
    [Symbol.asyncDispose]: async () => {
      // Lets the answers still on their way be sent before the socket closes.
      await new Promise((resolve) => setTimeout(resolve, messages.length + 20));
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

Deno.test({
  name: "over IPv6, the firewall control service is searched for on SSDP's link-local group",
  ignore,
  fn: async () => {
    await using router = await device([answer("http://[2001:db8:77::1]:5000/rootDesc.xml")]);
    const found = await discoverLocations(1500, {
      from: ["::1"],
      family: 6,
      target: router.target,
    });
    assertEquals(found, ["http://[2001:db8:77::1]:5000/rootDesc.xml"]);
    assertOk(router.searches.length >= 1);
    const targets = new Set<string>();
    for (const search of router.searches) {
      const lines = search.split("\r\n");
      assertEquals(lines[0], "M-SEARCH * HTTP/1.1");
      assertOk(lines.includes("HOST: [FF02::C]:1900"), search);
      assertOk(lines.includes('MAN: "ssdp:discover"'), search);
      assertOk(lines.includes("MX: 1"), search);
      assertOk(search.endsWith("\r\n\r\n"), search);
      for (const line of lines) if (line.startsWith("ST: ")) targets.add(line.slice(4));
    }
    assertEquals([...targets].sort(), [
      "urn:schemas-upnp-org:device:InternetGatewayDevice:2",
      "urn:schemas-upnp-org:service:WANIPv6FirewallControl:1",
    ]);
  },
});

Deno.test({
  name: "the router's own answers count wherever they point, but a link-local or IPv4 host",
  ignore,
  fn: async () => {
    await using router = await device([
      answer("http://[fe80::1]:5000/link-local.xml"),
      answer("http://[FE80::0001]:5000/link-local-spelled-otherwise.xml"),
      answer("http://[fe80::1%25eth0]:5000/zone.xml"),
      answer("http://127.0.0.1:5000/ipv4.xml"),
      answer("http://10.77.0.1:5000/ipv4.xml"),
      answer("http://router.lan:5000/by-name.xml"),
      answer("http://user:pw@[2001:db8:77::1]:5000/credentials.xml"),
      answer("ftp://[2001:db8:77::1]/not-http.xml"),
      answer("http://[2001:db8:77::1]:5000/not-found.xml", "404 Not Found"),
      "M-SEARCH * HTTP/1.1\r\nLOCATION: http://[2001:db8:77::1]:5000/a-search.xml\r\n\r\n",
      answer("http://[2001:db8:77::1]:5000/rootDesc.xml"),
      answer("http://[2001:db8:77::99]:5000/elsewhere.xml"),
    ]);
    const found = await discoverLocations(1500, {
      from: ["::1"],
      family: 6,
      target: router.target,
    });
    assertEquals(found.sort(), [
      "http://[2001:db8:77::1]:5000/rootDesc.xml",
      "http://[2001:db8:77::99]:5000/elsewhere.xml",
    ]);
  },
});

Deno.test({
  name: "an answer from elsewhere counts only when it names a description on a router",
  ignore,
  fn: async () => {
    // The routers are 2001:db8:77::1 and fe80::1; the answers come from ::1, neither of them.
    await using someone = await device([
      answer("http://[2001:db8:77::99]:5000/not-a-router.xml"),
      answer("http://[fe80::1]:5000/a-router-but-link-local.xml"),
      answer("http://[::1]:5000/the-sender-itself.xml"),
      answer("http://127.0.0.1:5000/ipv4.xml"),
      answer("http://[2001:db8:77::1]:5000/rootDesc.xml"),
      // The same router, spelled otherwise: one description, in the URL's own spelling.
      notify("http://[2001:0DB8:77:0:0:0:0:1]:5000/announced.xml"),
    ]);
    const found = await discoverLocations(1500, {
      from: ["2001:db8:77::1", "fe80::1"],
      family: 6,
      target: someone.target,
    });
    assertEquals(found.sort(), [
      "http://[2001:db8:77::1]:5000/announced.xml",
      "http://[2001:db8:77::1]:5000/rootDesc.xml",
    ]);
  },
});

Deno.test({
  name: "nothing from elsewhere about elsewhere: the search ends empty when it times out",
  ignore,
  fn: async () => {
    await using someone = await device([
      answer("http://[2001:db8:77::99]:5000/not-a-router.xml"),
      answer("http://[fe80::1]:5000/link-local.xml"),
    ]);
    const started = Date.now();
    const found = await discoverLocations(500, {
      from: ["2001:db8:77::1"],
      family: 6,
      target: someone.target,
    });
    assertEquals(found, []);
    assertOk(Date.now() - started >= 450, "it waited for the timeout");
    assertOk(someone.searches.length >= 1, "it did search");
  },
});

Deno.test({
  name: "the routers' addresses are compared in canonical form, whatever their spelling",
  ignore,
  fn: async () => {
    await using router = await device([answer("http://[2001:db8:77::1]:5000/rootDesc.xml")]);
    // The sender, ::1, spelled out in full.
    assertEquals(
      await discoverLocations(1500, {
        from: ["0:0:0:0:0:0:0:1"],
        family: 6,
        target: router.target,
      }),
      ["http://[2001:db8:77::1]:5000/rootDesc.xml"],
    );
    // The LOCATION's host, spelled otherwise.
    assertEquals(
      await discoverLocations(1500, {
        from: ["2001:0DB8:0077:0000::0001"],
        family: 6,
        target: router.target,
      }),
      ["http://[2001:db8:77::1]:5000/rootDesc.xml"],
    );
  },
});

Deno.test({
  name: "anyone: every description on an IPv6 address that needs no zone counts",
  ignore,
  fn: async () => {
    await using someone = await device([
      answer("http://[fe80::1]:5000/link-local.xml"),
      answer("http://[febf::1]:5000/link-local-too.xml"),
      answer("http://127.0.0.1:5000/ipv4.xml"),
      answer("http://router.lan:5000/by-name.xml"),
      answer("http://[2001:db8:77::99]:5000/rootDesc.xml"),
      answer("http://[fd00::1]:5000/unique-local.xml"),
    ]);
    const found = await discoverLocations(1500, {
      from: [],
      family: 6,
      anyone: true,
      target: someone.target,
    });
    assertEquals(found.sort(), [
      "http://[2001:db8:77::99]:5000/rootDesc.xml",
      "http://[fd00::1]:5000/unique-local.xml",
    ]);
  },
});

Deno.test({
  name: "anyone: a description on an IPv4-mapped address is on an IPv4 host, and refused",
  ignore,
  fn: async () => {
    await using someone = await device([
      answer("http://[::ffff:10.77.0.1]:5000/ipv4-mapped.xml"),
      answer("http://[::ffff:7f00:1]:5000/ipv4-mapped-in-hex.xml"),
      answer("http://[2001:db8:77::1]:5000/rootDesc.xml"),
    ]);
    const found = await discoverLocations(1500, {
      from: [],
      family: 6,
      anyone: true,
      target: someone.target,
    });
    assertEquals(found, ["http://[2001:db8:77::1]:5000/rootDesc.xml"]);
  },
});

Deno.test({
  name: "at most 16 descriptions are kept, however many are named",
  ignore,
  fn: async () => {
    const locations = Array.from(
      { length: 40 },
      (_, i) => `http://[2001:db8:77::${(i + 1).toString(16)}]:5000/rootDesc.xml`,
    );
    await using flood = await device(locations.map((l) => answer(l)));
    const found = await discoverLocations(1500, {
      from: ["::1"],
      family: 6,
      target: flood.target,
    });
    assertEquals(found.length, 16);
    assertEquals(new Set(found).size, 16);
    for (const location of found) assertOk(locations.includes(location), location);
  },
});

Deno.test({
  name: "with no one to hear, or nowhere to search, nothing is searched for",
  ignore,
  fn: async () => {
    await using anyone = await device([answer("http://[2001:db8:77::1]:5000/rootDesc.xml")]);
    const started = Date.now();
    assertEquals(
      await discoverLocations(1000, { from: [], family: 6, target: anyone.target }),
      [],
    );
    // No interface to search on: SSDP's group ff02::c needs one.
    assertEquals(
      await discoverLocations(1000, { from: ["::1"], family: 6, interfaces: [] }),
      [],
    );
    assertEquals(await discoverLocations(1000, { from: ["::1"], family: 6 }), []);
    assertOk(Date.now() - started < 500, "it did not wait");
    assertEquals(anyone.searches, []);
  },
});

Deno.test({
  name: "a search given up on ends at once",
  ignore,
  fn: async () => {
    await using quiet = await device([]);
    const controller = new AbortController();
    const started = Date.now();
    const searching = discoverLocations(5000, {
      from: ["::1"],
      family: 6,
      target: quiet.target,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(), 100);
    assertEquals(await searching, []);
    assertOk(Date.now() - started < 1000, `${Date.now() - started} ms`);
  },
});

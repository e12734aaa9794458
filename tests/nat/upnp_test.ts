/**
 * UPnP against hostile devices on the LAN: only the default gateway's answers to the search
 * count, its description is fetched without following redirects, and its control URL must be
 * on the description's own origin. Real sockets on loopback: the "gateway" is 127.0.0.1, a
 * hostile device 127.0.0.2.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk } from "../assert.ts";
import { describeGateway, discoverLocations } from "../../lib/nat/upnp.ts";

const SERVICE = "urn:schemas-upnp-org:service:WANIPConnection:2";

function description(control: string, urlBase?: string): string {
  return `<?xml version="1.0"?>
<root xmlns="urn:schemas-upnp-org:device-1-0">${urlBase ? `<URLBase>${urlBase}</URLBase>` : ""}
<device><deviceType>urn:schemas-upnp-org:device:InternetGatewayDevice:2</deviceType>
<deviceList><device><deviceList><device><serviceList><service>
<serviceType>${SERVICE}</serviceType><serviceId>urn:upnp-org:serviceId:WANIPConn1</serviceId>
<controlURL>${control}</controlURL><eventSubURL>/evt</eventSubURL><SCPDURL>/scpd.xml</SCPDURL>
</service></serviceList></device></deviceList></device></deviceList></device></root>`;
}

/** An HTTP server on `hostname` that answers with `handler` and keeps every path asked for. */
function httpDevice(hostname: string, handler: (url: URL) => Response) {
  const requests: string[] = [];
  const server = Deno.serve({ hostname, port: 0, onListen: () => {} }, (request) => {
    const url = new URL(request.url);
    requests.push(url.pathname);
    return handler(url);
  });
  return {
    origin: `http://${hostname}:${server.addr.port}`,
    port: server.addr.port,
    requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const xml = (text: string) => new Response(text, { headers: { "content-type": "text/xml" } });

Deno.test("a control URL elsewhere than the description's origin is refused", async () => {
  await using hostile = httpDevice("127.0.0.2", () => xml("<ok/>"));
  const cases: [string, string | undefined][] = [
    [`${hostile.origin}/ctl`, undefined], // another host
    [`//127.0.0.2:${hostile.port}/ctl`, undefined], // the same, without a scheme
    ["http://127.0.0.1:1/ctl", undefined], // the gateway's host, another port
    ["https://127.0.0.1/ctl", undefined], // another scheme
    ["file:///etc/passwd", undefined],
  ];
  for (const [control, base] of cases) {
    await using gateway = httpDevice("127.0.0.1", () => xml(description(control, base)));
    const service = await describeGateway(`${gateway.origin}/rootDesc.xml`);
    assertEquals(service, null, control);
  }
  assertEquals(hostile.requests, []);
});

Deno.test("a URLBase elsewhere is ignored: relative control URLs stay on the gateway", async () => {
  await using hostile = httpDevice("127.0.0.2", () => xml("<ok/>"));
  await using gateway = httpDevice(
    "127.0.0.1",
    () => xml(description("/ctl", `${hostile.origin}/`)),
  );
  const service = await describeGateway(`${gateway.origin}/rootDesc.xml`);
  assertEquals(service?.controlUrl, `${gateway.origin}/ctl`);
});

Deno.test("control URLs on the gateway's own origin are taken, relative or absolute", async () => {
  for (const control of ["/ctl/IPConn", "ctl/IPConn", "ORIGIN/ctl/IPConn"]) {
    let origin = "";
    await using gateway = httpDevice(
      "127.0.0.1",
      () => xml(description(control.replace("ORIGIN", origin))),
    );
    origin = gateway.origin;
    const service = await describeGateway(`${gateway.origin}/desc/rootDesc.xml`);
    const expected = control === "ctl/IPConn"
      ? `${gateway.origin}/desc/ctl/IPConn`
      : `${gateway.origin}/ctl/IPConn`;
    assertEquals(service?.controlUrl, expected, control);
    assertEquals(service?.igdVersion, 2);
  }
});

Deno.test("a description that redirects elsewhere is not followed", async () => {
  await using hostile = httpDevice("127.0.0.2", () => xml(description("/ctl")));
  await using gateway = httpDevice(
    "127.0.0.1",
    () => Response.redirect(`${hostile.origin}/rootDesc.xml`, 302),
  );
  const service = await describeGateway(`${gateway.origin}/rootDesc.xml`).catch(() => null);
  assertEquals(service, null);
  assertEquals(hostile.requests, [], "the hostile device was never asked");
});

/** A device answering SSDP searches from `address` with the given LOCATION lines. */
function ssdpDevice(address: string, locations: (from: { port: number }) => string[]) {
  const socket = dgram.createSocket({ type: "udp4" });
  const searches: string[] = [];
  const ready = new Promise<number>((resolve) =>
    socket.bind(0, address, () => {
      resolve(socket.address().port);
    })
  );
  return {
    ready,
    searches,
    socket,
    /** Answers `to` (the searcher) with every location. */
    answer(to: { address: string; port: number }) {
      for (const location of locations(to)) {
        const text = `HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: ${SERVICE}\r\n` +
          `USN: uuid:x::${SERVICE}\r\nLOCATION: ${location}\r\n\r\n`;
        socket.send(Buffer.from(text), to.port, to.address);
      }
    },
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

Deno.test("only the default gateway's answers to the search count, about itself", async () => {
  const hostile = ssdpDevice("127.0.0.2", () => [
    "http://127.0.0.2:5000/rootDesc.xml",
    "http://127.0.0.1:5000/spoofed-from-elsewhere.xml",
  ]);
  const gateway = ssdpDevice("127.0.0.1", () => [
    "http://127.0.0.1:5000/rootDesc.xml",
    // The gateway pointing at another device: not followed either.
    "http://127.0.0.2:5000/elsewhere.xml",
    "http://localhost:5000/by-name.xml",
  ]);
  const port = await gateway.ready;
  await hostile.ready;
  // The "multicast group" of this test is the gateway's socket: the hostile device hears every
  // search too (as on a real LAN) and answers first.
  gateway.socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    gateway.searches.push(message.toString("latin1"));
    hostile.answer(from);
    setTimeout(() => gateway.answer(from), 20);
  });
  try {
    const found = await discoverLocations(1500, {
      from: ["127.0.0.1"],
      target: { address: "127.0.0.1", port },
    });
    assertEquals(found, ["http://127.0.0.1:5000/rootDesc.xml"]);
    assertOk(gateway.searches.some((s) => s.startsWith("M-SEARCH * HTTP/1.1")));
  } finally {
    await gateway.close();
    await hostile.close();
  }
});

Deno.test("with no gateway known, nothing is searched for nor accepted", async () => {
  const anyone = ssdpDevice("127.0.0.1", () => ["http://127.0.0.1:5000/rootDesc.xml"]);
  const port = await anyone.ready;
  anyone.socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    anyone.searches.push(message.toString("latin1"));
    anyone.answer(from);
  });
  try {
    const found = await discoverLocations(300, {
      from: [],
      target: { address: "127.0.0.1", port },
    });
    assertEquals(found, []);
    assertEquals(anyone.searches, []);
  } finally {
    await anyone.close();
  }
});

Deno.test("a description that never ends is read only so far", async () => {
  let sent = 0;
  await using gateway = httpDevice("127.0.0.1", () => {
    const head = new TextEncoder().encode(description("/ctl"));
    const filler = new Uint8Array(64 * 1024).fill(0x20);
    return new Response(
      new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(head);
        },
        pull(controller) {
          // Ends after 64 MiB, so that a reader without a bound fails here rather than never.
          if (sent >= 64 * 1024 * 1024) return controller.close();
          sent += filler.length;
          controller.enqueue(filler);
        },
      }),
      { headers: { "content-type": "text/xml" } },
    );
  });
  const service = await describeGateway(`${gateway.origin}/rootDesc.xml`, 60_000);
  assertEquals(service?.controlUrl, `${gateway.origin}/ctl`);
  assertOk(sent < 16 * 1024 * 1024, `${sent} bytes were sent`);
});

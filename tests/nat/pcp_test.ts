/**
 * The PCP client (RFC 6887, MAP for TCP): the request's bytes against the RFC's layout, the
 * addresses it carries, how it reads answers, and a PCP server on loopback (127.0.0.1 and ::1,
 * on a port of its own) that answers, refuses, speaks only NAT-PMP, forges, or keeps silent.
 * Deno's resource sanitizer fails any test that leaves the client's socket open.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk, assertRejects, assertThrows } from "../assert.ts";
import {
  addressToBytes,
  bytesToAddress,
  decodeMapResponse,
  encodeMapRequest,
  PCP_PORT,
  PcpError,
  pcpMap,
  type PcpMapRequest,
  pcpNonce,
  PcpUnsupportedError,
} from "../../lib/nat/pcp.ts";
import { fromHex, toHex } from "../../lib/util/mod.ts";

const NONCE = fromHex("000102030405060708090a0b");

/** Whether this machine can bind `address` (a container may have no IPv6 loopback). */
async function canBind(address: string): Promise<boolean> {
  const socket = dgram.createSocket({ type: address.includes(":") ? "udp6" : "udp4" });
  const bound = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind(0, address, () => resolve(true));
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return bound;
}
const noIpv6 = !(await canBind("::1"));

Deno.test("a MAP request for IPv4: 60 bytes, laid out as RFC 6887 7.1 and 11.1 say", () => {
  const bytes = encodeMapRequest({
    client: "192.168.1.23",
    internalPort: 41234,
    suggestedExternalPort: 41234,
    lifetimeSeconds: 3600,
    nonce: NONCE,
  });
  const expected = "02" + // version 2
    "01" + // R = 0 (a request), opcode 1 (MAP)
    "0000" + // reserved
    "00000e10" + // requested lifetime 3600
    "00000000000000000000ffffc0a80117" + // client IP ::ffff:192.168.1.23
    "000102030405060708090a0b" + // nonce
    "06" + // protocol TCP
    "000000" + // reserved
    "a112" + // internal port 41234
    "a112" + // suggested external port 41234
    "00000000000000000000ffff00000000"; // suggested external address ::ffff:0.0.0.0
  assertEquals(toHex(bytes), expected);
  assertEquals(bytes.length, 60);
});

Deno.test("a MAP request for IPv6: the deletion, and a suggested address", () => {
  const deletion = encodeMapRequest({
    client: "2001:db8:77::2",
    internalPort: 80,
    suggestedExternalPort: 0,
    lifetimeSeconds: 0,
    nonce: NONCE,
  });
  assertEquals(
    toHex(deletion),
    "0201000000000000" + "20010db8007700000000000000000002" +
      "000102030405060708090a0b" + "06000000" + "0050" + "0000" +
      "00000000000000000000000000000000", // ::
  );
  const suggested = encodeMapRequest({
    client: "2001:db8:77::2",
    internalPort: 65535,
    suggestedExternalPort: 1,
    suggestedExternalAddress: "2001:db8:77::2",
    lifetimeSeconds: 0xffffffff,
    nonce: NONCE,
  });
  assertEquals(toHex(suggested.subarray(4, 8)), "ffffffff");
  assertEquals(toHex(suggested.subarray(40)), "ffff0001" + "20010db8007700000000000000000002");
});

Deno.test("a request with a bad field is not sent", () => {
  const good = {
    client: "10.0.0.2",
    internalPort: 80,
    suggestedExternalPort: 0,
    lifetimeSeconds: 60,
    nonce: NONCE,
  };
  encodeMapRequest(good);
  assertThrows(() => encodeMapRequest({ ...good, nonce: NONCE.subarray(1) }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, internalPort: 0 }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, internalPort: 65536 }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, suggestedExternalPort: -1 }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, lifetimeSeconds: 2 ** 32 }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, lifetimeSeconds: 1.5 }), isRange);
  assertThrows(() => encodeMapRequest({ ...good, client: "router.lan" }), isType);
  assertThrows(() => encodeMapRequest({ ...good, client: "10.0.0.256" }), isType);
  assertThrows(() => encodeMapRequest({ ...good, suggestedExternalAddress: "1::2::3" }), isType);
});

function isRange(e: unknown): boolean {
  return e instanceof RangeError;
}

function isType(e: unknown): boolean {
  return e instanceof TypeError;
}

Deno.test("addresses to PCP's 16 bytes and back", () => {
  const cases: [string, string, string][] = [
    // text, bytes, text back
    ["10.77.0.2", "00000000000000000000ffff0a4d0002", "10.77.0.2"],
    ["0.0.0.0", "00000000000000000000ffff00000000", "0.0.0.0"],
    ["::ffff:100.64.0.2", "00000000000000000000ffff64400002", "100.64.0.2"],
    ["::", "00000000000000000000000000000000", "::"],
    ["::1", "00000000000000000000000000000001", "::1"],
    ["2001:DB8:77::2", "20010db8007700000000000000000002", "2001:db8:77::2"],
    ["fe80::1%eth0", "fe800000000000000000000000000001", "fe80::1"],
    ["2001:db8:0:1:1:1:1:1", "20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"],
    ["2001:0:0:1:0:0:0:1", "20010000000000010000000000000001", "2001:0:0:1::1"],
    ["2001:db8:0:0:1:0:0:1", "20010db8000000000001000000000001", "2001:db8::1:0:0:1"],
    ["1:0:0:0:0:0:0:0", "00010000000000000000000000000000", "1::"],
    ["::1.2.3.4", "00000000000000000000000001020304", "::102:304"],
  ];
  for (const [text, hex, back] of cases) {
    assertEquals(toHex(addressToBytes(text)), hex, text);
    assertEquals(bytesToAddress(fromHex(hex)), back, hex);
  }
  for (
    const bad of ["", "1.2.3", "1.2.3.4.5", "256.0.0.1", "localhost", "::g", "1:2:3:4:5:6:7:8:9"]
  ) {
    assertThrows(() => addressToBytes(bad), isType);
  }
  assertThrows(() => bytesToAddress(new Uint8Array(4)), isRange);
});

Deno.test("IPv6 text as the WHATWG URL serializer writes it, for random addresses", () => {
  for (let n = 0; n < 3000; n++) {
    const bytes = crypto.getRandomValues(new Uint8Array(16));
    // Mostly zero groups, for runs of every length in every place.
    for (let g = 0; g < 8; g++) if (Math.random() < 0.6) bytes.fill(0, 2 * g, 2 * g + 2);
    const text = bytesToAddress(bytes);
    assertEquals(addressToBytes(text), bytes, text);
    const mapped = toHex(bytes).startsWith("00000000000000000000ffff");
    if (!mapped) assertEquals(text, new URL(`http://[${text}]/`).hostname.slice(1, -1));
  }
});

Deno.test("a nonce is 12 random bytes", () => {
  const [a, b] = [pcpNonce(), pcpNonce()];
  assertEquals([a.length, b.length], [12, 12]);
  assertOk(toHex(a) !== toHex(b));
  assertEquals(PCP_PORT, 5351);
});

/** A MAP response to `request` (as the server echoes it), with these fields. */
function response(request: Uint8Array, fields: {
  result?: number;
  lifetime?: number;
  epoch?: number;
  port?: number;
  address?: string;
} = {}): Uint8Array {
  const bytes = new Uint8Array(60);
  const view = new DataView(bytes.buffer);
  bytes[0] = 2;
  bytes[1] = 0x81;
  bytes[3] = fields.result ?? 0;
  view.setUint32(4, fields.lifetime ?? 3600);
  view.setUint32(8, fields.epoch ?? 1234);
  bytes.set(request.subarray(24, 60), 24); // nonce, protocol, reserved, internal port, ...
  view.setUint16(42, fields.port ?? 41234);
  bytes.set(addressToBytes(fields.address ?? "11.22.33.1"), 44);
  return bytes;
}

/** `bytes` with `hex` written at `offset`. */
function patched(bytes: Uint8Array, offset: number, hex: string): Uint8Array {
  const copy = bytes.slice();
  copy.set(fromHex(hex), offset);
  return copy;
}

const MAPPING = {
  client: "10.77.0.2",
  internalPort: 41234,
  suggestedExternalPort: 41234,
  lifetimeSeconds: 3600,
  nonce: NONCE,
};
const REQUEST = encodeMapRequest(MAPPING);
const GRANTED = response(REQUEST);

Deno.test("reading answers: a grant, refusals, and no PCP", () => {
  assertEquals(decodeMapResponse(GRANTED, MAPPING), {
    externalAddress: "11.22.33.1",
    externalPort: 41234,
    lifetimeSeconds: 3600,
    epochSeconds: 1234,
  });
  const v6 = response(REQUEST, { address: "2001:db8:77::2", lifetime: 7200, epoch: 0, port: 1 });
  assertEquals(decodeMapResponse(v6, MAPPING), {
    externalAddress: "2001:db8:77::2",
    externalPort: 1,
    lifetimeSeconds: 7200,
    epochSeconds: 0,
  });
  // Options after the payload (RFC 6887 7.3) are no reason to throw the answer away.
  const withOption = new Uint8Array(80);
  withOption.set(GRANTED);
  assertEquals(decodeMapResponse(withOption, MAPPING), decodeMapResponse(GRANTED, MAPPING));

  const cgnat = decodeMapResponse(response(REQUEST, { result: 8, address: "100.64.0.2" }), MAPPING);
  assertOk(cgnat instanceof PcpError);
  assertEquals([cgnat.resultCode, cgnat.externalAddress], [8, "100.64.0.2"]);
  assertEquals(cgnat.message, "The router answered: no resources (PCP NO_RESOURCES)");
  for (const zeros of ["0.0.0.0", "::"]) {
    const refused = decodeMapResponse(response(REQUEST, { result: 2, address: zeros }), MAPPING);
    assertOk(refused instanceof PcpError);
    assertEquals([refused.resultCode, refused.externalAddress], [2, null]);
    assertEquals(refused.message, "The router answered: not authorized (PCP NOT_AUTHORIZED)");
  }
  const names: [number, string][] = [
    [3, "malformed request (PCP MALFORMED_REQUEST)"],
    [4, "unsupported opcode (PCP UNSUPP_OPCODE)"],
    [7, "network failure (PCP NETWORK_FAILURE)"],
    [9, "unsupported protocol (PCP UNSUPP_PROTOCOL)"],
    [10, "user exceeded quota (PCP USER_EX_QUOTA)"],
    [11, "cannot provide the suggested external address or port (PCP CANNOT_PROVIDE_EXTERNAL)"],
    [12, "address mismatch (PCP ADDRESS_MISMATCH)"],
    [13, "excessive remote peers (PCP EXCESSIVE_REMOTE_PEERS)"],
    [200, "result 200 (PCP)"],
  ];
  for (const [code, words] of names) {
    const refused = decodeMapResponse(response(REQUEST, { result: code }), MAPPING);
    assertOk(refused instanceof PcpError && refused.resultCode === code);
    assertEquals(refused.message, `The router answered: ${words}`);
  }

  // No PCP: NAT-PMP's "unsupported version" (miniupnpd's 8 bytes), PCP UNSUPP_VERSION from a
  // version 2 server, and from a version 1 server (a bare header, as it knows no version 2 MAP).
  const natPmp = decodeMapResponse(fromHex("0081000100000e10"), MAPPING);
  assertOk(natPmp instanceof PcpUnsupportedError);
  assertEquals(natPmp.message, "The router speaks only NAT-PMP, not PCP");
  assertOk(
    decodeMapResponse(response(REQUEST, { result: 1 }), MAPPING) instanceof PcpUnsupportedError,
  );
  const v1 = fromHex("018100010000000000000000" + "00".repeat(12));
  assertOk(decodeMapResponse(v1, MAPPING) instanceof PcpUnsupportedError);
});

/** Datagrams that are no answer to `MAPPING`, each with why. */
const FORGED: [string, Uint8Array][] = [
  ["another nonce", patched(GRANTED, 24, "ff")],
  ["another protocol (UDP)", patched(GRANTED, 36, "11")],
  ["another internal port", patched(GRANTED, 40, "a113")],
  ["R bit clear", patched(GRANTED, 1, "01")],
  ["another opcode (PEER)", patched(GRANTED, 1, "82")],
  ["version 3 with success", patched(GRANTED, 0, "03")],
  ["too short", GRANTED.subarray(0, 59)],
  ["a bare header", GRANTED.subarray(0, 24)],
  ["too long", Uint8Array.from([...GRANTED, ...new Uint8Array(1041)])],
  ["NAT-PMP success", fromHex("0081000000000e10")],
  ["NAT-PMP unsupported, too short", fromHex("008100010000")],
  ["NAT-PMP request", fromHex("0001000100000e10")],
  ["empty", new Uint8Array(0)],
];

Deno.test("reading answers: what is no answer to this request is ignored", () => {
  for (const [why, bytes] of FORGED) assertEquals(decodeMapResponse(bytes, MAPPING), null, why);
  // A 1100-byte answer is the longest allowed.
  const longest = new Uint8Array(1100);
  longest.set(GRANTED);
  assertEquals(decodeMapResponse(longest, MAPPING), decodeMapResponse(GRANTED, MAPPING));
});

type Reply = (request: Uint8Array, send: (bytes: Uint8Array, from?: "other") => void) => void;

/**
 * A PCP server on `address` and a port of its own; `reply` decides what to answer each request
 * (sent from its port, or from another socket of the same address with `"other"`).
 */
async function server(address: string, reply: Reply) {
  const type = address.includes(":") ? "udp6" : "udp4";
  const socket = dgram.createSocket({ type });
  const other = dgram.createSocket({ type });
  const requests: { bytes: Uint8Array; at: number; address: string; port: number }[] = [];
  socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    const bytes = new Uint8Array(message);
    requests.push({ bytes, at: performance.now(), ...from });
    reply(bytes, (answer, sender) => {
      (sender === "other" ? other : socket).send(Buffer.from(answer), from.port, from.address);
    });
  });
  await new Promise<void>((resolve) => socket.bind(0, address, resolve));
  await new Promise<void>((resolve) => other.bind(0, address, resolve));
  return {
    address,
    port: socket.address().port,
    requests,
    [Symbol.asyncDispose]: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await new Promise<void>((resolve) => other.close(() => resolve()));
    },
  };
}

/**
 * The client's sockets are closed: their addresses and ports (as `router` saw them) can be bound
 * again. (Deno's resource sanitizer does not see a node:dgram socket left open.)
 */
async function assertClosed(router: { requests: { address: string; port: number }[] }) {
  for (const { address, port } of router.requests) {
    const socket = dgram.createSocket({ type: address.includes(":") ? "udp6" : "udp4" });
    const error = await new Promise<Error | null>((resolve) => {
      socket.once("error", resolve);
      socket.bind(port, address, () => resolve(null));
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    assertEquals(error, null, `the client's socket ${address} port ${port} is still open`);
  }
}

/** A request to `router` from the same loopback address. */
function to(router: { address: string; port: number }, fields: Partial<PcpMapRequest> = {}) {
  return {
    ...MAPPING,
    server: router.address,
    client: router.address,
    port: router.port,
    ...fields,
  };
}

Deno.test("IPv4 on loopback: the request as encoded, and the mapping granted", async () => {
  await using router = await server("127.0.0.1", (request, send) => {
    send(response(request, { address: "11.22.33.1", port: 50000, lifetime: 7200, epoch: 99 }));
  });
  const nonce = pcpNonce();
  const granted = await pcpMap(to(router, { nonce }), 5000);
  assertEquals(granted, {
    externalAddress: "11.22.33.1",
    externalPort: 50000,
    lifetimeSeconds: 7200,
    epochSeconds: 99,
  });
  assertEquals(router.requests.map((r) => toHex(r.bytes)), [
    toHex(encodeMapRequest({ ...MAPPING, client: "127.0.0.1", nonce })),
  ]);
  assertEquals(
    toHex(router.requests[0]!.bytes.subarray(8, 24)),
    "00000000000000000000ffff7f000001",
  );
  await assertClosed(router);
});

Deno.test({
  name: "IPv6 on loopback: a pinhole granted, and its deletion with the same nonce",
  ignore: noIpv6,
  fn: async () => {
    await using router = await server("::1", (request, send) => {
      const lifetime = new DataView(request.buffer).getUint32(4);
      send(response(request, { address: "::1", lifetime, port: lifetime ? 41234 : 0 }));
    });
    const nonce = pcpNonce();
    const granted = await pcpMap(to(router, { nonce }), 5000);
    assertEquals(granted.externalAddress, "::1");
    assertEquals([granted.externalPort, granted.lifetimeSeconds], [41234, 3600]);
    const deleted = await pcpMap(to(router, { nonce, lifetimeSeconds: 0 }), 5000);
    assertEquals([deleted.externalPort, deleted.lifetimeSeconds], [0, 0]);
    const [first, second] = router.requests.map((r) => toHex(r.bytes));
    assertEquals(first!.slice(16, 48), "00000000000000000000000000000001"); // client ::1
    assertEquals(second!.slice(8, 16), "00000000"); // lifetime 0
    assertEquals(first!.slice(48), second!.slice(48)); // same nonce, port, suggestion
    await assertClosed(router);
  },
});

Deno.test("a CGNAT router: NO_RESOURCES, naming its shared address", async () => {
  await using router = await server("127.0.0.1", (request, send) => {
    send(response(request, { result: 8, address: "100.64.0.2", port: 0, lifetime: 30 }));
  });
  await assertRejects(
    () => pcpMap(to(router), 5000),
    (e) =>
      e instanceof PcpError && e.resultCode === 8 && e.externalAddress === "100.64.0.2" &&
      e.message === "The router answered: no resources (PCP NO_RESOURCES)",
  );
  await assertClosed(router);
});

Deno.test("a router that speaks only NAT-PMP: unsupported version", async () => {
  await using router = await server("127.0.0.1", (_, send) => send(fromHex("0081000100000e10")));
  await assertRejects(() => pcpMap(to(router), 5000), (e) => e instanceof PcpUnsupportedError);
  await assertClosed(router);
});

Deno.test({
  name: "a PCP version 1 router over IPv6: UNSUPP_VERSION",
  ignore: noIpv6,
  fn: async () => {
    await using router = await server("::1", (_, send) => {
      send(fromHex("018100010000000000000000" + "00".repeat(12)));
    });
    await assertRejects(() => pcpMap(to(router), 5000), (e) => e instanceof PcpUnsupportedError);
    await assertClosed(router);
  },
});

for (const address of ["127.0.0.1", "::1"]) {
  Deno.test({
    name: `forged answers (${address}) are ignored, and the genuine one after them taken`,
    ignore: address === "::1" && noIpv6,
    fn: async () => {
      await using router = await server(address, (request, send) => {
        send(response(request, { port: 666 }), "other"); // from another port than the server's
        for (const [, forged] of FORGED) send(forged); // made for the same nonce and port
        send(response(request, { port: 50001 }));
      });
      const granted = await pcpMap(to(router), 5000);
      assertEquals(granted.externalPort, 50001);
      assertEquals(router.requests.length, 1);
      await assertClosed(router);
    },
  });
}

Deno.test({
  name: "an answer from another address than the server's is ignored",
  ignore: Deno.build.os !== "linux", // all of 127.0.0.0/8 is on loopback on Linux only
  fn: async () => {
    const forger = dgram.createSocket({ type: "udp4" });
    await using router = await server("127.0.0.1", (request, send) => {
      // From the server's port number, on another address, before the genuine answer.
      const client = router.requests.at(-1)!;
      forger.send(
        Buffer.from(response(request, { port: 666 })),
        client.port,
        client.address,
        () => {
          send(response(request, { port: 50002 }));
        },
      );
    });
    await new Promise<void>((resolve) => forger.bind(router.port, "127.0.0.2", resolve));
    try {
      assertEquals((await pcpMap(to(router), 5000)).externalPort, 50002);
      await assertClosed(router);
    } finally {
      await new Promise<void>((resolve) => forger.close(() => resolve()));
    }
  },
});

Deno.test("a request the router missed is sent again, 250 ms later, and the answer taken", async () => {
  await using router = await server("127.0.0.1", (request, send) => {
    if (router.requests.length >= 2) send(response(request));
  });
  const granted = await pcpMap(to(router), 5000);
  assertEquals(granted.externalAddress, "11.22.33.1");
  const [first, second] = router.requests;
  assertEquals(router.requests.length, 2);
  assertEquals(toHex(second!.bytes), toHex(first!.bytes));
  const gap = second!.at - first!.at;
  assertOk(gap >= 200 && gap < 1000, `sent again after ${gap} ms`);
  await assertClosed(router);
});

Deno.test("a router that never answers: an error once the time is up", async () => {
  await using router = await server("127.0.0.1", () => {});
  const started = performance.now();
  await assertRejects(
    () => pcpMap(to(router), 600),
    (e) => e instanceof Error && e.message === "The router did not answer (PCP)",
  );
  assertOk(performance.now() - started >= 590);
  assertOk(router.requests.length >= 2, `${router.requests.length} requests`);
  await assertClosed(router);
});

Deno.test("nothing is sent for a bad request, and a socket that cannot bind is an error", async () => {
  await using router = await server("127.0.0.1", (request, send) => send(response(request)));
  await assertRejects(() => pcpMap(to(router, { client: "::1" }), 1000), isType);
  await assertRejects(() => pcpMap(to(router, { nonce: new Uint8Array(4) }), 1000), isRange);
  // 192.0.2.1 (TEST-NET-1) is no address of this computer's.
  await assertRejects(
    () => pcpMap(to(router, { client: "192.0.2.1" }), 1000),
    (e) =>
      e instanceof Error && !(e instanceof PcpError) &&
      e.message !== "The router did not answer (PCP)",
  );
  assertEquals(router.requests.length, 0);
});

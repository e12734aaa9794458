/**
 * The NAT-PMP client (RFC 6886) against a router on loopback that answers with what a real
 * miniupnpd answered in the router lab (`tests/testdata/miniupnpd_answers.json`): the packets
 * rt sends, how it reads the answers, and what it ignores. The router listens on NAT-PMP's own
 * port, 5351, on an address of its own in 127.0.0.0/8.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import recorded from "../testdata/miniupnpd_answers.json" with { type: "json" };
import { NatPmpError, natPmpExternalAddress, natPmpMap } from "../../lib/nat/natpmp.ts";
import { fromHex, toHex } from "../../lib/util/mod.ts";

const answers = recorded.natpmp;
const EXTERNAL = answers["external address (request 0000)"];
const MAPPED = answers["map TCP 41234 for 3600 s (request 00020000a112a11200000e10)"];
const REMOVED = answers["remove TCP 41234 (request 00020000a112000000000000)"];

/** A fresh loopback address for each router, so that tests never share one. */
function routerAddress(): string {
  const [a, b] = crypto.getRandomValues(new Uint8Array(2));
  return `127.53.${a}.${b! | 1}`;
}

type Reply = (request: Uint8Array, send: (hex: string, port?: number) => void) => void;

/** A router on `address`:5351: `reply` decides what to answer each request (in hex). */
async function router(reply: Reply) {
  const address = routerAddress();
  const socket = dgram.createSocket({ type: "udp4" });
  const other = dgram.createSocket({ type: "udp4" });
  const requests: string[] = [];
  socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    requests.push(message.toString("hex"));
    reply(new Uint8Array(message), (hex, port = 5351) => {
      (port === 5351 ? socket : other).send(fromHex(hex), from.port, from.address);
    });
  });
  await new Promise<void>((resolve) => socket.bind(5351, address, resolve));
  await new Promise<void>((resolve) => other.bind(0, address, resolve));
  return {
    address,
    requests,
    [Symbol.asyncDispose]: async () => {
      await new Promise<void>((resolve) => socket.close(() => resolve()));
      await new Promise<void>((resolve) => other.close(() => resolve()));
    },
  };
}

Deno.test("the external address: request 0 0, answered as miniupnpd does", async () => {
  await using gateway = await router((_, send) => send(EXTERNAL));
  assertEquals(await natPmpExternalAddress(gateway.address, 5000), "11.22.33.1");
  assertEquals(gateway.requests, ["0000"]);
});

Deno.test("a TCP mapping: the request's bytes, and the port and lifetime granted", async () => {
  await using gateway = await router((_, send) => send(MAPPED));
  const granted = await natPmpMap(gateway.address, {
    internalPort: 41234,
    externalPort: 41234,
    lifetimeSeconds: 3600,
  }, 5000);
  assertEquals(granted, { externalPort: 41234, lifetimeSeconds: 3600 });
  assertEquals(gateway.requests, ["00020000a112a11200000e10"]);
});

Deno.test("removing a mapping asks for lifetime 0, and reads the router's zeros", async () => {
  await using gateway = await router((_, send) => send(REMOVED));
  const granted = await natPmpMap(gateway.address, {
    internalPort: 41234,
    externalPort: 0,
    lifetimeSeconds: 0,
  }, 5000);
  assertEquals(granted, { externalPort: 0, lifetimeSeconds: 0 });
  assertEquals(gateway.requests, ["00020000a112000000000000"]);
});

Deno.test("a granted port other than the one asked for is what counts", async () => {
  // The router may give another external port (RFC 6886 3.3): 50000 here, for 7200 s.
  const other = MAPPED.slice(0, 20) + "c350" + "00001c20";
  await using gateway = await router((_, send) => send(other));
  const granted = await natPmpMap(gateway.address, {
    internalPort: 41234,
    externalPort: 41234,
    lifetimeSeconds: 3600,
  }, 5000);
  assertEquals(granted, { externalPort: 50000, lifetimeSeconds: 7200 });
});

Deno.test("a refusal (a non-zero result code) is an error that says why", async () => {
  // RFC 6886 3.5: result code 2, not authorized/refused (miniupnpd says nothing instead).
  const refused = MAPPED.slice(0, 4) + "0002" + MAPPED.slice(8);
  await using gateway = await router((_, send) => send(refused));
  await assertRejects(
    () =>
      natPmpMap(gateway.address, { internalPort: 80, externalPort: 80, lifetimeSeconds: 60 }, 5000),
    (e) =>
      e instanceof NatPmpError && e.resultCode === 2 &&
      e.message === "The router answered: not authorized or refused",
  );
});

Deno.test("answers from another port, of another operation, or too short are ignored", async () => {
  let asked = 0;
  await using gateway = await router((request, send) => {
    asked++;
    assertEquals(toHex(request), "0000");
    send(EXTERNAL, 40000); // from another port than NAT-PMP's
    send(EXTERNAL.slice(0, 2) + "82" + EXTERNAL.slice(4)); // an answer to a mapping
    send(EXTERNAL.slice(0, 20)); // cut short
    send(EXTERNAL.replace("0b162101", "01020304")); // the genuine answer
  });
  assertEquals(await natPmpExternalAddress(gateway.address, 5000), "1.2.3.4");
  assertEquals(asked, 1);
});

Deno.test("a request the router missed is sent again, and the answer to it taken", async () => {
  await using gateway = await router((_, send) => {
    if (gateway.requests.length >= 2) send(EXTERNAL);
  });
  assertEquals(await natPmpExternalAddress(gateway.address, 10_000), "11.22.33.1");
  assertEquals(gateway.requests, ["0000", "0000"]);
});

Deno.test("a router that never answers: an error once the time is up", async () => {
  await using gateway = await router(() => {});
  await assertRejects(
    () => natPmpExternalAddress(gateway.address, 600),
    (e) => e instanceof Error && e.message === "The router did not answer (NAT-PMP)",
  );
  assertOk(gateway.requests.length >= 1);
});

import { assertEquals, assertOk } from "../assert.ts";
import { gatewayFromProcRoute, guessedGateways, localAddressFor } from "../../lib/nat/gateway.ts";
import { isPrivateV4, nullPortMapper } from "../../lib/nat/port_mapping.ts";

const ROUTE = `Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT
eth0\t00000000\t01004D0A\t0003\t0\t0\t0\t00000000\t0\t0\t0
eth0\t00004D0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0
`;

Deno.test("the default gateway is read from Linux's routing table", () => {
  assertEquals(gatewayFromProcRoute(ROUTE), "10.77.0.1");
  assertEquals(gatewayFromProcRoute("Iface\tDestination\tGateway\n"), null);
  assertEquals(gatewayFromProcRoute("garbage"), null);
});

const LOCALS = [
  { name: "lo", address: "127.0.0.1", netmask: "255.0.0.0" },
  { name: "eth0", address: "10.77.0.2", netmask: "255.255.255.0" },
  { name: "wlan0", address: "192.168.1.23", netmask: "255.255.255.0" },
];

Deno.test("the local address on the router's network is the one to forward to", () => {
  assertEquals(localAddressFor("10.77.0.1", LOCALS), "10.77.0.2");
  assertEquals(localAddressFor("192.168.1.1", LOCALS), "192.168.1.23");
  assertEquals(localAddressFor("172.16.0.1", LOCALS), null);
  assertEquals(guessedGateways(LOCALS), ["10.77.0.1", "192.168.1.1"]);
});

Deno.test("private and shared addresses are not reachable from the Internet", () => {
  for (const a of ["10.0.0.1", "192.168.0.1", "172.16.5.5", "100.64.0.1", "127.0.0.1"]) {
    assertOk(isPrivateV4(a), a);
  }
  for (const a of ["11.22.33.1", "203.0.113.5", "100.128.0.1"]) assertOk(!isPrivateV4(a), a);
});

Deno.test("the null mapper asks nobody", async () => {
  const off = { ok: false, reason: "off", detail: "automatic port opening is off" };
  assertEquals(await nullPortMapper.map(41234), { ipv4: off, ipv6: off });
});

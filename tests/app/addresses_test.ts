import { assertEquals, assertOk } from "../assert.ts";
import { addressHints } from "../../lib/app/addresses.ts";

Deno.test("usable addresses come first, with virtual and VPN ones marked and last", () => {
  const hints = addressHints([
    { name: "lo", family: "IPv4", address: "127.0.0.1" },
    { name: "lo", family: "IPv6", address: "::1" },
    { name: "docker0", family: "IPv4", address: "172.17.0.1" },
    { name: "wg0", family: "IPv4", address: "10.8.0.2" },
    { name: "wlan0", family: "IPv6", address: "fe80::1" },
    { name: "wlan0", family: "IPv6", address: "2001:db8::5" },
    { name: "wlan0", family: "IPv4", address: "192.168.1.23" },
    { name: "eth1", family: "IPv4", address: "169.254.3.3" },
  ], 41234);
  assertEquals(hints.map((h) => h.address), [
    "192.168.1.23",
    "2001:db8::5",
    "172.17.0.1",
    "10.8.0.2",
  ]);
  assertEquals(hints[0]!.command, "rt 192.168.1.23 41234");
  assertEquals(hints[0]!.interface, "wlan0");
  assertOk(hints[2]!.note?.includes("container"));
  assertOk(hints[3]!.note?.includes("VPN"));
});

Deno.test("the address on the default route goes first", () => {
  const hints = addressHints(
    [
      { name: "eth0", family: "IPv4", address: "192.168.1.23" },
      { name: "eth1", family: "IPv4", address: "10.0.0.5" },
    ],
    1,
    "10.0.0.5",
  );
  assertEquals(hints.map((h) => h.address), ["10.0.0.5", "192.168.1.23"]);
});

/**
 * What the host is told once the router has answered: the `router` event built from each
 * combination of IPv4 and IPv6 outcomes, and the words a person reads from it.
 */
import { assertEquals, assertOk } from "../assert.ts";
import { routerEvent } from "../../lib/app/host_room.ts";
import type { MappingOutcome, PinholeOutcome } from "../../lib/nat/mod.ts";
import { renderEvent } from "../../lib/tui/render.ts";
import type { ChatEvent } from "../../lib/events.ts";

const close = () => Promise.resolve();
const PORT = 41234;
const V6 = "2001:db8:77::2";

function mapped(externalAddress: string): MappingOutcome {
  return {
    ok: true,
    mapping: {
      externalAddress,
      externalPort: PORT,
      internalPort: PORT,
      method: "UPnP IGD v2",
      behindAnotherNat: /^(10|100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7]))\./.test(externalAddress),
      sharedByProvider: externalAddress.startsWith("100.64."),
      close,
    },
  };
}

const pinhole: PinholeOutcome = {
  ok: true,
  pinhole: { address: V6, port: PORT, method: "PCP", close },
};
const noPinhole: PinholeOutcome = {
  ok: false,
  reason: "no-router",
  detail: "no router answered a request to open its IPv6 firewall (UPnP and PCP)",
};
const cgnat: MappingOutcome = {
  ok: false,
  reason: "cgnat",
  detail: "the router's outside address, 100.64.0.2, is shared by the provider",
  externalAddress: "100.64.0.2",
};

type Router = Extract<ChatEvent, { type: "router" }>;

function text(event: ChatEvent): string {
  return renderEvent(event, { timestamps: false })!.replace(/\s+/g, " ");
}

Deno.test("a public IPv4 mapping is the command; a pinhole beside it is a second path", () => {
  const event = routerEvent({ ipv4: mapped("11.22.33.1"), ipv6: pinhole }, PORT) as Router;
  assertEquals(event.status, "mapped");
  assertEquals(event.command, `rt 11.22.33.1 ${PORT}`);
  assertEquals(event.paths.map((p) => [p.kind, p.command, p.reachable]), [
    ["ipv4-mapping", `rt 11.22.33.1 ${PORT}`, true],
    ["ipv6-pinhole", `rt ${V6} ${PORT}`, true],
  ]);
  assertEquals(event.ipv6.status, "opened");
  const said = text(event);
  assertOk(said.includes(`rt 11.22.33.1 ${PORT}`), said);
  assertOk(said.includes(`Over IPv6 it is open too: rt ${V6} ${PORT}`), said);
});

Deno.test("carrier-grade NAT with a pinhole: the IPv6 command, IPv6 needed, Tor for the rest", () => {
  const event = routerEvent({ ipv4: cgnat, ipv6: pinhole }, PORT, "10.77.0.2") as Router;
  assertEquals(event.status, "cgnat");
  assertEquals(event.externalAddress, "100.64.0.2");
  assertEquals(event.command, `rt ${V6} ${PORT}`);
  assertEquals(event.paths.map((p) => p.kind), ["ipv6-pinhole"]);
  const said = text(event);
  assertOk(said.startsWith("For people elsewhere on the Internet, have them type:"), said);
  assertOk(said.includes(`rt ${V6} ${PORT}`), said);
  assertOk(said.includes("They need IPv6 too"), said);
  assertOk(said.includes("carrier-grade NAT; your router's outside address is 100.64.0.2"), said);
  assertOk(said.includes("rt --tor"), said);
  assertOk(!said.includes("refused"), `not called a refusal: ${said}`);
});

Deno.test("carrier-grade NAT without IPv6: named as such, with what to do instead", () => {
  const noIpv6: PinholeOutcome = {
    ok: false,
    reason: "no-ipv6",
    detail: "this computer has no global IPv6 address",
  };
  for (const ipv6 of [noIpv6, noPinhole]) {
    const event = routerEvent({ ipv4: cgnat, ipv6 }, PORT) as Router;
    assertEquals(event.status, "cgnat");
    assertEquals(event.command, undefined, "no command that could work");
    assertEquals(event.paths, []);
    const said = text(event);
    assertOk(said.includes("shares one IPv4 address among many customers"), said);
    assertOk(said.includes("rt --tor"), said);
    assertOk(said.includes("public IPv4 address"), said);
    assertOk(
      said.includes(ipv6 === noIpv6 ? "no IPv6 connection" : "open its IPv6 firewall"),
      said,
    );
  }
});

Deno.test("a mapping on a shared or private address is a path that does not reach anyone", () => {
  for (const [address, status] of [["100.64.0.2", "cgnat"], ["10.0.0.2", "double-nat"]]) {
    const event = routerEvent({ ipv4: mapped(address!), ipv6: pinhole }, PORT) as Router;
    assertEquals(event.status, status);
    assertEquals(event.paths[0]!.reachable, false);
    assertEquals(event.command, `rt ${V6} ${PORT}`, "the pinhole's command instead");
    const said = text(event);
    assertOk(said.includes("They need IPv6 too"), said);
  }
});

Deno.test("--no-upnp: neither asked, no IPv6 sentence", () => {
  const off = {
    ok: false as const,
    reason: "off" as const,
    detail: "automatic port opening is off",
  };
  const event = routerEvent({ ipv4: off, ipv6: off }, PORT) as Router;
  assertEquals(event.status, "off");
  assertEquals(event.ipv6.status, "off");
  const said = text(event);
  assertOk(said.includes("automatic opening is off"), said);
  assertOk(!said.includes("IPv6"), said);
});

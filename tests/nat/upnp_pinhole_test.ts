/**
 * IPv6 pinholes through UPnP IGD v2's WANIPv6FirewallControl:1, against a router on loopback
 * ([::1] when this machine has it, else 127.0.0.1) that serves miniupnpd's recorded IGD v2
 * description and answers SOAP as miniupnpd does: the requests' exact arguments, the pinhole's
 * id read back, and the router's refusals.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import recorded from "../testdata/miniupnpd_answers.json" with { type: "json" };
import { describeFirewall, deviceId, FIREWALL_SERVICE, UpnpError } from "../../lib/nat/upnp.ts";
import {
  addPinhole,
  deletePinhole,
  firewallStatus,
  updatePinhole,
} from "../../lib/nat/upnp_pinhole.ts";
import { hasIpv6Loopback } from "../ipv6_loopback.ts";
import { type Answer, argumentsOf, fakeIgd, ok, ROOT_UDN } from "./fixtures/fake_igd.ts";

const HOST = hasIpv6Loopback() ? "::1" : "127.0.0.1";

/** miniupnpd's fault answer with a UPnP error code. */
function fault(code: number, description: string): Answer {
  const recordedFault = recorded.soap["AddPortMapping, port 80 (not allowed)"];
  return {
    status: 500,
    body: recordedFault.body.replace("606", String(code)).replace(
      "Action not authorized",
      description,
    ),
  };
}

/** A router on loopback: the IGD v2 description, and SOAP answers by action; keeps requests. */
function router(answers: Record<string, Answer>, description = recorded.descriptions.igd2) {
  return fakeIgd(HOST, answers, { description });
}

Deno.test("miniupnpd's IGD v2 description: its firewall control service and root device", async () => {
  await using gateway = router({});
  assertEquals(await describeFirewall(`${gateway.origin}/rootDesc.xml`), {
    location: `${gateway.origin}/rootDesc.xml`,
    serviceType: FIREWALL_SERVICE,
    controlUrl: `${gateway.origin}/ctl/IP6FCtl`,
    deviceId: ROOT_UDN,
  });
  assertEquals(await deviceId(`${gateway.origin}/rootDesc.xml`), ROOT_UDN);
});

Deno.test("a description without the firewall control service (IGD v1) has none", async () => {
  await using gateway = router({}, recorded.descriptions.igd1);
  assertEquals(await describeFirewall(`${gateway.origin}/rootDesc.xml`), null);
  // The device is still named.
  assertEquals(await deviceId(`${gateway.origin}/rootDesc.xml`), ROOT_UDN);
  // Nothing there: no service, no name.
  assertEquals(await describeFirewall(`${gateway.origin}/missing.xml`), null);
  assertEquals(await deviceId(`${gateway.origin}/missing.xml`), null);
});

Deno.test("a device that cannot be reached has no name", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  listener.close();
  assertEquals(await deviceId(`http://127.0.0.1:${port}/rootDesc.xml`, 1000), null);
});

Deno.test("a pinhole is asked for any remote host and port, TCP, for this computer", async () => {
  await using gateway = router({ AddPinhole: ok("AddPinhole", "<UniqueID>7</UniqueID>") });
  const id = await addPinhole(gateway.service, {
    internalClient: "2001:db8:77::2",
    internalPort: 41234,
    leaseSeconds: 3600,
  });
  assertEquals(id, 7);
  assertEquals(gateway.asked.length, 1);
  const [asked] = gateway.asked;
  assertEquals(asked?.method, "POST");
  assertEquals(asked?.path, "/ctl/IP6FCtl");
  assertEquals(asked?.action, `"${FIREWALL_SERVICE}#AddPinhole"`);
  assertEquals(asked?.contentType, 'text/xml; charset="utf-8"');
  assertEquals(argumentsOf(asked!.body, "AddPinhole"), [
    // Empty is any remote host: "::" would be only the remote whose address is "::".
    ["RemoteHost", ""],
    ["RemotePort", "0"],
    ["InternalClient", "2001:db8:77::2"],
    ["InternalPort", "41234"],
    ["Protocol", "6"],
    ["LeaseTime", "3600"],
  ]);
  assertOk(asked!.body.includes("<RemoteHost></RemoteHost>"), asked!.body);
});

Deno.test("the pinhole's id is read whatever its neighbours; 0 and 65535 are ids", async () => {
  for (
    const [inner, id] of [
      ["<UniqueID>0</UniqueID>", 0],
      ["<UniqueID>65535</UniqueID>", 65535],
      ["<UniqueID> 12 </UniqueID>", 12],
      ["<u:UniqueID>3</u:UniqueID>", 3],
    ] as const
  ) {
    await using gateway = router({ AddPinhole: ok("AddPinhole", inner) });
    const got = await addPinhole(gateway.service, {
      internalClient: "2001:db8:77::2",
      internalPort: 80,
      leaseSeconds: 60,
    });
    assertEquals(got, id, inner);
  }
});

Deno.test("an answer without a usable pinhole id is an error", async () => {
  for (
    const inner of [
      "",
      "<UniqueID></UniqueID>",
      "<UniqueID>abc</UniqueID>",
      "<UniqueID>-1</UniqueID>",
      "<UniqueID>1.5</UniqueID>",
      "<UniqueID>0x10</UniqueID>",
      "<UniqueID>65536</UniqueID>",
      "<UniqueID>123456</UniqueID>",
      "<UniqueID>1e3</UniqueID>",
      "<OtherID>4</OtherID>",
    ]
  ) {
    await using gateway = router({ AddPinhole: ok("AddPinhole", inner) });
    await assertRejects(
      () =>
        addPinhole(gateway.service, {
          internalClient: "2001:db8:77::2",
          internalPort: 41234,
          leaseSeconds: 3600,
        }),
      (e) => e instanceof UpnpError && e.upnpCode === null && /pinhole id/.test(e.message),
    );
  }
});

Deno.test("the router's refusals become UPnP errors with its code and words", async () => {
  for (
    const [code, words] of [
      [606, "Action not authorized"],
      [702, "FirewallDisabled"],
      [703, "PinholeSpaceExhausted"],
    ] as const
  ) {
    await using gateway = router({ AddPinhole: fault(code, words) });
    await assertRejects(
      () =>
        addPinhole(gateway.service, {
          internalClient: "2001:db8:77::2",
          internalPort: 41234,
          leaseSeconds: 3600,
        }),
      (e) => e instanceof UpnpError && e.upnpCode === code && e.message === `AddPinhole: ${words}`,
    );
  }
});

Deno.test("a pinhole is renewed and closed by its id", async () => {
  await using gateway = router({
    UpdatePinhole: ok("UpdatePinhole"),
    DeletePinhole: ok("DeletePinhole"),
  });
  await updatePinhole(gateway.service, 7, 1800);
  await deletePinhole(gateway.service, 7);
  const [update, remove] = gateway.asked;
  assertEquals(update?.action, `"${FIREWALL_SERVICE}#UpdatePinhole"`);
  assertEquals(argumentsOf(update!.body, "UpdatePinhole"), [
    ["UniqueID", "7"],
    ["NewLeaseTime", "1800"],
  ]);
  assertEquals(remove?.action, `"${FIREWALL_SERVICE}#DeletePinhole"`);
  assertEquals(argumentsOf(remove!.body, "DeletePinhole"), [["UniqueID", "7"]]);
  assertEquals(gateway.asked.map((a) => a.path), ["/ctl/IP6FCtl", "/ctl/IP6FCtl"]);
});

Deno.test("renewing or closing a pinhole the router no longer has is an error", async () => {
  await using gateway = router({
    UpdatePinhole: fault(704, "NoSuchEntry"),
    DeletePinhole: fault(704, "NoSuchEntry"),
  });
  await assertRejects(
    () => updatePinhole(gateway.service, 9, 60),
    (e) => e instanceof UpnpError && e.upnpCode === 704,
  );
  await assertRejects(
    () => deletePinhole(gateway.service, 9),
    (e) => e instanceof UpnpError && e.upnpCode === 704,
  );
});

Deno.test("the firewall's status: on or off, and whether pinholes may be opened", async () => {
  for (
    const [enabled, allowed] of [["1", "1"], ["1", "0"], ["0", "0"], ["0", "1"]] as const
  ) {
    await using gateway = router({
      GetFirewallStatus: ok(
        "GetFirewallStatus",
        `<FirewallEnabled>${enabled}</FirewallEnabled>` +
          `<InboundPinholeAllowed>${allowed}</InboundPinholeAllowed>`,
      ),
    });
    assertEquals(await firewallStatus(gateway.service), {
      enabled: enabled === "1",
      pinholesAllowed: allowed === "1",
    });
    const [asked] = gateway.asked;
    assertEquals(asked?.action, `"${FIREWALL_SERVICE}#GetFirewallStatus"`);
    assertEquals(argumentsOf(asked!.body, "GetFirewallStatus"), []);
  }
  await using broken = router({ GetFirewallStatus: fault(501, "ActionFailed") });
  await assertRejects(
    () => firewallStatus(broken.service),
    (e) => e instanceof UpnpError && e.upnpCode === 501,
  );
});

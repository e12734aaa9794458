/**
 * The UPnP IGD client against a real miniupnpd's answers (recorded from the router lab into
 * `tests/testdata/miniupnpd_answers.json`), served on loopback: reading its device
 * descriptions, and the SOAP actions rt sends and how it reads the answers, errors included.
 */
import { assertEquals, assertOk, assertRejects } from "../assert.ts";
import recorded from "../testdata/miniupnpd_answers.json" with { type: "json" };
import {
  addPortMapping,
  deletePortMapping,
  describeGateway,
  externalAddress,
  type IgdService,
  UpnpError,
} from "../../lib/nat/upnp.ts";

const V2 = "urn:schemas-upnp-org:service:WANIPConnection:2";
const V1 = "urn:schemas-upnp-org:service:WANIPConnection:1";

interface Asked {
  path: string;
  action: string | null;
  contentType: string | null;
  body: string;
}

type Answer = { status: number; body: string };

/** A router on loopback answering as the recorded miniupnpd did; it keeps what it was asked. */
function router(answers: Record<string, Answer>, description = recorded.descriptions.igd2) {
  const asked: Asked[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (r) => {
    const path = new URL(r.url).pathname;
    const action = r.headers.get("SOAPAction");
    asked.push({ path, action, contentType: r.headers.get("Content-Type"), body: await r.text() });
    const headers = { "Content-Type": 'text/xml; charset="utf-8"' };
    if (path === "/rootDesc.xml") return new Response(description, { headers });
    const name = /#(\w+)"$/.exec(action ?? "")?.[1] ?? "";
    const answer = answers[name] ?? { status: 404, body: "" };
    return new Response(answer.body, { status: answer.status, headers });
  });
  const origin = `http://127.0.0.1:${server.addr.port}`;
  return {
    origin,
    asked,
    service: (serviceType = V2): IgdService => ({
      location: `${origin}/rootDesc.xml`,
      serviceType,
      controlUrl: `${origin}/ctl/IPConn`,
      igdVersion: serviceType === V2 ? 2 : 1,
    }),
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const soap = recorded.soap;

/** The arguments of a SOAP request body, in order. */
function argumentsOf(body: string, action: string, serviceType = V2): [string, string][] {
  const m = new RegExp(`<u:${action} xmlns:u="${serviceType}">(.*)</u:${action}>`).exec(body);
  assertOk(m, body);
  return [...m[1]!.matchAll(/<(\w+)>([^<]*)<\/\1>/g)].map((a) => [a[1]!, a[2]!]);
}

Deno.test("miniupnpd's descriptions: its WANIPConnection service, IGD v2 and v1", async () => {
  for (
    const [description, serviceType, version] of [
      [recorded.descriptions.igd2, V2, 2],
      [recorded.descriptions.igd1, V1, 1],
    ] as const
  ) {
    await using gateway = router({}, description);
    assertEquals(await describeGateway(`${gateway.origin}/rootDesc.xml`), {
      location: `${gateway.origin}/rootDesc.xml`,
      serviceType,
      controlUrl: `${gateway.origin}/ctl/IPConn`,
      igdVersion: version,
    });
  }
});

Deno.test("the external address is read from miniupnpd's answer", async () => {
  await using gateway = router({ GetExternalIPAddress: soap.GetExternalIPAddress });
  assertEquals(await externalAddress(gateway.service()), "11.22.33.1");
  const [asked] = gateway.asked;
  assertEquals(asked?.path, "/ctl/IPConn");
  assertEquals(asked?.action, `"${V2}#GetExternalIPAddress"`);
  assertEquals(asked?.contentType, 'text/xml; charset="utf-8"');
  assertEquals(argumentsOf(asked!.body, "GetExternalIPAddress"), []);
  assertOk(asked!.body.includes('<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"'));
});

Deno.test("an answer without a usable external address is an error", async () => {
  const answer = soap.GetExternalIPAddress;
  for (const address of ["", "not an address", "::1"]) {
    const body = answer.body.replace("11.22.33.1", address);
    await using gateway = router({ GetExternalIPAddress: { status: 200, body } });
    await assertRejects(
      () => externalAddress(gateway.service()),
      (e) => e instanceof UpnpError && /did not say its external address/.test(e.message),
    );
  }
});

Deno.test("a port mapping is asked for with every argument miniupnpd needs, in order", async () => {
  await using gateway = router({ AddPortMapping: soap.AddPortMapping });
  await addPortMapping(gateway.service(V1), {
    externalPort: 41234,
    internalPort: 41235,
    internalClient: "10.77.0.2",
    description: `rt <"room"> & 'co'`,
    leaseSeconds: 3600,
  });
  const [asked] = gateway.asked;
  assertEquals(asked?.action, `"${V1}#AddPortMapping"`);
  assertEquals(argumentsOf(asked!.body, "AddPortMapping", V1), [
    ["NewRemoteHost", ""],
    ["NewExternalPort", "41234"],
    ["NewProtocol", "TCP"],
    ["NewInternalPort", "41235"],
    ["NewInternalClient", "10.77.0.2"],
    ["NewEnabled", "1"],
    ["NewPortMappingDescription", "rt &#60;&#34;room&#34;&#62; &#38; &#39;co&#39;"],
    ["NewLeaseDuration", "3600"],
  ]);
});

Deno.test("miniupnpd's refusals become UPnP errors with its code and words", async () => {
  for (
    const [answer, code, words] of [
      [soap["AddPortMapping, the port taken by another computer"], 718, "ConflictInMappingEntry"],
      [soap["AddPortMapping, port 80 (not allowed)"], 606, "Action not authorized"],
    ] as const
  ) {
    assertEquals(answer.status, 500);
    await using gateway = router({ AddPortMapping: answer });
    await assertRejects(
      () =>
        addPortMapping(gateway.service(), {
          externalPort: 80,
          internalPort: 80,
          internalClient: "10.77.0.2",
          description: "rt chat room",
          leaseSeconds: 3600,
        }),
      (e) =>
        e instanceof UpnpError && e.upnpCode === code && e.message === `AddPortMapping: ${words}`,
    );
  }
  // An error page without a UPnP error says the HTTP status.
  await using broken = router({ AddPortMapping: { status: 503, body: "busy" } });
  await assertRejects(
    () =>
      addPortMapping(broken.service(), {
        externalPort: 41234,
        internalPort: 41234,
        internalClient: "10.77.0.2",
        description: "rt chat room",
        leaseSeconds: 3600,
      }),
    (e) =>
      e instanceof UpnpError && e.upnpCode === null && e.message === "AddPortMapping: HTTP 503",
  );
});

Deno.test("a mapping is removed by its external port", async () => {
  await using gateway = router({ DeletePortMapping: soap.DeletePortMapping });
  await deletePortMapping(gateway.service(), 41234);
  const [asked] = gateway.asked;
  assertEquals(asked?.action, `"${V2}#DeletePortMapping"`);
  assertEquals(argumentsOf(asked!.body, "DeletePortMapping"), [
    ["NewRemoteHost", ""],
    ["NewExternalPort", "41234"],
    ["NewProtocol", "TCP"],
  ]);
});

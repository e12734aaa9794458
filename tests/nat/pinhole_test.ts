/**
 * Opening the room's port in the router's IPv6 firewall (`openPinhole`), with the system
 * replaced (`PinholeSystem`: the routers, this computer's global addresses, the address it
 * speaks from) and every router a fake on loopback:
 *
 * - UPnP: an IGD v2 on [::1] that serves miniupnpd's recorded description (with its
 *   WANIPv6FirewallControl:1) and answers SOAP. `openPinhole` searches on SSDP's link-local
 *   group out of the globals' interfaces ("lo" here, where no multicast goes: nothing leaves
 *   this machine), so the test finds the search's socket with `ss` and answers it from ::1,
 *   as a router's announcement would reach it (skipped without `ss`).
 * - PCP: a server on [::1]:5351 (PCP's own port, which `openPinhole` always asks), when that
 *   port is free; otherwise its tests are skipped. Where PCP must not answer, the global
 *   address is one this machine does not have, so the PCP request cannot even be sent.
 */
import dgram from "node:dgram";
import { Buffer } from "node:buffer";
import { assertEquals, assertOk } from "../assert.ts";
import recorded from "../testdata/miniupnpd_answers.json" with { type: "json" };
import type { Global6, Router6 } from "../../lib/nat/gateway6.ts";
import { openPinhole, type PinholeOutcome, type PinholeSystem } from "../../lib/nat/pinhole.ts";
import { FIREWALL_SERVICE } from "../../lib/nat/upnp.ts";
import { hasIpv6Loopback } from "../ipv6_loopback.ts";
import { type Answer, argumentsOf, fakeIgd, ok, ROOT_UDN } from "./fixtures/fake_igd.ts";

const OTHER_UDN = "uuid:0badc0de-0000-4000-8000-000000000001";
/** This computer's global address in these tests (not one this machine has). */
const MINE = "2001:db8:77::2";
const ROUTER_GLOBAL = "2001:db8:77::1";
const PORT = 41234;

/** Whether the search's socket can be found: `ss` (iproute2) lists this process's sockets. */
async function canSeeSockets(): Promise<boolean> {
  try {
    const { success } = await new Deno.Command("ss", {
      args: ["-V"],
      stdout: "null",
      stderr: "null",
    })
      .output();
    return success;
  } catch {
    return false;
  }
}
const ignore = !hasIpv6Loopback() || !(await canSeeSockets());

// --- the system -----------------------------------------------------------------------------

function global6(address: string, iface = "lo", temporary = false): Global6 {
  return { address, interface: iface, temporary };
}

/** A system with these routers and globals; the address it speaks from is `source`'s. */
function system(
  routers: Router6[],
  globals: Global6[],
  source: (host: string, port: number) => string | null = () => MINE,
) {
  const asked: { routers: number; towards: [string, number][] } = { routers: 0, towards: [] };
  const sys: PinholeSystem = {
    routers: () => {
      asked.routers++;
      return Promise.resolve(routers);
    },
    globals: () => Promise.resolve(globals),
    sourceTowards: (host, port) => {
      asked.towards.push([host, port]);
      return Promise.resolve(source(host, port));
    },
  };
  return { sys, asked };
}

// --- a UPnP router on [::1] -----------------------------------------------------------------

const REFUSED: Answer = recorded.soap["AddPortMapping, port 80 (not allowed)"];

const STATUS_OPEN = ok(
  "GetFirewallStatus",
  "<FirewallEnabled>1</FirewallEnabled><InboundPinholeAllowed>1</InboundPinholeAllowed>",
);

/** An IGD v2 on `hostname` serving miniupnpd's description (with `udn`); keeps what it is asked. */
function igd(hostname: string, answers: Record<string, Answer>, udn = ROOT_UDN) {
  return fakeIgd(hostname, answers, { udn });
}

// --- answering openPinhole's SSDP search -----------------------------------------------------

/** This process's UDP sockets bound to every address (their ports), as `ss` lists them. */
async function ownWildcardUdp6Ports(): Promise<Set<number>> {
  const { stdout } = await new Deno.Command("ss", {
    args: ["-H", "-u", "-a", "-n", "-p"],
    stdout: "piped",
    stderr: "null",
  }).output();
  const ports = new Set<number>();
  for (const line of new TextDecoder().decode(stdout).split("\n")) {
    if (!line.includes(`pid=${Deno.pid},`)) continue;
    const m = /\s(?:\*|\[::\]):(\d+)\s/.exec(line);
    if (m) ports.add(Number(m[1]));
  }
  return ports;
}

/**
 * Watches for the search's socket (a new UDP socket of this process on [::]) and sends it, from
 * ::1, an announcement of each location, as the router (or anyone on the LAN) would. Resolves
 * with (a promise of) the port it answered, or 0 when no search came within `withinMs`.
 */
async function announceToSearch(
  locations: string[],
  withinMs = 3000,
): Promise<{ answered: Promise<number> }> {
  const before = await ownWildcardUdp6Ports();
  const socket = dgram.createSocket({ type: "udp6" });
  await new Promise<void>((resolve) => socket.bind(0, "::1", () => resolve()));
  const answered = (async () => {
    const until = Date.now() + withinMs;
    let port = 0;
    while (!port && Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      for (const p of await ownWildcardUdp6Ports()) if (!before.has(p)) port = p;
    }
    for (const location of locations) {
      const text = `NOTIFY * HTTP/1.1\r\nHOST: [FF02::C]:1900\r\nNT: ${FIREWALL_SERVICE}\r\n` +
        `NTS: ssdp:alive\r\nUSN: uuid:x::${FIREWALL_SERVICE}\r\nLOCATION: ${location}\r\n\r\n`;
      if (port) {
        await new Promise<void>((resolve) =>
          socket.send(Buffer.from(text), port, "::1", () => resolve())
        );
      }
    }
    await new Promise<void>((resolve) => socket.close(() => resolve()));
    return port;
  })();
  return { answered };
}

/** Opens a pinhole while announcing `locations` to its search; both done. */
async function openWith(
  locations: string[],
  options: Parameters<typeof openPinhole>[1],
): Promise<{ outcome: PinholeOutcome; searched: number }> {
  // Every socket there is before the search is not the search's.
  const { answered } = await announceToSearch(locations);
  const outcome = await openPinhole(PORT, options);
  return { outcome, searched: await answered };
}

function deadline(ms = 3000): number {
  return Date.now() + ms;
}

// --- the tests ------------------------------------------------------------------------------

Deno.test("no global IPv6 address, or no IPv6 route: no-ipv6, and nobody is asked", async () => {
  const none = system([{ address: ROUTER_GLOBAL, interface: "lo" }], []);
  const outcome = await openPinhole(PORT, {
    deadline: deadline(),
    leaseSeconds: 3600,
    system: none.sys,
  });
  assertEquals(outcome.ok, false);
  assertEquals(!outcome.ok && outcome.reason, "no-ipv6");
  assertEquals(none.asked.routers, 0, "the routers are not even looked for");

  const noRoute = system([], [global6(MINE)]);
  const second = await openPinhole(PORT, {
    deadline: deadline(),
    leaseSeconds: 3600,
    system: noRoute.sys,
  });
  assertEquals(second.ok, false);
  assertEquals(!second.ok && second.reason, "no-ipv6");
  assertOk(!second.ok && /route/.test(second.detail), JSON.stringify(second));

  // A room bound to an address this computer does not have.
  const elsewhere = system([{ address: ROUTER_GLOBAL, interface: "lo" }], [global6(MINE)]);
  const third = await openPinhole(PORT, {
    deadline: deadline(),
    leaseSeconds: 3600,
    address: "2001:db8:77::99",
    system: elsewhere.sys,
  });
  assertEquals(third.ok, false);
  assertEquals(!third.ok && third.reason, "no-ipv6");
  assertOk(!third.ok && /global IPv6 address/.test(third.detail), JSON.stringify(third));
  assertEquals(elsewhere.asked.towards, []);
});

Deno.test({
  name: "UPnP: the router's firewall opens the port for the address this computer speaks from",
  ignore,
  fn: async () => {
    await using router = igd("::1", {
      GetFirewallStatus: STATUS_OPEN,
      AddPinhole: ok("AddPinhole", "<UniqueID>42</UniqueID>"),
      DeletePinhole: ok("DeletePinhole"),
    });
    const { sys, asked } = system(
      [{ address: "::1", interface: "lo" }],
      [global6("2001:db8:77:0:a1b2:c3d4:e5f6:718", "lo", true), global6(MINE)],
    );
    const { outcome, searched } = await openWith([router.location], {
      deadline: deadline(),
      leaseSeconds: 1800,
      system: sys,
    });
    assertOk(searched, "the search was heard");
    assertOk(outcome.ok, JSON.stringify(outcome));
    const pinhole = outcome.pinhole;
    try {
      assertEquals(
        { address: pinhole.address, port: pinhole.port, method: pinhole.method },
        { address: MINE, port: PORT, method: "UPnP IGD v2" },
      );
      assertEquals(asked.towards, [["::1", router.port]], "asked where its requests come from");
      assertEquals(router.actions(), ["GetFirewallStatus", "AddPinhole"]);
      const add = router.asked.find((a) => a.action?.endsWith('#AddPinhole"'))!;
      assertEquals(add.path, "/ctl/IP6FCtl");
      assertEquals(argumentsOf(add.body, "AddPinhole"), [
        ["RemoteHost", ""],
        ["RemotePort", "0"],
        ["InternalClient", MINE],
        ["InternalPort", String(PORT)],
        ["Protocol", "6"],
        ["LeaseTime", "1800"],
      ]);
    } finally {
      await pinhole.close();
    }
    assertEquals(router.actions(), ["GetFirewallStatus", "AddPinhole", "DeletePinhole"]);
    const remove = router.asked.at(-1)!;
    assertEquals(argumentsOf(remove.body, "DeletePinhole"), [["UniqueID", "42"]]);
    // Closing again does nothing more.
    await pinhole.close();
    assertEquals(router.actions().length, 3);
  },
});

Deno.test({
  name: "UPnP: not for an address that is not one of this computer's globals",
  ignore,
  fn: async () => {
    for (const source of ["2001:db8:77::5", null, "::1"]) {
      await using router = igd("::1", {
        GetFirewallStatus: STATUS_OPEN,
        AddPinhole: ok("AddPinhole", "<UniqueID>42</UniqueID>"),
      });
      const { sys, asked } = system(
        [{ address: "::1", interface: "lo" }],
        [global6(MINE)],
        () => source,
      );
      const { outcome, searched } = await openWith([router.location], {
        deadline: deadline(2000),
        leaseSeconds: 1800,
        system: sys,
      });
      assertOk(searched, "the search was heard");
      assertEquals(asked.towards.length, 1, String(source));
      assertEquals(router.actions(), [], String(source));
      assertEquals(!outcome.ok && outcome.reason, "no-router", JSON.stringify(outcome));
    }
  },
});

Deno.test({
  name: "UPnP: a room bound to one address opens only that one",
  ignore,
  fn: async () => {
    await using router = igd("::1", {
      GetFirewallStatus: STATUS_OPEN,
      AddPinhole: ok("AddPinhole", "<UniqueID>42</UniqueID>"),
    });
    // The router would see MINE; the room listens on the other address only.
    const { sys } = system(
      [{ address: "::1", interface: "lo" }],
      [global6(MINE), global6("2001:db8:77::3")],
    );
    const { outcome, searched } = await openWith([router.location], {
      deadline: deadline(2000),
      leaseSeconds: 1800,
      address: "2001:db8:77::3",
      system: sys,
    });
    assertOk(searched, "the search was heard");
    assertEquals(router.asked.map((a) => a.path), ["/rootDesc.xml"], "it was found");
    assertEquals(router.actions(), []);
    assertEquals(!outcome.ok && outcome.reason, "no-router", JSON.stringify(outcome));
  },
});

Deno.test({
  name: "UPnP: a description elsewhere than a router is not used unless it is the IPv4 gateway's",
  ignore,
  fn: async () => {
    // The IPv6 router is 2001:db8:77::1; the description is announced on ::1.
    const routers = [{ address: ROUTER_GLOBAL, interface: "lo" }];
    const answers = {
      GetFirewallStatus: STATUS_OPEN,
      AddPinhole: ok("AddPinhole", "<UniqueID>9</UniqueID>"),
      DeletePinhole: ok("DeletePinhole"),
    };

    // Another device, as the IPv4 gateway's UDN says.
    {
      await using device = igd("::1", answers, OTHER_UDN);
      await using gateway4 = igd("127.0.0.1", {}, ROOT_UDN);
      const { sys, asked } = system(routers, [global6(MINE)]);
      const { outcome, searched } = await openWith([device.location], {
        deadline: deadline(2000),
        leaseSeconds: 1800,
        v4Locations: Promise.resolve([gateway4.location]),
        system: sys,
      });
      assertOk(searched, "the search was heard");
      assertEquals(gateway4.asked.map((a) => a.path), ["/rootDesc.xml"], "its UDN was read");
      assertEquals(device.actions(), [], "nothing was asked of the other device");
      assertEquals(asked.towards, []);
      assertEquals(!outcome.ok && outcome.reason, "no-router", JSON.stringify(outcome));
    }

    // No IPv4 gateway to compare with.
    {
      await using device = igd("::1", answers, ROOT_UDN);
      const { sys } = system(routers, [global6(MINE)]);
      const { outcome, searched } = await openWith([device.location], {
        deadline: deadline(2000),
        leaseSeconds: 1800,
        v4Locations: Promise.resolve([]),
        system: sys,
      });
      assertOk(searched, "the search was heard");
      assertEquals(device.asked.map((a) => a.path), ["/rootDesc.xml"], "it was found");
      assertEquals(device.actions(), []);
      assertEquals(!outcome.ok && outcome.reason, "no-router", JSON.stringify(outcome));
    }

    // The very device the IPv4 gateway is: used.
    {
      await using device = igd("::1", answers, ROOT_UDN);
      await using gateway4 = igd("127.0.0.1", {}, ROOT_UDN);
      const { sys, asked } = system(routers, [global6(MINE)]);
      const { outcome } = await openWith([device.location], {
        deadline: deadline(),
        leaseSeconds: 1800,
        v4Locations: Promise.resolve([gateway4.location]),
        system: sys,
      });
      assertOk(outcome.ok, JSON.stringify(outcome));
      try {
        assertEquals(outcome.pinhole.address, MINE);
        assertEquals(outcome.pinhole.method, "UPnP IGD v2");
        assertEquals(asked.towards, [["::1", device.port]]);
      } finally {
        await outcome.pinhole.close();
      }
      assertEquals(device.actions(), ["GetFirewallStatus", "AddPinhole", "DeletePinhole"]);
      assertEquals(argumentsOf(device.asked.at(-1)!.body, "DeletePinhole"), [["UniqueID", "9"]]);
    }
  },
});

Deno.test({
  name: "UPnP: the router's refusal (606) is 'refused', with its words",
  ignore,
  fn: async () => {
    await using router = igd("::1", { GetFirewallStatus: STATUS_OPEN, AddPinhole: REFUSED });
    const { sys } = system([{ address: "::1", interface: "lo" }], [global6(MINE)]);
    const { outcome } = await openWith([router.location], {
      deadline: deadline(),
      leaseSeconds: 1800,
      system: sys,
    });
    assertEquals(outcome.ok, false);
    assertEquals(!outcome.ok && outcome.reason, "refused", JSON.stringify(outcome));
    assertOk(
      !outcome.ok && outcome.detail.includes("Action not authorized"),
      JSON.stringify(outcome),
    );
    assertEquals(router.actions(), ["GetFirewallStatus", "AddPinhole"]);
  },
});

Deno.test({
  name: "UPnP: a firewall that allows no pinholes is not asked for one",
  ignore,
  fn: async () => {
    await using router = igd("::1", {
      GetFirewallStatus: ok(
        "GetFirewallStatus",
        "<FirewallEnabled>1</FirewallEnabled><InboundPinholeAllowed>0</InboundPinholeAllowed>",
      ),
      AddPinhole: ok("AddPinhole", "<UniqueID>1</UniqueID>"),
    });
    const { sys } = system([{ address: "::1", interface: "lo" }], [global6(MINE)]);
    const { outcome } = await openWith([router.location], {
      deadline: deadline(),
      leaseSeconds: 1800,
      system: sys,
    });
    assertEquals(!outcome.ok && outcome.reason, "refused", JSON.stringify(outcome));
    assertEquals(router.actions(), ["GetFirewallStatus"]);
  },
});

Deno.test({
  name: "nobody answers: no-router, by the deadline",
  ignore,
  fn: async () => {
    const { sys } = system([{ address: ROUTER_GLOBAL, interface: "lo" }], [global6(MINE)]);
    const started = Date.now();
    const { outcome, searched } = await openWith([], {
      deadline: deadline(1500),
      leaseSeconds: 1800,
      system: sys,
    });
    assertOk(searched, "a search was made");
    assertEquals(!outcome.ok && outcome.reason, "no-router", JSON.stringify(outcome));
    assertOk(Date.now() - started < 2500, `${Date.now() - started} ms`);
  },
});

// --- PCP on [::1]:5351 ----------------------------------------------------------------------

/** Whether PCP's port on ::1 is free for a fake server. */
async function canBindPcp(): Promise<boolean> {
  if (!hasIpv6Loopback()) return false;
  const socket = dgram.createSocket({ type: "udp6" });
  const bound = await new Promise<boolean>((resolve) => {
    socket.once("error", () => resolve(false));
    socket.bind(5351, "::1", () => resolve(true));
  });
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return bound;
}
const noPcp = ignore || !(await canBindPcp());

/** A PCP server on [::1]:5351 answering each MAP request with `result` (0: granted). */
async function pcpServer(result: number, externalAddress = MINE) {
  const socket = dgram.createSocket({ type: "udp6" });
  const requests: Uint8Array[] = [];
  socket.on("message", (message: Buffer, from: { address: string; port: number }) => {
    const request = new Uint8Array(message);
    requests.push(request);
    const answer = new Uint8Array(60);
    const view = new DataView(answer.buffer);
    answer[0] = 2;
    answer[1] = 0x81;
    answer[3] = result;
    view.setUint32(4, result === 0 ? new DataView(request.buffer).getUint32(4) : 0);
    view.setUint32(8, 1000);
    answer.set(request.subarray(24, 60), 24); // nonce, protocol, ports, address
    const groups = externalAddress.split(":"); // full form only, below
    if (result === 0) {
      groups.forEach((g, i) => view.setUint16(44 + 2 * i, parseInt(g || "0", 16)));
    }
    socket.send(Buffer.from(answer), from.port, from.address);
  });
  await new Promise<void>((resolve) => socket.bind(5351, "::1", () => resolve()));
  return {
    requests,
    [Symbol.asyncDispose]: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}

Deno.test({
  name: "PCP: the pinhole it grants is this computer's global address; closing deletes it",
  ignore: noPcp,
  fn: async () => {
    await using server = await pcpServer(0, "2001:db8:77:0:0:0:0:2");
    // PCP asks from the global address: here ::1, so that its request can be sent.
    const { sys } = system([{ address: "::1", interface: "lo" }], [global6("::1")]);
    const controller = new AbortController();
    const outcome = await openPinhole(PORT, {
      deadline: deadline(),
      leaseSeconds: 1800,
      system: sys,
      signal: controller.signal,
    });
    controller.abort(); // ends UPnP's search
    assertOk(outcome.ok, JSON.stringify(outcome));
    try {
      assertEquals(outcome.pinhole.method, "PCP");
      assertEquals(outcome.pinhole.port, PORT);
      // The router's external address is global: the one people reach.
      assertEquals(outcome.pinhole.address, MINE);
    } finally {
      await outcome.pinhole.close();
    }
    const [map, ...rest] = server.requests;
    assertEquals(new DataView(map!.buffer).getUint32(4), 1800, "the lease asked for");
    assertEquals(new DataView(map!.buffer).getUint16(40), PORT);
    const deletion = rest.find((r) => new DataView(r.buffer).getUint32(4) === 0);
    assertOk(deletion, "a deletion was sent");
    assertEquals(deletion.subarray(24, 36), map!.subarray(24, 36), "with the same nonce");
  },
});

Deno.test({
  name: "PCP: a refusal is 'refused', with its words",
  ignore: noPcp,
  fn: async () => {
    await using _server = await pcpServer(2); // NOT_AUTHORIZED
    const { sys } = system([{ address: "::1", interface: "lo" }], [global6("::1")]);
    const outcome = await openPinhole(PORT, {
      deadline: deadline(1500),
      leaseSeconds: 1800,
      system: sys,
    });
    assertEquals(!outcome.ok && outcome.reason, "refused", JSON.stringify(outcome));
    assertOk(!outcome.ok && /PCP/.test(outcome.detail), JSON.stringify(outcome));
  },
});

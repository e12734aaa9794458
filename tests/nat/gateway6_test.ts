/**
 * This computer's IPv6 view: its default routes' next hops and its global addresses, read from
 * Linux's `/proc/net/ipv6_route` and `/proc/net/if_inet6` (lines as the kernel writes them),
 * the routers guessed when the routing table cannot be read, the address it speaks from to a
 * host, and the RFC 5952 text every address is compared in.
 */
import { assertEquals, assertOk } from "../assert.ts";
import {
  globalsFromProcIfInet6,
  guessedRouters,
  isGlobalV6,
  isLinkLocalV6,
  routersFromProcIpv6Route,
  sourceTowards,
} from "../../lib/nat/gateway6.ts";
import { canonicalIpv6, formatIpv6 } from "../../lib/util/mod.ts";
import { hasIpv6Loopback } from "../ipv6_loopback.ts";

/** One line of /proc/net/ipv6_route: destination, its length, source, its length, next hop... */
function route(
  destination: string,
  length: string,
  nextHop: string,
  iface: string,
  flags = "00000003",
): string {
  return `${destination} ${length} ${"0".repeat(32)} 00 ${nextHop} 00000400 00000001 00000000 ` +
    `${flags} ${iface.padStart(8)}`;
}

const ANY = "0".repeat(32);

Deno.test("ipv6_route: the default routes' next hops, canonical, with their interface", () => {
  const text = [
    // Connected routes (no next hop) and a non-default route through a router.
    route("20010db8007700000000000000000000", "40", ANY, "eth0", "00000001"),
    route("fe800000000000000000000000000000", "40", ANY, "eth0", "00000001"),
    route("20010db8009900000000000000000000", "30", "20010db80077000000000000000000fe", "eth0"),
    // The default route through the router's global address...
    route(ANY, "00", "20010db8007700000000000000000001", "eth0"),
    // ...the same again (another metric): once.
    route(ANY, "00", "20010db8007700000000000000000001", "eth0", "00450003"),
    // A default route through a link-local next hop (as routers advertise themselves).
    route(ANY, "00", "fe800000000000000000000000000001", "wlan0", "00450003"),
    // Host routes and the kernel's "unreachable" default on lo.
    route("00000000000000000000000000000001", "80", ANY, "lo", "80200001"),
    route("20010db8007700000000000000000002", "80", ANY, "eth0", "80200001"),
    route(ANY, "00", ANY, "lo", "00200200"),
    // A default route on lo with a next hop: not a way out.
    route(ANY, "00", "20010db8000000000000000000000001", "lo"),
    route("ff000000000000000000000000000000", "08", ANY, "eth0", "00000001"),
    "",
  ].join("\n");
  assertEquals(routersFromProcIpv6Route(text), [
    { address: "2001:db8:77::1", interface: "eth0" },
    { address: "fe80::1", interface: "wlan0" },
  ]);
});

Deno.test("ipv6_route: the same next hop on two interfaces is two routers; junk is skipped", () => {
  const hop = "fe800000000000000000000000000001";
  const text = [
    route(ANY, "00", hop, "eth0"),
    route(ANY, "00", hop, "eth1"),
    route(ANY, "00", hop, "eth0"),
    // A destination of ::/0 written with another length, or a non-zero destination of length 0.
    route(ANY, "40", "fe800000000000000000000000000002", "eth0"),
    route("20010db8000000000000000000000000", "00", "fe800000000000000000000000000003", "eth0"),
    // Too few fields, a next hop that is not 32 hex digits.
    `${ANY} 00 ${ANY} 00 ${hop} 00000400`,
    route(ANY, "00", "fe80000000000000000000000000001", "eth0"),
    route(ANY, "00", "fe80000000000000000000000000000g", "eth0"),
    "garbage",
  ].join("\n");
  assertEquals(routersFromProcIpv6Route(text), [
    { address: "fe80::1", interface: "eth0" },
    { address: "fe80::1", interface: "eth1" },
  ]);
  assertEquals(routersFromProcIpv6Route(""), []);
});

Deno.test("ipv6_route: this machine's own table reads without throwing", async () => {
  let text: string;
  try {
    text = await Deno.readTextFile("/proc/net/ipv6_route");
  } catch {
    return; // Not Linux, or no IPv6.
  }
  for (const router of routersFromProcIpv6Route(text)) {
    assertEquals(canonicalIpv6(router.address), router.address);
    assertOk(router.interface !== "lo" && router.interface !== "");
  }
});

/** One line of /proc/net/if_inet6: address, interface index, prefix, scope, flags, name. */
function inet6(address: string, flags: string, iface = "eth0", scope = "00"): string {
  return `${address} 04 40 ${scope} ${flags} ${iface.padStart(8)}`;
}

Deno.test("if_inet6: global addresses only, without tentative, deprecated or failed ones", () => {
  const text = [
    inet6("20010db8007700000000000000000002", "80"), // permanent (static)
    inet6("20010db80077000002163efffe000002", "00"), // from SLAAC
    inet6("20010db800770000a1b2c3d4e5f60718", "01"), // temporary (privacy)
    inet6("20010db8007700000000000000000003", "02"), // nodad: kept
    inet6("20010db8007700000000000000000004", "40"), // tentative
    inet6("20010db8007700000000000000000005", "41"), // tentative and temporary
    inet6("20010db8007700000000000000000006", "20"), // deprecated
    inet6("20010db8007700000000000000000007", "21"), // deprecated temporary
    inet6("20010db8007700000000000000000008", "08"), // duplicate address detection failed
    inet6("20010db8007700000000000000000009", "100"), // flags past one byte (not temporary)
    inet6("fe8000000000000002163efffe000002", "80", "eth0", "20"), // link-local
    inet6("fd000000000000000000000000000002", "80"), // unique local: not global
    inet6("00000000000000000000000000000001", "80", "lo", "10"), // loopback
    inet6("ff020000000000000000000000000001", "80"), // multicast
    inet6("3fff0000000000000000000000000001", "00", "wg0"), // the end of 2000::/3
    "20010db8007700000000000000000010 04 40 00 80", // no name
    inet6("20010db8007700000000000000000011", "zz"), // flags not hex
    inet6("20010db800770000000000000000001", "80"), // 31 digits
    "",
  ].join("\n");
  assertEquals(globalsFromProcIfInet6(text), [
    { address: "2001:db8:77::2", interface: "eth0", temporary: false },
    { address: "2001:db8:77:0:216:3eff:fe00:2", interface: "eth0", temporary: false },
    { address: "2001:db8:77:0:a1b2:c3d4:e5f6:718", interface: "eth0", temporary: true },
    { address: "2001:db8:77::3", interface: "eth0", temporary: false },
    { address: "2001:db8:77::9", interface: "eth0", temporary: false },
    { address: "3fff::1", interface: "wg0", temporary: false },
  ]);
});

Deno.test("the routers guessed from global addresses: the first address of each /64", () => {
  const g = (address: string, iface = "eth0", temporary = false) => ({
    address,
    interface: iface,
    temporary,
  });
  assertEquals(
    guessedRouters([
      g("2001:db8:77:0:216:3eff:fe00:2"),
      g("2001:db8:77:0:a1b2:c3d4:e5f6:718", "eth0", true), // the same /64: once
      g("2001:db8:88:1::5", "wlan0"),
      g("2001:db8:99::1", "eth1"), // this computer is its /64's first address: not a router
      g("not an address"),
    ]),
    [
      { address: "2001:db8:77::1", interface: "eth0" },
      { address: "2001:db8:88:1::1", interface: "wlan0" },
    ],
  );
  assertEquals(guessedRouters([]), []);
});

Deno.test("global and link-local IPv6 addresses", () => {
  for (const a of ["2001:db8::1", "2000::", "3fff:ffff::1", "2001:DB8::1%eth0", "2a00:1450::"]) {
    assertOk(isGlobalV6(a), a);
  }
  for (
    const a of ["fe80::1", "fd00::2", "::1", "::", "ff02::c", "4000::1", "1fff::1", "10.0.0.1", ""]
  ) {
    assertOk(!isGlobalV6(a), a);
  }
  for (const a of ["fe80::1", "fe80::1%eth0", "FE80::1", "febf:ffff::1", "fe80::"]) {
    assertOk(isLinkLocalV6(a), a);
  }
  for (const a of ["fec0::1", "fe7f::1", "2001:db8::1", "::1", "fe80", "169.254.0.1"]) {
    assertOk(!isLinkLocalV6(a), a);
  }
});

Deno.test("RFC 5952 text: lower case, the first longest run of two or more zeros as ::", () => {
  const cases: [number[], string][] = [
    [[0, 0, 0, 0, 0, 0, 0, 0], "::"],
    [[0, 0, 0, 0, 0, 0, 0, 1], "::1"],
    [[1, 0, 0, 0, 0, 0, 0, 0], "1::"],
    [[0x2001, 0xdb8, 0, 0, 0, 0, 0, 1], "2001:db8::1"],
    // The longest run wins, wherever it is.
    [[1, 0, 0, 2, 0, 0, 0, 3], "1:0:0:2::3"],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 0], "2001:db8:0:0:1::"],
    // A tie: the first.
    [[1, 0, 0, 2, 0, 0, 3, 4], "1::2:0:0:3:4"],
    [[0x2001, 0xdb8, 0, 0, 1, 0, 0, 1], "2001:db8::1:0:0:1"],
    // One zero group alone is never "::".
    [[0x2001, 0xdb8, 0, 1, 1, 1, 1, 1], "2001:db8:0:1:1:1:1:1"],
    [[1, 0, 2, 0, 3, 0, 4, 0], "1:0:2:0:3:0:4:0"],
    [[0, 1, 2, 3, 4, 5, 6, 7], "0:1:2:3:4:5:6:7"],
    [[0xffff, 0xabcd, 0xef, 0xa, 0, 0, 0xfe80, 0xffff], "ffff:abcd:ef:a::fe80:ffff"],
  ];
  for (const [groups, text] of cases) assertEquals(formatIpv6(groups), text, text);
});

Deno.test("canonical IPv6 text from any spelling; not an address is null", () => {
  const cases: [string, string | null][] = [
    ["::", "::"],
    ["0:0:0:0:0:0:0:0", "::"],
    ["0:0:0:0:0:0:0:1", "::1"],
    ["2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"],
    ["2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"],
    ["2001:db8::0:1", "2001:db8::1"],
    ["2001:db8:0::1:0:0:1", "2001:db8::1:0:0:1"],
    ["fe80::1%eth0", "fe80::1"],
    ["FE80::0001%25wlan0", "fe80::1"],
    ["::ffff:192.0.2.1", "::ffff:c000:201"],
    ["2001:db8:0:1::", "2001:db8:0:1::"],
    ["2001:db8:0:0:0:0:1:0", "2001:db8::1:0"],
    ["192.0.2.1", null],
    ["", null],
    [":", null],
    [":::", null],
    ["1::2::3", null],
    ["12345::1", null],
    ["1:2:3:4:5:6:7", null],
    ["1:2:3:4:5:6:7:8:9", null],
    ["g::1", null],
    ["::ffff:192.0.2.256", null],
    ["router.lan", null],
  ];
  for (const [text, canonical] of cases) assertEquals(canonicalIpv6(text), canonical, text);
});

Deno.test("canonical IPv6 text: '::' stands for at least one zero group", () => {
  // RFC 4291 2.2: "::" is one or more groups of zeros; with eight groups besides it is no
  // address (inet_pton and the URL parser refuse these).
  for (const text of ["1:2:3:4::5:6:7:8", "::1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::"]) {
    assertEquals(canonicalIpv6(text), null, text);
  }
});

Deno.test({
  name: "the address this computer speaks from to a host over TCP",
  ignore: !hasIpv6Loopback(),
}, async () => {
  const listener = Deno.listen({ hostname: "::1", port: 0 });
  const { port } = listener.addr as Deno.NetAddr;
  const accepting = (async () => {
    for await (const conn of listener) conn.close();
  })();
  try {
    assertEquals(await sourceTowards("::1", port), "::1");
    assertEquals(await sourceTowards("0:0:0:0:0:0:0:1", port), "::1");
  } finally {
    listener.close();
    await accepting.catch(() => {});
  }
  // Nobody listening any more: no answer.
  assertEquals(await sourceTowards("::1", port, 1000), null);
});

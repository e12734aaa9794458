/**
 * The host's notices on their way out: in the order given, whatever order their addresses are
 * described in; Tor's joiners and summaries not described; an address that cannot be described
 * said without, and a bug in describing it said as one. And what ends a connection's work
 * unexpectedly: a network failure quietly, anything else as a bug.
 */
import { assertEquals } from "../assert.ts";
import { RtError } from "../../lib/errors.ts";
import type { AddressInfo } from "../../lib/host/address_info.ts";
import type { HostNotice } from "../../lib/host/host_options.ts";
import { Notices } from "../../lib/host/notices.ts";
import { NoticeRate } from "../../lib/host/notice_rate.ts";
import { connectionFailure } from "../../lib/host/connection_failure.ts";

function board(describe: (address: string) => Promise<AddressInfo>, rate?: NoticeRate) {
  const given: HostNotice[] = [];
  const asked: string[] = [];
  const notices = new Notices({
    describe: (address) => {
      asked.push(address);
      return describe(address);
    },
    onNotice: (n) => given.push(n),
  }, rate);
  return { notices, given, asked };
}

Deno.test("notices come in the order given, each with its address described", async () => {
  const lookups = new Map<string, PromiseWithResolvers<AddressInfo>>();
  const { notices, given, asked } = board((address) => {
    const lookup = Promise.withResolvers<AddressInfo>();
    lookups.set(address, lookup);
    return lookup.promise;
  });
  notices.give(
    { code: "wrong-password", text: "first", address: "192.0.2.1" },
    { code: "refused", text: "second", address: "198.51.100.2", limited: true },
    { code: "denied", text: "through Tor", address: "onion" },
  );
  // Looked up at once, in parallel; Tor's address is not looked up.
  assertEquals(asked, ["192.0.2.1", "198.51.100.2"]);
  lookups.get("198.51.100.2")!.resolve({ country: "NL", asn: 64500, asName: "Example" });
  // Everything that can run now has run: the second still waits for the first.
  await new Promise((resolve) => setTimeout(resolve, 0));
  assertEquals(given, []);
  lookups.get("192.0.2.1")!.resolve({});
  await notices.idle;
  assertEquals(given, [
    { code: "wrong-password", text: "first", address: "192.0.2.1" },
    {
      code: "refused",
      text: "second [NL, AS64500 Example]",
      address: "198.51.100.2",
      info: { country: "NL", asn: 64500, asName: "Example" },
    },
    { code: "denied", text: "through Tor", address: "onion" },
  ]);
});

Deno.test("an address that cannot be described is said without; a bug in describing it is told", async () => {
  const { notices, given } = board((address) =>
    address === "192.0.2.1"
      ? Promise.reject(new Deno.errors.TimedOut("no answer"))
      : Promise.reject(new TypeError("lookup is not a function"))
  );
  notices.give({ code: "flood", text: "one", address: "192.0.2.1" });
  notices.give({ code: "flood", text: "two", address: "192.0.2.2" });
  await notices.idle;
  assertEquals(given.map((n) => [n.code, n.text, n.info]), [
    ["flood", "one", undefined],
    ["flood", "two", undefined],
    [
      "internal",
      "Describing 192.0.2.2 failed: internal error in rt (TypeError: lookup is not a function); " +
      "please report it",
      undefined,
    ],
  ]);
});

Deno.test("notices left out are counted in one line, whose address is not looked up", async () => {
  let now = 0;
  const { notices, given, asked } = board(
    () => Promise.resolve({ country: "DE" }),
    new NoticeRate(1, 1, () => now),
  );
  for (const address of ["192.0.2.1", "192.0.2.2", "192.0.2.3"]) {
    notices.give({ code: "refused", text: `from ${address}`, address, limited: true });
  }
  now += 1000;
  notices.give({ code: "refused", text: "from 192.0.2.4", address: "192.0.2.4", limited: true });
  await notices.idle;
  assertEquals(given.map((n) => n.text), [
    "from 192.0.2.1 [DE]",
    "2 more notices about connections were left out: too many connections at once",
    "from 192.0.2.4 [DE]",
  ]);
  assertEquals(asked, ["192.0.2.1", "192.0.2.4"]);
});

Deno.test("a connection's work ended unexpectedly: a network failure quietly, anything else as a bug", () => {
  for (
    const error of [
      new RtError("connection-closed", "lost"),
      new RtError("denied", "Blocked"),
      new Deno.errors.ConnectionReset("reset"),
      new Deno.errors.BadResource("closed"),
    ]
  ) {
    assertEquals(connectionFailure(error, "192.0.2.1"), null, String(error));
  }
  assertEquals(connectionFailure(new TypeError("x.y is not a function"), "onion"), {
    code: "internal",
    text: "Closed connection from a joiner through Tor: internal error in rt (TypeError: x.y is " +
      "not a function); please report it",
    address: "onion",
  });
  assertEquals(
    connectionFailure(new RangeError("Invalid rate 0"), "192.0.2.1")?.text,
    "Closed connection from 192.0.2.1: Invalid rate 0",
  );
  const internal = new RtError(
    "internal",
    "internal error in rt (ReferenceError: x is not defined)",
  );
  assertEquals(connectionFailure(internal, "192.0.2.1")?.code, "internal");
});

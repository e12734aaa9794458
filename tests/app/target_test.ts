import { assertEquals, assertThrows } from "../assert.ts";
import { parseTarget } from "../../lib/app/target.ts";
import { RtError } from "../../lib/errors.ts";

Deno.test("every documented way of writing the address parses", () => {
  assertEquals(parseTarget("192.168.1.23", "41234"), { host: "192.168.1.23", port: 41234 });
  assertEquals(parseTarget("192.168.1.23:41234"), { host: "192.168.1.23", port: 41234 });
  assertEquals(parseTarget("localhost:9"), { host: "localhost", port: 9 });
  assertEquals(parseTarget("[2001:db8::5]:41234"), { host: "2001:db8::5", port: 41234 });
  assertEquals(parseTarget("2001:db8::5", "41234"), { host: "2001:db8::5", port: 41234 });
  assertEquals(parseTarget("[2001:db8::5]", "41234"), { host: "2001:db8::5", port: 41234 });
});

Deno.test("bad addresses and ports are usage errors with a reason", () => {
  const usage = (e: unknown) => e instanceof RtError && e.code === "usage" && e.message.length > 0;
  for (const [a, p] of [["host", "0"], ["host", "65536"], ["host", "12ab"], ["host", "-1"]]) {
    assertThrows(() => parseTarget(a!, p), usage);
  }
  for (const a of ["host", "2001:db8::5", ":41234", "a b:1", "[::1]:", "host:99999"]) {
    assertThrows(() => parseTarget(a), usage);
  }
});

/**
 * Garbage connections against a real host (issue 13, item 7): nobody here knows the password,
 * yet each connection costs the host something until it is closed.
 *
 * A flood of a fixed number of connections (not of a fixed time); then the host's memory is
 * checked against the goals, with margins meant for a busy test machine, and every
 * message between the members must have arrived. How long deliveries took is printed, not
 * asserted: tests never assert timings (the figure the issue asks for, 250 ms, is measured where
 * speed is measured).
 */
import { assertEquals } from "../assert.ts";
import { mib, summary } from "./attack_tools.ts";
import { check, E2e } from "./harness.ts";
import { floodRoom, resetConnection } from "./flood_tools.ts";

/** The goals for the host's memory. */
const PEAK_GROWTH_BYTES = 100 * 1000 * 1000;
const SETTLED_BYTES = 20 * 1000 * 1000;

function report(test: string, what: string): void {
  console.log(`  [${test}] ${what}`);
}

// Linux only: the host's memory is read from /proc, and the flood comes from 127.0.0.2 and
// up, which only Linux routes to the loopback interface without configuration.
Deno.test({
  name:
    "flood of garbage connections: host memory bounded and given back, members unhurt, room still open",
  ignore: Deno.build.os !== "linux",
}, async () => {
  await using e2e = new E2e();
  const T = "flood";
  // 8,000 connections from 16 loopback addresses, 1,000 at a time: garbage, handshake-shaped
  // nonsense and bad length prefixes, 1–12 pieces each. A host that stops accepting makes the
  // flood give up early instead of waiting for every connection. The patience is generous: on
  // a machine busy with other work a healthy host is slow, not stopped, and only a host that
  // stops for good fails a quarter of the connections.
  const lingerMs = 10_000;
  const m = await floodRoom(e2e, {
    connections: 8000,
    sources: 16,
    concurrency: 1000,
    seed: 7,
    lingerMs,
    giveUpAfter: 2000,
  });
  const grew = m.peak.anon - m.before.anon, kept = m.after.anon - m.before.anon;
  report(
    T,
    `${m.flood.connections} connections in ${(m.flood.ms / 1000).toFixed(1)} s ` +
      `(${m.flood.failed} not opened, ${m.flood.lingered} not closed by the host within ` +
      `${lingerMs / 1000} s` +
      `${m.flood.gaveUp ? ", GAVE UP" : ""}); ${m.notices} notices`,
  );
  report(
    T,
    `host memory allocated (RssAnon): before ${mib(m.before.anon)}, peak +${mib(grew)}, ` +
      `${kept < 0 ? "" : "+"}${mib(kept)} ${(m.settleMs / 1000).toFixed(1)} s after the flood`,
  );
  report(
    T,
    `host memory resident (VmRSS): before ${mib(m.before.rss)}, peak ${mib(m.peak.rss)}, ` +
      `after ${mib(m.after.rss)}`,
  );
  report(T, `alice <-> bob delivery during the flood: ${summary(m.deliveries)}; lost ${m.lost}`);

  check(
    e2e,
    !m.flood.gaveUp,
    `the host stopped accepting or closing connections: ${JSON.stringify(m.flood)}`,
  );
  // The room still lets people in.
  const carol = await e2e.join(m.port, "carol", m.password);
  assertEquals(carol.exited, null);
  check(e2e, m.lost === 0, `${m.lost} messages between the members were lost`);
  // Allocated memory (RssAnon), not VmRSS: the latter also counts the pages of the `deno`
  // executable, which the system drops and reloads under memory pressure from other processes
  // (tens of MB either way, nothing to do with the flood).
  check(e2e, grew < PEAK_GROWTH_BYTES, `the host grew by ${mib(grew)} during the flood`);
  check(
    e2e,
    kept <= SETTLED_BYTES,
    `${(m.settleMs / 1000).toFixed(1)} s after the flood the host still held ${mib(kept)} ` +
      "more than before it",
  );
});

Deno.test({
  name: "a connection reset before the host accepts it does not stop the host from accepting",
  // The host is paused with SIGSTOP while the connections are made and reset.
  ignore: Deno.build.os === "windows",
}, async () => {
  await using e2e = new E2e();
  const { process: host, port } = await e2e.host({ name: "hana" });
  // While the host is stopped, the system completes these connections and queues them; each
  // is reset before the host gets to accept it, so accepting it fails ("not connected").
  host.kill("SIGSTOP");
  try {
    await Promise.all(Array.from({ length: 5 }, () => resetConnection(port)));
  } finally {
    host.kill("SIGCONT");
  }
  const alice = await e2e.join(port, "alice");
  await host.next("joined", (e) => e.name === "alice");
  assertEquals(alice.exited, null);
});

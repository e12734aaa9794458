/**
 * The benchmark's pure logic: how a rate passes (the median of its tries), where the search
 * goes next, the load's chat-line stamps, merged histograms, /proc figures and the side-by-side
 * ratios. (The measurements themselves run with `deno task bench`.)
 *
 * @module
 */
import { assertEquals, assertOk } from "../assert.ts";
import type { StepResult } from "../../bench/load.ts";
import { parseStamp, processOf, sender, stampText } from "../../bench/load_protocol.ts";
import { opensslSpeed, parseSpeed } from "../../bench/openssl_speed.ts";
import { parseProc } from "../../bench/proc.ts";
import { nextRate, verdict } from "../../bench/search.ts";
import { sideBySide } from "../../bench/side_by_side.ts";
import { Histogram, median } from "../../bench/stats.ts";

const step = (ok: boolean, extra: Partial<StepResult> = {}) => ({ ok, ...extra }) as StepResult;

Deno.test("a rate passes when the median of its tries does, and stops once a majority agrees", () => {
  assertEquals(verdict([]), "more");
  assertEquals(verdict([step(true)]), "more");
  assertEquals(verdict([step(true), step(true)]), "pass");
  assertEquals(verdict([step(false), step(false)]), "fail");
  assertEquals(verdict([step(true), step(false)]), "more");
  assertEquals(verdict([step(true), step(false), step(true)]), "pass");
  assertEquals(verdict([step(false), step(true), step(false)]), "fail");
  // "Either of two passes" is no longer enough.
  assertEquals(verdict([step(false), step(true)], 2), "fail");
});

Deno.test("the search doubles, halves, then bisects geometrically until bracketed", () => {
  assertEquals(nextRate(1000, 1000, null), { rate: 2000 });
  assertEquals(nextRate(1000, null, 1000), { rate: 500 });
  assertEquals(nextRate(2000, 1000, 2000), { rate: 1410 });
  assertOk("ended" in nextRate(1100, 1050, 1100));
  assertOk("ended" in nextRate(125, null, 125));
});

Deno.test("a chat line carries its step, number and due time, and only load lines parse", () => {
  const text = stampText(7, 123, 1796630565865.921, 64);
  assertEquals(text.length, 64);
  assertEquals(parseStamp(text), { step: 7, seq: 123, due: 1796630565865.921 });
  assertEquals(parseStamp("hello there"), null);
  assertEquals(parseStamp("bench x 1 2"), null);
  // Message seq goes to member seq mod N, which lives in process member mod P.
  assertEquals([sender(103, 50), processOf(sender(103, 50), 4)], [3, 3]);
});

Deno.test("histograms merged from several processes give the percentiles of the whole", () => {
  const a = new Histogram(), b = new Histogram(), all = new Histogram();
  for (let i = 1; i <= 1000; i++) (i % 2 ? a : b).add(i / 10), all.add(i / 10);
  const merged = new Histogram();
  merged.merge(JSON.parse(JSON.stringify(a)));
  merged.merge(b.toJSON());
  assertEquals(merged.summary(), all.summary());
  assertEquals(median([3, 1, 2]), 2);
  assertEquals(median([4, 1, 2, 3]), 2.5);
  assertOk(Number.isNaN(median([])));
  assertOk(Number.isNaN(new Histogram().quantile(0.5)));
});

Deno.test("CPU time and memory are read from /proc/PID/stat and /proc/PID/status", () => {
  const stat = "4242 (deno (x) y) S 1 2 3 4 5 6 7 8 9 10 150 50 0 0 20 0 9 0 100 1000 200";
  const status = "Name:\tdeno\nState:\tS (sleeping)\nVmHWM:\t   90000 kB\nVmRSS:\t   81920 kB\n";
  assertEquals(parseProc(`${stat}\n${status}`), {
    cpuSeconds: 2,
    rssBytes: 81920 * 1024,
    peakRssBytes: 90000 * 1024,
  });
});

Deno.test("side by side: ratios are rt over the tool, and null wherever a figure is missing", () => {
  const rtStep = {
    invalid: null,
    stopped: null,
    hostCpuPerDeliveryUs: 12,
    latency: { p99: 40 },
  } as StepResult;
  const conditions = { hostCpuPerDelivery: "", p99: "", transfer: "", idleMembers: "", join: "" };
  const s = sideBySide({
    rtFixed: [rtStep],
    rtBig: [{ ...rtStep, invalid: "load process 1 at 95 % of a core" }],
    ircFixed: [{ valid: true, cpuPerDeliveryUs: 4, latency: { p99: 30 } } as never],
    ircBig: [{ valid: true, latency: { p99: 20 }, cpuPerDeliveryUs: 5 } as never],
    rtTransferMbPerS: 200,
    rtRelayedMbPerS: 100,
    scpAes: { mbPerS: 400 } as never,
    scpChacha: null,
    socat: null,
    idle: { members: 1000, hostRssMB: 120, joinP99Ms: 30 },
    join: { p50: 2, p99: 5 },
    conditions,
  });
  assertEquals(s.hostCpuPerDelivery, { rt: 12, ngircd: 4, ratio: 3 });
  // An invalid step (the load saturated) gives no figure.
  assertEquals(s.p99, { rt: null, ngircd: 20, ratio: null });
  assertEquals(s.hostCpuPerDeliveryBig, { rt: null, ngircd: 5, ratio: null });
  assertEquals(s.transfer.ratioScp, 0.5);
  assertEquals([s.transfer.relayed, s.transfer.relayedRatioScp], [100, 0.25]);
  assertEquals([s.transfer.socat, s.transfer.ratioSocat, s.transfer.scpChacha], [null, null, null]);
  assertEquals(s.idleMembers, { members: 1000, hostRssMB: 120, joinP99Ms: 30 });
  assertEquals(s.join, { p50Ms: 2, p99Ms: 5 });
  assertEquals(s.medianOf, { rtFixed: 1, ircFixed: 1, rtBig: 0, ircBig: 1 });
});

Deno.test("side by side: each chat figure is the median of the steps that count", () => {
  const step = (us: number | null, p99: number, why: Partial<StepResult> = {}) =>
    ({
      invalid: null,
      stopped: null,
      hostCpuPerDeliveryUs: us,
      latency: { p99 },
      ...why,
    }) as StepResult;
  const irc = (us: number, p99: number, valid = true) =>
    ({ valid, cpuPerDeliveryUs: us, latency: { p99 } }) as never;
  const s = sideBySide({
    // Each median differs from the mean; a saturated step, a step the room's break cut short
    // and an invalid IRC run would each move it.
    rtFixed: [
      step(9, 30),
      step(6, 25),
      step(1, 1, { invalid: "load process 2 at 97 % of a core" }),
      step(7, 20),
    ],
    rtBig: [
      step(4, 60),
      step(3, 41),
      step(null, 12, { stopped: "member 17 dropped" }),
      step(8, 50),
    ],
    ircFixed: [irc(4, 30), irc(1, 1, false), irc(6, 30), irc(3, 30), null],
    ircBig: [irc(4, 40), irc(5, 35), irc(9, 49)],
    rtTransferMbPerS: null,
    rtRelayedMbPerS: null,
    scpAes: null,
    scpChacha: null,
    socat: null,
    idle: null,
    join: null,
    conditions: { hostCpuPerDelivery: "", p99: "", transfer: "", idleMembers: "", join: "" },
  });
  assertEquals(s.hostCpuPerDelivery, { rt: 7, ngircd: 4, ratio: 7 / 4 });
  assertEquals(s.hostCpuPerDeliveryBig, { rt: 4, ngircd: 5, ratio: 0.8 });
  assertEquals(s.p99, { rt: 50, ngircd: 40, ratio: 1.25 });
  assertEquals(s.medianOf, { rtFixed: 3, ircFixed: 3, rtBig: 3, ircBig: 3 });
});

Deno.test("openssl speed: bytes per second from its machine-readable output, null without one", () => {
  // As OpenSSL 3.0 prints it for `openssl speed -mr -evp sha256 -bytes 131072 -seconds 1`.
  const out = "+DT:sha256:1:131072\n+R:10719:sha256:0.900000\n+H:131072\n" +
    "+F:25:sha256:1561067520.00\n";
  assertEquals(parseSpeed(out), 1561067520);
  assertEquals(parseSpeed("+DT:sha256:1:131072\n+H:131072\n"), null);
  assertEquals(parseSpeed("Invalid command 'speed'; type \"help\" for a list.\n"), null);
});

Deno.test("openssl speed: a primitive it cannot time is missing alone; no openssl, nothing", async () => {
  const asked: string[][] = [];
  const runner = (args: string[]) => {
    asked.push(args);
    if (args[0] === "version") return Promise.resolve("OpenSSL 3.0.22 25 Aug 2026\n");
    // This openssl knows sha256 and nothing else.
    return Promise.resolve(args[3] === "sha256" ? "+H:131072\n+F:25:sha256:1600000000.00\n" : null);
  };
  const result = await opensslSpeed(["chacha20-poly1305", "sha256"], 131072, 2, runner);
  assertEquals(result, {
    version: "OpenSSL 3.0.22 25 Aug 2026",
    timings: [
      { primitive: "chacha20-poly1305", bytes: 131072, mbPerS: null },
      { primitive: "sha256", bytes: 131072, mbPerS: 1600 },
    ],
  });
  assertEquals(asked[2], ["speed", "-mr", "-evp", "sha256", "-bytes", "131072", "-seconds", "2"]);
  assertEquals(await opensslSpeed(["sha256"], 131072, 2, () => Promise.resolve(null)), null);
});

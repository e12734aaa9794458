/**
 * `deno task bench:join-link`: joins timed from connect to `welcome`, as today's rt joins (the
 * host's identity proof right behind its reply, the joiner's with its confirmation) and as an rt
 * from before that joins (each proof a trip after the password's), one after the other against
 * the same real rt host (`main.ts --json`, rt's flags), on plain loopback and across links with
 * a delay: a relay in this process (`delay_proxy.ts`) that holds what passes `delayMs` each way,
 * so a trip there and back costs twice that. Prints a table and writes the figures as JSON to
 * `bench/results/join-link-<date>.json`.
 *
 * @module
 */
import { DelayProxy } from "./delay_proxy.ts";
import { HANDSHAKE_TIMEOUT_MS } from "./config.ts";
import { describeMachine } from "./machine.ts";
import { type HandshakeSteps, joinRoom } from "./member.ts";
import { RtHost } from "./rt_host.ts";
import { summarize, type Summary } from "./stats.ts";

/** One-way delays of the links, in ms, and the joins timed each way across each. */
const LINKS = [
  { delayMs: 0, joins: 200 },
  { delayMs: 5, joins: 40 },
  { delayMs: 25, joins: 20 },
];
/** Joins each way before the timed ones. */
const WARMUP = 10;

/** The joins across one link. */
interface LinkResult {
  delayMs: number;
  /** Today's joins and joins as an rt from before `early`, connect to `welcome`, in ms. */
  today: Summary;
  before: Summary;
  /** Their steps' medians (see `HandshakeSteps`), and the median from `joinHost` to `welcome`. */
  todaySteps: Record<keyof HandshakeSteps | "welcome", number>;
  beforeSteps: Record<keyof HandshakeSteps | "welcome", number>;
}

async function across(host: RtHost, delayMs: number, joins: number): Promise<LinkResult> {
  const proxy = delayMs > 0 ? new DelayProxy(host.port, delayMs) : null;
  const port = proxy?.port ?? host.port;
  try {
    const runs = { today: [] as number[], before: [] as number[] };
    const steps = { today: [] as HandshakeSteps[], before: [] as HandshakeSteps[] };
    const welcome = { today: [] as number[], before: [] as number[] };
    for (let i = 0; i < 2 * (WARMUP + joins); i++) {
      const way = i % 2 === 0 ? "today" : "before";
      const joined = await joinRoom(port, `joiner${i}`, HANDSHAKE_TIMEOUT_MS + 20 * delayMs, {
        early: way === "today",
      });
      await joined.session.close();
      if (i < 2 * WARMUP) continue;
      runs[way].push(joined.totalMs);
      steps[way].push(joined.steps);
      welcome[way].push(joined.welcomeMs);
    }
    const medians = (way: "today" | "before") => {
      const of = (name: keyof HandshakeSteps) => summarize(steps[way].map((s) => s[name])).p50;
      return {
        greeting: of("greeting"),
        share: of("share"),
        reply: of("reply"),
        finish: of("finish"),
        identities: of("identities"),
        welcome: summarize(welcome[way]).p50,
      };
    };
    return {
      delayMs,
      today: summarize(runs.today),
      before: summarize(runs.before),
      todaySteps: medians("today"),
      beforeSteps: medians("before"),
    };
  } finally {
    await proxy?.close();
  }
}

const date = new Date().toISOString();
const machine = describeMachine();
const results: LinkResult[] = [];
const host = await RtHost.start({});
try {
  for (const { delayMs, joins } of LINKS) {
    console.error(`${delayMs} ms each way: ${joins} joins each way, alternating`);
    results.push(await across(host, delayMs, joins));
  }
} finally {
  await host.stop();
}
const ms = (n: number) => n.toFixed(n < 10 ? 2 : 1);
console.log(`rt joins across a link, ${date}`);
console.log(`Machine: ${machine.cpu}, ${machine.cores} cores, ${machine.os}, Deno ${machine.deno}`);
console.log("");
console.log(
  "| trip there and back | joins each way | today p50 (p99) | as before p50 (p99) | saved |",
);
console.log("|---|---|---|---|---|");
for (const r of results) {
  const trip = r.delayMs === 0 ? "loopback" : `${2 * r.delayMs} ms`;
  console.log(
    `| ${trip} | ${r.today.count} | ${ms(r.today.p50)} (${ms(r.today.p99)}) ms | ` +
      `${ms(r.before.p50)} (${ms(r.before.p99)}) ms | ${ms(r.before.p50 - r.today.p50)} ms |`,
  );
}
const dir = new URL("./results/", import.meta.url);
const file = new URL(`join-link-${date.replaceAll(":", "-").replace(/\..*$/, "")}.json`, dir);
Deno.mkdirSync(dir, { recursive: true });
Deno.writeTextFileSync(file, JSON.stringify({ date, machine, links: results }, null, 2) + "\n");
console.log(`\nJSON: ${file.pathname}`);

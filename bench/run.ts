/**
 * `deno task bench`: starts the host process, runs every measurement from this process (the
 * members' process), prints the report to stdout and writes the same figures as JSON to
 * `bench/results/<date>.json`. Progress goes to stderr.
 *
 * @module
 */
import {
  FIXED_MEASURE_S,
  FIXED_RATE,
  FIXED_WARMUP_S,
  HOSTNAME,
  MEMBERS,
  P99_LIMIT_MS,
  ROOM_WARMUP_RATE,
  ROOM_WARMUP_S,
  SEARCH_TRIES,
  TEXT_CHARS,
  TIME_BUDGET_MS,
} from "./config.ts";
import { benchHandshake } from "./handshake.ts";
import { startHost } from "./host_process.ts";
import { LoadRoom, type StepResult } from "./load.ts";
import { describeMachine } from "./machine.ts";
import { type BenchReport, formatReport } from "./report.ts";
import { searchMaxRate } from "./search.ts";
import { benchTransfers } from "./transfer.ts";

const HANDSHAKE_BUDGET_MS = 30_000;
/**
 * The whole suite is killed after this long, whatever happens: about 2 min of load steps, then
 * the file transfers (about 1 min here; up to 6 min allowed for slow disks or a slow rt).
 */
const WATCHDOG_MS = 10 * 60_000;

const progress = (text: string) =>
  console.error(`[${(performance.now() / 1000).toFixed(0)} s] ${text}`);
const stepText = (s: StepResult) =>
  `${s.rate}/s: p99 ${s.latency.p99.toFixed(1)} ms, ${
    Math.round(s.deliveredPerS ?? NaN)
  } deliveries/s, ` +
  `${s.losses} lost, ${s.ok ? "ok" : `failed${s.stopped ? ` (${s.stopped})` : ""}`}`;

const watchdog = setTimeout(() => {
  console.error(`The benchmark took over ${WATCHDOG_MS / 60_000} min; giving up.`);
  Deno.exit(2);
}, WATCHDOG_MS);

const started = performance.now();
const date = new Date().toISOString();
const machine = describeMachine();
progress("starting the host process");
const host = await startHost();
let report: BenchReport;
try {
  progress(`host pid ${host.pid} on ${HOSTNAME}:${host.port}; timing joins`);
  const handshake = await benchHandshake(host.port, HANDSHAKE_BUDGET_MS);
  progress(`joining ${MEMBERS} members`);
  const room = await LoadRoom.open(host.port, MEMBERS, () => host.cpu());
  try {
    progress(`warming up at ${ROOM_WARMUP_RATE}/s`);
    const warmup = await room.run({
      rate: ROOM_WARMUP_RATE,
      warmupS: ROOM_WARMUP_S,
      measureS: 0,
      stopWhenLate: false,
    });
    if (warmup.stopped) throw new Error(`Warm-up failed: ${warmup.stopped}`);
    progress(`fixed rate ${FIXED_RATE}/s`);
    const fixedRate = await room.run({
      rate: FIXED_RATE,
      warmupS: FIXED_WARMUP_S,
      measureS: FIXED_MEASURE_S,
      stopWhenLate: false,
    });
    progress(stepText(fixedRate));
    const search = room.broken
      ? null
      : await searchMaxRate(room, started + TIME_BUDGET_MS, (s) => progress(stepText(s)));
    report = {
      date,
      machine,
      setup: {
        address: HOSTNAME,
        hostDeno: host.deno,
        members: MEMBERS,
        textChars: TEXT_CHARS,
        p99LimitMs: P99_LIMIT_MS,
        warmupRate: ROOM_WARMUP_RATE,
        warmupS: ROOM_WARMUP_S,
        searchTries: SEARCH_TRIES,
      },
      handshake,
      fixedRate,
      search,
      transfers: null,
      hostIncidents: [...host.incidents],
      teardownIncidents: 0,
      elapsedS: 0,
    };
  } finally {
    await room.close();
  }
} finally {
  await host.stop();
}
report.teardownIncidents = host.incidents.length - report.hostIncidents.length;
// After the load, with the bench host gone: rt's own processes, and raw TCP beside them.
progress("file transfers");
try {
  report.transfers = await benchTransfers(progress);
} catch (error) {
  report.transferError = error instanceof Error ? error.message : String(error);
  progress(`file transfers failed: ${report.transferError}`);
}
report.elapsedS = (performance.now() - started) / 1000;

const dir = new URL("./results/", import.meta.url);
const file = new URL(`${date.replaceAll(":", "-").replace(/\..*$/, "")}.json`, dir);
console.log(formatReport(report));
Deno.mkdirSync(dir, { recursive: true });
Deno.writeTextFileSync(file, JSON.stringify(report, null, 2) + "\n");
console.log(`\nJSON: ${file.pathname}`);
clearTimeout(watchdog);

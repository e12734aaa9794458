/**
 * The benchmark's figures, as one JSON-ready object and as text for people.
 *
 * @module
 */
import type { HandshakeResult } from "./handshake.ts";
import type { HostIncident } from "./host_process.ts";
import type { StepResult } from "./load.ts";
import type { Machine } from "./machine.ts";
import type { SearchResult } from "./search.ts";
import type { Summary } from "./stats.ts";
import type { TransferCase, TransferResult } from "./transfer.ts";

/** Everything one run of the suite measured. */
export interface BenchReport {
  date: string;
  machine: Machine;
  setup: {
    address: string;
    hostDeno: string;
    members: number;
    textChars: number;
    p99LimitMs: number;
    /** The unreported first step: messages/s and seconds. */
    warmupRate: number;
    warmupS: number;
    /** Tries of a rate in the search before it counts as failed. */
    searchTries: number;
  };
  handshake: HandshakeResult;
  fixedRate: StepResult;
  search: SearchResult | null;
  /** File-transfer throughput beside raw TCP; null when that part failed (see `transferError`). */
  transfers: TransferResult | null;
  transferError?: string;
  /** Host notices and dropped members until the load ended. */
  hostIncidents: HostIncident[];
  /** How many more came while the members left at the end. */
  teardownIncidents: number;
  elapsedS: number;
}

const ms = (v: number) => Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : "-";
const int = (v: number | null) => v === null ? "-" : Math.round(v).toLocaleString("en-US");
const pct = (v: number | null) => v === null ? "-" : `${Math.round(v * 100)}%`;
/** CPU share of everything else on the machine. */
const others = (c: StepResult["cpu"]) =>
  c.machine === null || c.host === null || c.members === null
    ? null
    : Math.max(0, c.machine - c.host - c.members);
const pad = (cells: string[], widths: number[]) =>
  cells.map((c, i) => i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!)).join(" ");

function summaryRow(label: string, s: Summary): string {
  return pad([label, ms(s.p50), ms(s.p99), ms(s.max), ms(s.mean)], [22, 9, 9, 9, 9]);
}

function stepLines(step: StepResult): string[] {
  return [
    `  deliveries/s    ${int(step.deliveredPerS)} to the other members (offered ${
      int(step.offeredPerS)
    })`,
    `  latency (ms)    p50 ${ms(step.latency.p50)}   p99 ${ms(step.latency.p99)}   max ${
      ms(step.latency.max)
    }   over ${step.latency.count.toLocaleString("en-US")} deliveries`,
    `  losses          ${step.losses}${step.duplicates ? `  (duplicates ${step.duplicates})` : ""}`,
    `  sender lag      p50 ${ms(step.sendLag.p50)} ms, p99 ${ms(step.sendLag.p99)} ms`,
    `  CPU             host ${pct(step.cpu.host)}, members ${pct(step.cpu.members)}, ` +
    `other processes ${pct(others(step.cpu))} (100% = one core)`,
    `  result          ${step.ok ? "ok" : "FAILED"}${step.stopped ? ` (${step.stopped})` : ""}`,
  ];
}

const STEP_WIDTHS = [8, 10, 10, 8, 8, 7, 6, 6, 8, 7];
const STEP_HEADER = ["rate/s", "deliv/s", "offered/s", "p50 ms", "p99 ms", ">50ms", "lost"]
  .concat(["host", "members", "other"]);

function stepRow(s: StepResult): string {
  return pad([
    int(s.rate),
    int(s.deliveredPerS),
    int(s.offeredPerS),
    ms(s.latency.p50),
    ms(s.latency.p99),
    `${(s.lateShare * 100).toFixed(1)}%`,
    String(s.losses),
    pct(s.cpu.host),
    pct(s.cpu.members),
    pct(others(s.cpu)),
  ], STEP_WIDTHS) + `  ${s.ok ? "ok" : "FAIL"}${s.stopped ? ` (${s.stopped})` : ""}`;
}

function searchLines(search: SearchResult, members: number): string[] {
  const lines = [
    pad(STEP_HEADER, STEP_WIDTHS),
    ...search.steps.map(stepRow),
  ];
  const best = search.best === null
    ? "none passed"
    : `${int(search.best)} messages/s (${int(search.best * (members - 1))} deliveries/s)`;
  lines.push(`  Highest sustained: ${best}`);
  if (search.firstBad !== null) {
    lines.push(`  Lowest failing:    ${int(search.firstBad)} messages/s`);
  }
  lines.push(`  Search ended:      ${search.ended}`);
  return lines.map((l) => l.startsWith("  ") ? l : `  ${l}`);
}

/** A warning when other processes competed for the CPU during the load steps. */
function interference(r: BenchReport): string[] {
  const shares = [r.fixedRate, ...(r.search?.steps ?? [])].map((s) => others(s.cpu))
    .filter((v) => v !== null);
  if (shares.length === 0) return [];
  const mean = shares.reduce((a, b) => a + b, 0) / shares.length;
  if (mean < 0.1) return [];
  return [
    `WARNING: other processes used ${pct(mean)} of a core on average (up to ${
      pct(Math.max(...shares))
    }) during the load steps; the latencies below are disturbed by them.`,
  ];
}

const mbs = (v: number) => Number.isFinite(v) ? v.toFixed(v < 100 ? 1 : 0) : "-";

function caseRow(label: string, c: TransferCase, ratio: string): string {
  const s = c.mbPerS;
  const seconds = c.runs.map((r) => r.seconds.toFixed(2)).join(" ");
  const cpu = c.runs.map((r) => pct(r.machineCpu)).join(" ");
  return pad(
    [label, mbs(s.median), mbs(s.min), mbs(s.max), ratio],
    [24, 8, 8, 8, 8],
  ) + `   ${seconds}   ${cpu}`;
}

/** The file-transfer part of the report, as text lines. */
export function transferLines(t: TransferResult): string[] {
  const ratio = (v: number) => Number.isFinite(v) ? `${Math.round(v * 100)}%` : "-";
  const saved = (c: TransferCase) => c.runs.map((r) => r.savedSeconds?.toFixed(2) ?? "-").join(" ");
  const background = [t.raw, t.rawRelay, t.hostToJoiner, t.joinerToJoiner]
    .flatMap((c) => c.runs.map((r) => r.backgroundCpu)).filter((v) => v !== null);
  const mean = background.reduce((a, b) => a + b, 0) / background.length;
  const others = `other processes, in the ${background.length} half seconds before the runs: ` +
    `${pct(background.length ? mean : null)} of a core on average, up to ${
      pct(background.length ? Math.max(...background) : null)
    }`;
  return [
    `File transfer on loopback: ${t.bytes / 2 ** 20} MiB of random data, file to file, ` +
    `${t.repeats} runs each (MB/s = 10^6 bytes/s)`,
    pad(["", "median", "min", "max", "of raw"], [24, 8, 8, 8, 8]) +
    "   seconds each run   machine CPU each run (100% = one core)",
    caseRow("  raw TCP, 2 processes", t.raw, ""),
    caseRow("  raw TCP via a relay", t.rawRelay, ""),
    caseRow("  rt host -> joiner", t.hostToJoiner, ratio(t.ratios.hostToJoiner)),
    caseRow("  rt joiner -> joiner", t.joinerToJoiner, ratio(t.ratios.joinerToJoiner)),
    "  raw: plain read/write loops with a " +
    `${t.rawBufferBytes / 1024} KiB buffer, timed from "go" to the receiver's file closed;`,
    "  the relay is a third process piping one socket into the other.",
    "  rt: `rt --json` processes (host --bind 127.0.0.1); timed from /accept typed at the",
    "  receiver to the sender's file-done; rt joiner -> joiner is compared with the relayed copy.",
    `  receiver's file-saved after (s): host -> joiner ${saved(t.hostToJoiner)}; ` +
    `joiner -> joiner ${saved(t.joinerToJoiner)}`,
    mean >= 0.1 ? `WARNING: ${others}; the figures are disturbed by them.` : `  ${others}`,
  ];
}

/** The report as text. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const f = r.fixedRate;
  const incidents = r.hostIncidents.length === 0
    ? ["  none"]
    : r.hostIncidents.map((e) => `  ${JSON.stringify(e)}`);
  return [
    `rt benchmark, ${r.date} (${r.elapsedS.toFixed(0)} s)`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, kernel ${m.kernel}`,
    `         Deno ${m.deno} (V8 ${m.v8}); host process Deno ${r.setup.hostDeno}`,
    `Setup:   host in its own process on ${r.setup.address}; members in this process;`,
    `         ${r.setup.textChars}-character lines; latency = received minus due time;`,
    `         first ${r.setup.warmupS} s at ${r.setup.warmupRate} messages/s, not reported`,
    ...interference(r),
    "",
    `Joining: connect + CPace + join until welcome, ${r.handshake.runs} runs (ms)`,
    pad(["", "p50", "p99", "max", "mean"], [22, 9, 9, 9, 9]),
    summaryRow("  connect to welcome", r.handshake.total),
    summaryRow("  CPace handshake", r.handshake.handshake),
    summaryRow("  TCP connect", r.handshake.connect),
    summaryRow("  join to welcome", r.handshake.welcome),
    "",
    `Room of ${r.setup.members}: ${
      int(f.rate)
    } messages/s for ${f.measureS} s after ${f.warmupS} s warm-up`,
    ...stepLines(f),
    "",
    `Highest rate with delivery p99 <= ${r.setup.p99LimitMs} ms and no loss (${
      r.search?.steps[0]?.measureS ?? "-"
    } s steps after ${
      r.search?.steps[0]?.warmupS ?? "-"
    } s warm-up, up to ${r.setup.searchTries} tries a rate;`,
    "  CPU: 100% = one core)",
    ...(r.search ? searchLines(r.search, r.setup.members) : ["  not run: the room broke"]),
    "",
    "Host notices and dropped members during the measurements:",
    ...incidents,
    `  (and ${r.teardownIncidents} while the ${r.setup.members} members left together)`,
    "",
    ...(r.transfers
      ? transferLines(r.transfers)
      : [`File transfer: not measured (${r.transferError ?? "not run"})`]),
  ].join("\n");
}

/**
 * The benchmark's figures, as one JSON-ready object and as text for people. Every figure
 * measured with a setting that differs from rt's defaults says so beside it.
 *
 * @module
 */
import type { AnchorChatResult, FileCopyResult } from "./anchors/mod.ts";
import {
  absence,
  type AnchorRun,
  type FileAnchorResults,
  type IrcResults,
  measured,
} from "./anchor_runs.ts";
import type { ChatResult, HostRecord } from "./chat.ts";
import { BIG_MEMBERS, FIXED_RATE, RT_DEFAULT_MAX_MEMBERS, RT_DEFAULT_RATE } from "./config.ts";
import type { HandshakeResult } from "./handshake.ts";
import type { IdleResult } from "./idle.ts";
import type { StepResult } from "./load.ts";
import type { Machine } from "./machine.ts";
import type { SearchResult } from "./search.ts";
import { type SideBySide, sideBySideLines, stepsOf } from "./side_by_side.ts";
import { median, type Summary } from "./stats.ts";
import type { TransferCase, TransferResult } from "./transfer.ts";

/** Everything one run of the suite measured. */
export interface BenchReport {
  date: string;
  machine: Machine;
  setup: {
    address: string;
    members: number;
    bigMembers: number;
    loadProcesses: number;
    /** A step where a load process used more of a core than this is invalid. */
    saturatedShare: number;
    textChars: number;
    p99LimitMs: number;
    /** The unreported first step of each room: messages/s and seconds. */
    warmupRate: number;
    warmupS: number;
    /** Tries of each rate in the search; the median decides. */
    searchTries: number;
    /** How the rt hosts of the chat part were started. */
    rtHost: string;
  };
  chat: ChatResult | null;
  chatError?: string;
  irc: IrcResults | null;
  idle: IdleResult | null;
  idleError?: string;
  /** File-transfer throughput beside raw TCP; null when that part failed (`transferError`). */
  transfers: TransferResult | null;
  transferError?: string;
  fileAnchors: FileAnchorResults | null;
  sideBySide: SideBySide;
  elapsedS: number;
}

const ms = (v: number) => Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : "-";
const int = (v: number | null) =>
  v === null || !Number.isFinite(v) ? "-" : Math.round(v).toLocaleString("en-US");
const pct = (v: number | null) => v === null ? "-" : `${Math.round(v * 100)}%`;
const us = (v: number | null) => v === null || !Number.isFinite(v) ? "-" : v.toFixed(1);
const pad = (cells: string[], widths: number[]) =>
  cells.map((c, i) => i === 0 ? c.padEnd(widths[0]!) : c.padStart(widths[i]!)).join(" ");

/** rt's flags beside its defaults: "--rate 1000 (default 10)". */
export function settingsText(settings: string[]): string {
  const defaults: Record<string, number> = {
    "--rate": RT_DEFAULT_RATE,
    "--max-members": RT_DEFAULT_MAX_MEMBERS,
  };
  return settings.map((s) => {
    const flag = s.split(" ")[0]!;
    return flag in defaults ? `${s} (default ${defaults[flag]})` : s;
  }).join(", ");
}

function summaryRow(label: string, s: Summary): string {
  return pad([label, ms(s.p50), ms(s.p99), ms(s.max), ms(s.mean)], [22, 9, 9, 9, 9]);
}

function handshakeLines(h: HandshakeResult): string[] {
  return [
    `Joining one after the other: connect + CPace + join until welcome, ${h.runs} runs (ms)`,
    pad(["", "p50", "p99", "max", "mean"], [22, 9, 9, 9, 9]),
    summaryRow("  connect to welcome", h.total),
    summaryRow("  CPace handshake", h.handshake),
    summaryRow("    host's greeting", h.steps.greeting),
    summaryRow("    joiner's share", h.steps.share),
    summaryRow("    host's reply", h.steps.reply),
    summaryRow("    joiner's finish", h.steps.finish),
    summaryRow("    identity proofs", h.steps.identities),
    summaryRow("  TCP connect", h.connect),
    summaryRow("  join to welcome", h.welcome),
    "  (the handshake's steps as the joiner's socket sees them: from connected to the host's",
    "  greeting read, to the joiner's share written, to the host's reply read (its identity",
    "  proof behind it), to the joiner's confirmation and proof written, to the host's proof",
    "  checked)",
  ];
}

/** Other processes' CPU during a step: the machine minus the host, load and runner. */
function others(c: StepResult["cpu"]): number | null {
  if (c.machine === null || c.host === null || c.load === null || c.runner === null) return null;
  return Math.max(0, c.machine - c.host - c.load - c.runner);
}

/** A note when the machine's cores were (nearly) all busy during a step: everything competed. */
function machineBusy(s: StepResult, cores: number): string[] {
  const busy = s.cpu.machine;
  if (busy === null || busy < 0.9 * cores) return [];
  return [
    `  NOTE            the machine was busy ${
      pct(busy)
    } of ${cores} cores: the host and the load ` +
    "processes competed for the CPU",
  ];
}

function verdictText(s: StepResult): string {
  const what = s.ok ? "ok" : s.invalid ? `INVALID (${s.invalid})` : "FAILED";
  return s.stopped ? `${what} (${s.stopped})` : what;
}

function stepLines(step: StepResult, settings: string, cores: number): string[] {
  return [
    `  host            rt (${settings})`,
    `  deliveries/s    ${int(step.deliveredPerS)} to the other members (offered ${
      int(step.offeredPerS)
    })`,
    `  latency (ms)    p50 ${ms(step.latency.p50)}   p99 ${ms(step.latency.p99)}   max ${
      ms(step.latency.max)
    }   over ${step.latency.count.toLocaleString("en-US")} deliveries`,
    `  losses          ${step.losses}${step.duplicates ? `  (duplicates ${step.duplicates})` : ""}`,
    `  host's seat     ${int(step.seat.lines)} lines printed, ${step.seat.missing} missing; ` +
    `p99 ${ms(step.seat.latency.p99)} ms from due time to the line read`,
    `  sender lag      p50 ${ms(step.sendLag.p50)} ms, p99 ${ms(step.sendLag.p99)} ms`,
    `  CPU             host ${pct(step.cpu.host)} (${
      us(step.hostCpuPerDeliveryUs)
    } µs a delivery); load processes ${step.cpu.loadProcesses.map(pct).join(" + ")}; ` +
    `this process ${pct(step.cpu.runner)}; other processes ${pct(others(step.cpu))}; ` +
    `machine ${pct(step.cpu.machine)}`,
    ...machineBusy(step, cores),
    `  result          ${verdictText(step)}`,
  ];
}

const STEP_WIDTHS = [8, 9, 7, 7, 6, 5, 6, 7, 16];
const STEP_HEADER = ["rate/s", "deliv/s", "p50 ms", "p99 ms", ">50ms", "lost", "host"]
  .concat(["µs/del", "load processes"]);

function stepRow(label: string, s: StepResult): string {
  return pad([
    label,
    int(s.deliveredPerS),
    ms(s.latency.p50),
    ms(s.latency.p99),
    `${(s.lateShare * 100).toFixed(1)}%`,
    String(s.losses),
    pct(s.cpu.host),
    us(s.hostCpuPerDeliveryUs),
    s.cpu.loadProcesses.map(pct).join(" "),
  ], STEP_WIDTHS) + `  ${verdictText(s)}`;
}

function searchLines(search: SearchResult, members: number): string[] {
  const lines = [`  ${pad(STEP_HEADER, STEP_WIDTHS)}`];
  for (const trial of search.trials) {
    trial.tries.forEach((t, i) => lines.push(`  ${stepRow(i === 0 ? int(trial.rate) : "", t)}`));
    if (trial.confirmation) lines.push(`  ${stepRow("  holds?", trial.confirmation)}`);
    lines.push(
      `    ${int(trial.rate)}/s: median p99 ${
        ms(trial.medianP99)
      } ms, ${trial.passedTries} of ${trial.tries.length} tries passed` +
        (trial.confirmation
          ? `; the ${trial.confirmation.measureS} s step ${
            trial.confirmation.ok ? "held" : "did not hold"
          }`
          : "") +
        ` -> ${trial.passed ? "passes" : "fails"}`,
    );
  }
  const best = search.best === null
    ? "none passed"
    : `${int(search.best)} messages/s (${int(search.best * (members - 1))} deliveries/s)`;
  lines.push(`  Highest sustained: ${best}`);
  if (search.firstBad !== null) {
    lines.push(`  Lowest failing:    ${int(search.firstBad)} messages/s`);
  }
  lines.push(`  Search ended:      ${search.ended}`);
  return lines;
}

/** rt and ngIRCd with the same rooms at the same rate, one row each. */
function compareLines(chat: ChatResult | null, irc: IrcResults | null): string[] {
  const widths = [22, 9, 7, 7, 5, 6, 7, 8, 16];
  const header = pad(
    ["", "deliv/s", "p50 ms", "p99 ms", "lost", "host", "µs/del", "machine", "load processes"],
    widths,
  );
  const rtRow = (label: string, s: StepResult | null | undefined, why?: string) =>
    s
      ? pad([
        label,
        int(s.deliveredPerS),
        ms(s.latency.p50),
        ms(s.latency.p99),
        String(s.losses),
        pct(s.cpu.host),
        us(s.hostCpuPerDeliveryUs),
        pct(s.cpu.machine),
        s.cpu.loadProcesses.map(pct).join(" "),
      ], widths) + `  ${verdictText(s)}`
      : `${label.padEnd(widths[0]!)} ${why ?? "not run"}`;
  const ircRow = (label: string, r: AnchorRun<AnchorChatResult> | undefined) => {
    const m = measured(r);
    if (!m) return `${label.padEnd(widths[0]!)} ${r ? absence(r) : "not run"}`;
    return pad([
      label,
      int(m.deliveredPerS),
      ms(m.latency.p50),
      ms(m.latency.p99),
      String(m.losses),
      `${Math.round(m.cpuPercent)}%`,
      us(m.cpuPerDeliveryUs),
      m.machineCpuPercent === null ? "-" : `${Math.round(m.machineCpuPercent)}%`,
      m.loadCpuPercent.map((p) => p === null ? "-" : `${Math.round(p)}%`).join(" "),
    ], widths) + `  ${m.valid ? "ok" : `INVALID (${m.invalid})`}`;
  };
  const lines = [`  ${header}`];
  // Each step a row, numbered when there are several: the side by side takes their medians.
  const number = (i: number, of: number) => of > 1 ? ` #${i + 1}` : "";
  const room = (
    load: string,
    rt: StepResult[],
    ircRuns: AnchorRun<AnchorChatResult>[],
    why?: string,
  ) => {
    if (rt.length === 0) lines.push(`  ${rtRow(`rt ${load}`, null, why)}`);
    rt.forEach((s, i) => lines.push(`  ${rtRow(`rt ${load}${number(i, rt.length)}`, s)}`));
    if (ircRuns.length === 0) lines.push(`  ${ircRow(`ngIRCd ${load}`, undefined)}`);
    ircRuns.forEach((r, i) =>
      lines.push(`  ${ircRow(`ngIRCd ${load}${number(i, ircRuns.length)}`, r)}`)
    );
  };
  if (chat) {
    room(
      `${chat.fixedRate.members} × ${int(chat.fixedRate.rate)}`,
      stepsOf(chat.fixedRate, chat.fixedRepeats),
      stepsOf(irc?.fixed, irc?.fixedRepeats),
    );
  }
  room(
    `${BIG_MEMBERS} × ${int(FIXED_RATE)}`,
    stepsOf(chat?.big, chat?.bigRepeats),
    stepsOf(irc?.big, irc?.bigRepeats),
    chat?.bigError,
  );
  const version = measured(irc?.fixed)?.version ?? measured(irc?.big)?.version;
  const settings = measured(irc?.fixed)?.settings ?? measured(irc?.big)?.settings ?? [];
  if (version) lines.push(`  ngIRCd: ${version}`);
  for (const s of settings) {
    lines.push(`    ${s.section}/${s.name} = ${s.value} (default ${s.default}): ${s.why}`);
  }
  return lines;
}

function idleLines(idle: IdleResult): string[] {
  return [
    `${int(idle.members)} idle members on one rt host (${settingsText(idle.settings)})`,
    `  joins, ${idle.concurrentJoins} at a time while the others arrive (ms): p50 ${
      ms(idle.join.p50)
    }, p99 ${ms(idle.join.p99)}, max ${ms(idle.join.max)}; all in ${
      idle.joinSeconds.toFixed(1)
    } s; CPU meanwhile: host ${pct(idle.hostCpuWhileJoining)}, load processes ${
      idle.loadCpuWhileJoining.map(pct).join(" + ")
    }`,
    `  host memory (RSS, MB): ${idle.hostRssAloneMB.toFixed(1)} alone, ${
      idle.hostRssMB.toFixed(1)
    } with every member, peak ${idle.hostPeakRssMB.toFixed(1)}`,
    `  members dropped: ${idle.dropped}; host notices: ${idle.incidents}`,
  ];
}

function hostLines(label: string, host: HostRecord | null): string[] {
  if (!host) return [];
  const lines = host.incidents.map((e) => `    ${JSON.stringify(e)}`);
  const more = host.incidentCount - host.incidents.length;
  return [
    `  ${label}: ${host.incidentCount} notices, warnings or errors; ${host.dropped} members dropped`,
    ...lines,
    ...(more > 0 ? [`    (and ${more} more)`] : []),
  ];
}

const mbs = (v: number) => Number.isFinite(v) ? v.toFixed(v < 100 ? 1 : 0) : "-";

function caseRow(label: string, c: TransferCase, ratio: string): string {
  const s = c.mbPerS;
  const seconds = c.runs.map((r) => r.seconds.toFixed(2)).join(" ");
  const cpu = c.runs.map((r) => pct(r.machineCpu)).join(" ");
  return pad([label, mbs(s.median), mbs(s.min), mbs(s.max), ratio], [24, 8, 8, 8, 8]) +
    `   ${seconds}   ${cpu}`;
}

/** The file-transfer part of the report, as text lines. */
export function transferLines(t: TransferResult): string[] {
  const ratio = (v: number) => Number.isFinite(v) ? `${Math.round(v * 100)}%` : "-";
  const parts = (c: TransferCase, pick: "hashSeconds" | "moveSeconds") =>
    c.runs.map((r) => r[pick]?.toFixed(2) ?? "-").join(" ");
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
    "  rt: `rt --json` processes (host --bind 127.0.0.1), timed as the user waits: from /send",
    "  typed at the sender to the receiver's file-saved (the receiver types /accept as soon as",
    "  the offer shows); rt joiner -> joiner is compared with the relayed copy. Of that time (s):",
    `    the sender hashing the file (/send to file-offered): host -> joiner ${
      parts(t.hostToJoiner, "hashSeconds")
    }; joiner -> joiner ${parts(t.joinerToJoiner, "hashSeconds")}`,
    `    the move (/accept to file-saved): host -> joiner ${
      parts(t.hostToJoiner, "moveSeconds")
    }; joiner -> joiner ${parts(t.joinerToJoiner, "moveSeconds")}`,
    "    CPU seconds per GiB of each rt process, every thread, the median of the runs:",
    `      host -> joiner: ${
      cpuPerGiB(t.hostToJoiner, ["the host sending", "the joiner receiving"])
    }`,
    `      joiner -> joiner: ${
      cpuPerGiB(t.joinerToJoiner, ["the sender", "the host relaying", "the receiver"])
    }`,
    mean >= 0.1 ? `WARNING: ${others}; the figures are disturbed by them.` : `  ${others}`,
  ];
}

/** Each rt process's CPU seconds per GiB, the median of a case's runs, named. */
function cpuPerGiB(c: TransferCase, names: string[]): string {
  return names.map((name, i) => {
    const middle = median(c.runs.flatMap((r) => r.cpuPerGiB?.[i] ?? []));
    return `${name} ${Number.isFinite(middle) ? middle.toFixed(2) : "-"}`;
  }).join(", ");
}

function fileAnchorLines(f: FileAnchorResults): string[] {
  const row = (label: string, r: AnchorRun<FileCopyResult>) => {
    const m = measured(r);
    if (!m) return `  ${label.padEnd(24)} ${absence(r)}`;
    const sorted = m.tries.map((t) => t.mbPerS).sort((a, b) => a - b);
    return `  ${label.padEnd(24)} ${mbs(m.mbPerS).padStart(6)} MB/s (${mbs(sorted[0]!)}–${
      mbs(sorted[sorted.length - 1]!)
    }), ${m.tries.map((t) => t.seconds.toFixed(2)).join(" ")} s: ${m.how}; ${m.version}`;
  };
  return [
    "The same file size with the tools people use instead (file to file, hash checked after):",
    row("scp aes128-gcm", f.scpAes),
    row("scp chacha20-poly1305", f.scpChacha),
    row("socat (plain TCP)", f.socat),
  ];
}

/** The report as text. */
export function formatReport(r: BenchReport): string {
  const m = r.machine;
  const chat = r.chat;
  const settings = settingsText(chat?.hosts.main.settings ?? []);
  const bigSettings = settingsText(chat?.hosts.big?.settings ?? []);
  return [
    `rt benchmark, ${r.date} (${r.elapsedS.toFixed(0)} s)`,
    `Machine: ${m.cpu}, ${m.cores} cores, ${m.os}, kernel ${m.kernel}`,
    `         Deno ${m.deno} (V8 ${m.v8})`,
    `Setup:   ${r.setup.rtHost}`,
    `         members in ${r.setup.loadProcesses} load processes (a step where one uses over ${
      pct(r.setup.saturatedShare)
    } of a core is invalid);`,
    `         ${r.setup.textChars}-character lines; latency = received minus due time; each room`,
    `         first runs ${r.setup.warmupS} s at ${r.setup.warmupRate} messages/s, not reported`,
    "",
    ...(chat ? handshakeLines(chat.handshake) : [`Chat: not measured (${r.chatError})`]),
    "",
    ...(chat
      ? [
        `Room of ${r.setup.members}: ${
          int(chat.fixedRate.rate)
        } messages/s for ${chat.fixedRate.measureS} s after ${chat.fixedRate.warmupS} s warm-up`,
        ...stepLines(chat.fixedRate, settings, m.cores),
        "",
        `Highest rate with delivery p99 <= ${r.setup.p99LimitMs} ms and no loss: up to ${r.setup.searchTries} tries a rate, the median decides,`,
        `  and a rate passes only when a step as long as the fixed one holds too (host: rt, ${settings})`,
        ...(chat.search
          ? searchLines(chat.search, r.setup.members)
          : ["  not run: the room broke"]),
        "",
      ]
      : []),
    "rt and ngIRCd, the same rooms at the same rate (CPU: 100% = one core)",
    ...compareLines(chat, r.irc),
    ...(chat?.hosts.big ? [`  rt ${BIG_MEMBERS} members: host ${bigSettings}`] : []),
    "",
    ...(r.idle ? idleLines(r.idle) : [`Idle members: not measured (${r.idleError})`]),
    "",
    "rt hosts: notices, warnings, errors and members dropped",
    ...hostLines(`room of ${r.setup.members}`, chat?.hosts.main ?? null),
    ...hostLines(`room of ${r.setup.bigMembers}`, chat?.hosts.big ?? null),
    "",
    ...(r.transfers
      ? transferLines(r.transfers)
      : [`File transfer: not measured (${r.transferError ?? "not run"})`]),
    "",
    ...(r.fileAnchors ? fileAnchorLines(r.fileAnchors) : ["File anchors: not run"]),
    "",
    ...sideBySideLines(r.sideBySide),
  ].join("\n");
}

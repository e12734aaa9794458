/**
 * The "Side by side" summary: rt beside the tools people use instead, measured in the same run
 * with the same load, as one JSON-ready object (`sideBySide` in `bench/results/`) and as the
 * table that ends the report. A figure that could not be measured is null, and so is any ratio
 * built from it.
 *
 * @module
 */
import type { AnchorChatResult, FileCopyResult } from "./anchors/mod.ts";
import { BIG_MEMBERS, FIXED_RATE, MEMBERS } from "./config.ts";
import type { StepResult } from "./load.ts";
import { median } from "./stats.ts";

/**
 * The figures of the summary. Each chat figure is the median over the fixed steps of its room
 * that count (`COMPARE_STEPS` each for rt and ngIRCd; `medianOf` says how many counted).
 */
export interface SideBySide {
  /** Host CPU time per delivery to a member, in µs, at `MEMBERS` × `FIXED_RATE`. */
  hostCpuPerDelivery: { rt: number | null; ngircd: number | null; ratio: number | null };
  /** The same at `BIG_MEMBERS` × `FIXED_RATE` (100 × 1,000), where batches are larger. */
  hostCpuPerDeliveryBig: { rt: number | null; ngircd: number | null; ratio: number | null };
  /** Delivery p99 in ms at `BIG_MEMBERS` × `FIXED_RATE` (100 × 1,000). */
  p99: { rt: number | null; ngircd: number | null; ratio: number | null };
  /** File host → joiner, file to file, in MB/s (rt: from `/send` to the file saved). */
  transfer: {
    rt: number | null;
    scp: number | null;
    socat: number | null;
    ratioScp: number | null;
    ratioSocat: number | null;
    /** scp with ChaCha20-Poly1305, beside the AES-GCM figure above. */
    scpChacha: number | null;
    /** rt joiner → joiner through the host, and its ratio to scp aes128-gcm. */
    relayed: number | null;
    relayedRatioScp: number | null;
  };
  /** Idle members on one host and its resident memory, in MB (10^6 bytes). */
  idleMembers: { members: number | null; hostRssMB: number | null; joinP99Ms: number | null };
  /** Joining one after the other: TCP connect to welcome, in ms. */
  join: { p50Ms: number | null; p99Ms: number | null };
  /**
   * How many steps each chat median is over, rt's and ngIRCd's in each room: those that count,
   * every one with all its figures.
   */
  medianOf: { rtFixed: number; ircFixed: number; rtBig: number; ircBig: number };
  /** What each figure was measured with, and where rt's settings differ from its defaults. */
  conditions: {
    hostCpuPerDelivery: string;
    p99: string;
    transfer: string;
    idleMembers: string;
    join: string;
  };
}

/** What the summary is built from (null where a part did not run). */
export interface SideBySideInput {
  /** Each room's fixed steps, rt's and ngIRCd's (a run without a result as null). */
  rtFixed: StepResult[];
  rtBig: StepResult[];
  ircFixed: (AnchorChatResult | null)[];
  ircBig: (AnchorChatResult | null)[];
  rtTransferMbPerS: number | null;
  rtRelayedMbPerS: number | null;
  scpAes: FileCopyResult | null;
  scpChacha: FileCopyResult | null;
  socat: FileCopyResult | null;
  idle: { members: number; hostRssMB: number; joinP99Ms: number } | null;
  join: { p50: number; p99: number } | null;
  conditions: SideBySide["conditions"];
}

const finite = (v: number | null | undefined): number | null =>
  v !== null && v !== undefined && Number.isFinite(v) ? v : null;

const ratio = (a: number | null, b: number | null): number | null =>
  a === null || b === null || b === 0 ? null : finite(a / b);

/** The IRC runs that count: measured, valid (no member broke, no load saturated), with figures. */
const valid = (runs: (AnchorChatResult | null)[]) =>
  runs.filter((r): r is AnchorChatResult =>
    r !== null && r.valid && finite(r.cpuPerDeliveryUs) !== null &&
    finite(r.latency.p99) !== null
  );

/**
 * The steps that count: not invalid (no load process saturated), not stopped early (the room
 * broke: its p99 would be of the messages before the break only), with their figures.
 */
const counted = (steps: StepResult[]) =>
  steps.filter((s) =>
    s.invalid === null && s.stopped === null && finite(s.hostCpuPerDeliveryUs) !== null &&
    finite(s.latency.p99) !== null
  );

/** The median of a figure over runs that all have it (see `counted`, `valid`); null for none. */
function medianFigure<T>(runs: T[], figure: (run: T) => number | null | undefined): number | null {
  return runs.length === 0 ? null : median(runs.map((run) => finite(figure(run))!));
}

/** A room's steps in order: its first (none when it did not run) and the repeats after it. */
export function stepsOf<T>(first: T | null | undefined, repeats: T[] | undefined): T[] {
  return first == null ? [] : [first, ...(repeats ?? [])];
}

/** Builds the summary. */
export function sideBySide(input: SideBySideInput): SideBySide {
  const rtFixed = counted(input.rtFixed);
  const rtBig = counted(input.rtBig);
  const ircFixed = valid(input.ircFixed);
  const ircBig = valid(input.ircBig);
  const cpuRt = medianFigure(rtFixed, (s) => s.hostCpuPerDeliveryUs);
  const cpuIrc = medianFigure(ircFixed, (r) => r.cpuPerDeliveryUs);
  const cpuBigRt = medianFigure(rtBig, (s) => s.hostCpuPerDeliveryUs);
  const cpuBigIrc = medianFigure(ircBig, (r) => r.cpuPerDeliveryUs);
  const p99Rt = medianFigure(rtBig, (s) => s.latency.p99);
  const p99Irc = medianFigure(ircBig, (r) => r.latency.p99);
  const rt = finite(input.rtTransferMbPerS);
  const scp = finite(input.scpAes?.mbPerS);
  const socat = finite(input.socat?.mbPerS);
  const relayed = finite(input.rtRelayedMbPerS);
  return {
    hostCpuPerDelivery: { rt: cpuRt, ngircd: cpuIrc, ratio: ratio(cpuRt, cpuIrc) },
    hostCpuPerDeliveryBig: { rt: cpuBigRt, ngircd: cpuBigIrc, ratio: ratio(cpuBigRt, cpuBigIrc) },
    p99: { rt: p99Rt, ngircd: p99Irc, ratio: ratio(p99Rt, p99Irc) },
    transfer: {
      rt,
      scp,
      socat,
      ratioScp: ratio(rt, scp),
      ratioSocat: ratio(rt, socat),
      scpChacha: finite(input.scpChacha?.mbPerS),
      relayed,
      relayedRatioScp: ratio(relayed, scp),
    },
    idleMembers: {
      members: input.idle?.members ?? null,
      hostRssMB: finite(input.idle?.hostRssMB),
      joinP99Ms: finite(input.idle?.joinP99Ms),
    },
    join: { p50Ms: finite(input.join?.p50), p99Ms: finite(input.join?.p99) },
    medianOf: {
      rtFixed: rtFixed.length,
      ircFixed: ircFixed.length,
      rtBig: rtBig.length,
      ircBig: ircBig.length,
    },
    conditions: input.conditions,
  };
}

const num = (v: number | null, digits = 1) =>
  v === null ? "-" : v.toLocaleString("en-US", {
    minimumFractionDigits: v >= 100 ? 0 : digits,
    maximumFractionDigits: v >= 100 ? 0 : digits,
  });
const times = (v: number | null) => v === null ? "-" : `${v.toFixed(2)}×`;

/** The table that ends the report, with what each row was measured with under it. */
export function sideBySideLines(s: SideBySide): string[] {
  const rows: string[][] = [
    ["measure", "rt", "the tool people use instead", "rt ÷ tool"],
    [
      `host CPU per delivery, ${MEMBERS} × ${FIXED_RATE.toLocaleString("en-US")}/s`,
      `${num(s.hostCpuPerDelivery.rt)} µs`,
      `ngIRCd ${num(s.hostCpuPerDelivery.ngircd)} µs`,
      times(s.hostCpuPerDelivery.ratio),
    ],
    [
      `host CPU per delivery, ${BIG_MEMBERS} × ${FIXED_RATE.toLocaleString("en-US")}/s`,
      `${num(s.hostCpuPerDeliveryBig.rt)} µs`,
      `ngIRCd ${num(s.hostCpuPerDeliveryBig.ngircd)} µs`,
      times(s.hostCpuPerDeliveryBig.ratio),
    ],
    [
      `delivery p99, ${BIG_MEMBERS} × ${FIXED_RATE.toLocaleString("en-US")}/s`,
      `${num(s.p99.rt)} ms`,
      `ngIRCd ${num(s.p99.ngircd)} ms`,
      times(s.p99.ratio),
    ],
    [
      "file host → joiner",
      `${num(s.transfer.rt)} MB/s`,
      `scp aes128-gcm ${num(s.transfer.scp)}, chacha20 ${num(s.transfer.scpChacha)}`,
      `${times(s.transfer.ratioScp)} scp`,
    ],
    ["", "", `socat ${num(s.transfer.socat)} MB/s`, `${times(s.transfer.ratioSocat)} socat`],
    [
      "file joiner → joiner, through the host",
      `${num(s.transfer.relayed)} MB/s`,
      "(scp aes128-gcm, above)",
      `${times(s.transfer.relayedRatioScp)} scp`,
    ],
    [
      `${num(s.idleMembers.members, 0)} idle members`,
      `host ${num(s.idleMembers.hostRssMB)} MB, joins p99 ${num(s.idleMembers.joinP99Ms)} ms`,
      "-",
      "",
    ],
    [
      "join, connect → welcome",
      `p50 ${num(s.join.p50Ms, 2)} ms, p99 ${num(s.join.p99Ms, 2)} ms`,
      "-",
      "",
    ],
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  const c = s.conditions;
  return [
    "Side by side (same machine, same run, same load)",
    line(rows[0]!),
    `|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`,
    ...rows.slice(1).map(line),
    `  host CPU per delivery: ${c.hostCpuPerDelivery}; at ${BIG_MEMBERS}, as for the p99`,
    `  delivery p99: ${c.p99}`,
    `  file: ${c.transfer}`,
    `  idle members: ${c.idleMembers}`,
    `  join: ${c.join}`,
    `  steps each chat median is over (rt, ngIRCd): ${MEMBERS} members ${s.medianOf.rtFixed}, ` +
    `${s.medianOf.ircFixed}; ${BIG_MEMBERS} members ${s.medianOf.rtBig}, ${s.medianOf.ircBig}`,
  ];
}

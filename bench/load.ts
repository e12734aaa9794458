/**
 * The load room: members of one rt host spread over `LOAD_PROCESSES` load processes
 * (`load_worker.ts`), and load steps at a fixed offered rate run by all of them on one shared
 * schedule. Each load process measures its members' side; this merges them, with the CPU of
 * every process (the host's from /proc) and what the host's own seat printed. A step in which
 * a load process used over `SATURATED_SHARE` of a core is marked invalid: the load, not the
 * host, may have been the limit.
 *
 * @module
 */
import { DRAIN_TIMEOUT_MS, LOAD_PROCESSES, P99_LIMIT_MS, SATURATED_SHARE } from "./config.ts";
import {
  type CpuSample,
  epochMs,
  machineCpuSeconds,
  ownCpuSeconds,
  sampleNow,
  shareBetween,
} from "./cpu.ts";
import { LoadProcess } from "./load_process.ts";
import type { WorkerStepResult } from "./load_protocol.ts";
import { cpuShare, type ProcSample } from "./proc.ts";
import type { RtHost } from "./rt_host.ts";
import { Histogram, summarize, type Summary } from "./stats.ts";

/** A load step's plan. */
export interface StepPlan {
  /** Messages per second offered, all members together. */
  rate: number;
  warmupS: number;
  measureS: number;
  /** Stop as soon as the p99 limit is certainly missed (search steps), or run it out. */
  stopWhenLate: boolean;
}

/** What one step measured. Latencies are of the measured messages to the other members. */
export interface StepResult extends StepPlan {
  members: number;
  /** Passed: valid, not stopped, nothing lost, p99 within the limit. */
  ok: boolean;
  /** Why the step does not count (a load process saturated), or null. */
  invalid: string | null;
  /** Why the step stopped early, or null. */
  stopped: string | null;
  /** Messages sent, and of those in the measured window. */
  sent: number;
  measuredSent: number;
  /** Deliveries to other members per second during the measured window: offered, received
   * (null when the step stopped before `MIN_WINDOW_S` of it). */
  offeredPerS: number;
  deliveredPerS: number | null;
  latency: Summary;
  /** Share of measured deliveries later than the p99 limit. */
  lateShare: number;
  /** Deliveries (echoes to the sender included) still missing after the drain. */
  losses: number;
  duplicates: number;
  /** ms from a message's due time to its send. */
  sendLag: Summary;
  /** The host's own seat: lines printed, lines missing, from due time to the line read. */
  seat: { lines: number; missing: number; latency: Summary };
  /**
   * CPU share during the measured window (1 = one core): the rt host, each load process and
   * their sum, this process (which reads the host's output), and the whole machine.
   */
  cpu: {
    host: number | null;
    loadProcesses: (number | null)[];
    load: number | null;
    runner: number | null;
    machine: number | null;
  };
  /** Host CPU time per delivery to a member, in µs. */
  hostCpuPerDeliveryUs: number | null;
}

/** Shortest measured window over which throughput and CPU shares are reported, in s. */
const MIN_WINDOW_S = 0.5;
/** How far ahead of now a step's schedule starts, so every load process has its order. */
const LEAD_MS = 300;
const JOIN_TIMEOUT_MS = 300_000;
const EMPTY: Summary = summarize([]);

/** The host, this process and the machine at one moment. */
interface Sample {
  host: ProcSample;
  runner: CpuSample;
  machine: CpuSample;
}

/** Members of a room spread over load processes, ready to run load steps. */
export class LoadRoom {
  readonly host: RtHost;
  readonly members: number;
  /** ms from connect to welcome of each member, as they joined. */
  readonly joinMs: number[];
  /** Each load process's CPU share while its members joined (1 = one core). */
  readonly joinCpu: (number | null)[];
  readonly #processes: LoadProcess[];
  #steps = 0;
  /** Why a member's session ended, once one did. */
  broken: string | null = null;

  private constructor(
    host: RtHost,
    members: number,
    processes: LoadProcess[],
    joined: { joinMs: number[]; cpuShare: number | null }[],
  ) {
    this.host = host;
    this.members = members;
    this.#processes = processes;
    this.joinMs = joined.flatMap((j) => j.joinMs);
    this.joinCpu = joined.map((j) => j.cpuShare);
  }

  /**
   * Starts `processes` load processes and joins `members` members to `host`, member `i` in
   * process `i mod processes`, `concurrency` joins at a time in each.
   */
  static async open(
    host: RtHost,
    members: number,
    { processes = LOAD_PROCESSES, concurrency = 1 } = {},
  ): Promise<LoadRoom> {
    const started = await Promise.allSettled(
      Array.from({ length: processes }, () => LoadProcess.start()),
    );
    const ok = started.flatMap((s) => s.status === "fulfilled" ? [s.value] : []);
    try {
      if (ok.length < processes) throw new Error("A load process did not start");
      const joined = await Promise.all(ok.map(async (p, w) => {
        const mine = Array.from({ length: members }, (_, i) => i).filter((i) =>
          i % processes === w
        );
        await p.send({
          t: "join",
          port: host.port,
          members: mine.map((index) => ({ index, name: `m${String(index).padStart(4, "0")}` })),
          concurrency,
        });
        return await p.next("joined", JOIN_TIMEOUT_MS);
      }));
      return new LoadRoom(host, members, ok, joined);
    } catch (error) {
      await Promise.allSettled(ok.map((p) => p.close()));
      throw error;
    }
  }

  /** Offers `plan.rate` messages/s, spread round robin over the members, and measures. */
  async run(plan: StepPlan): Promise<StepResult> {
    const step = ++this.#steps;
    const processes = this.#processes;
    const start = epochMs() + LEAD_MS;
    const windowStart = start + plan.warmupS * 1000;
    let stopped: string | null = null;
    for (const p of processes) {
      p.onLate = (event) => {
        if (event.step !== step || stopped !== null) return;
        stopped = event.why;
        for (const q of processes) q.send({ t: "stop", step }).catch(() => {});
      };
    }
    // The host, this process and the machine, sampled at the window's start and end.
    const sample = async (): Promise<Sample> => ({
      host: await this.host.sample(),
      runner: sampleNow(ownCpuSeconds()),
      machine: sampleNow(machineCpuSeconds()),
    });
    const firstSample: { taken: Promise<Sample> | null } = { taken: null };
    const firstTimer = setTimeout(() => firstSample.taken = sample(), windowStart - epochMs());
    const stepTime = (plan.warmupS + plan.measureS) * 1000 + LEAD_MS;
    await Promise.all(processes.map((p, i) =>
      p.send({
        t: "step",
        step,
        rate: plan.rate,
        members: this.members,
        process: i,
        processes: processes.length,
        start,
        warmupS: plan.warmupS,
        measureS: plan.measureS,
        stopWhenLate: plan.stopWhenLate,
      })
    ));
    const sent = await Promise.all(processes.map((p) => p.next("sent", stepTime + 30_000, step)));
    clearTimeout(firstTimer);
    const last = await sample();
    const begin = await firstSample.taken;
    const sentUpTo = sent.map((s) => s.sentUpTo);
    await Promise.all(processes.map((p) => p.send({ t: "drain", step, sentUpTo })));
    const results = await Promise.all(
      processes.map((p) => p.next("result", DRAIN_TIMEOUT_MS + 30_000, step)),
    );
    this.broken ??= results.find((r) => r.broken)?.broken ?? null;
    const seat = await this.#seat(step, results.reduce((n, r) => n + r.sent, 0));
    return this.#merge(plan, stopped ?? this.broken, results, seat, begin, last);
  }

  /** Waits (briefly) until the host's seat printed all `sent` lines of `step`. */
  async #seat(step: number, sent: number): Promise<StepResult["seat"]> {
    const end = epochMs() + DRAIN_TIMEOUT_MS;
    while (this.host.seat(step).lines < sent && epochMs() < end) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const seen = this.host.seat(step);
    return { lines: seen.lines, missing: sent - seen.lines, latency: seen.latency.summary() };
  }

  #merge(
    plan: StepPlan,
    stopped: string | null,
    results: WorkerStepResult[],
    seat: StepResult["seat"],
    begin: Sample | null,
    last: Sample,
  ): StepResult {
    const latency = new Histogram();
    const sendLag = new Histogram();
    for (const r of results) {
      latency.merge(r.latency);
      sendLag.merge(r.sendLag);
    }
    const windows = results.map((r) => (r.windowEnd - r.windowStart) / 1000);
    const measured = windows.every((w) => w >= MIN_WINDOW_S);
    const deliveredPerS = measured
      ? results.reduce((sum, r, i) => sum + r.windowDeliveries / windows[i]!, 0)
      : null;
    const loadProcesses = results.map((r) => measured ? r.cpuShare : null);
    const host = measured && begin ? cpuShare(begin.host, last.host) : null;
    const saturated = loadProcesses.findIndex((s) => s !== null && s > SATURATED_SHARE);
    const invalid = saturated < 0
      ? null
      : `load process ${saturated + 1} at ${
        Math.round(loadProcesses[saturated]! * 100)
      } % of a core`;
    const losses = results.reduce((n, r) => n + r.losses, 0);
    const summary = latency.count > 0 ? latency.summary() : EMPTY;
    const late = results.reduce((n, r) => n + r.late, 0);
    const ok = stopped === null && invalid === null && losses === 0 &&
      summary.p99 <= P99_LIMIT_MS;
    return {
      ...plan,
      members: this.members,
      ok,
      invalid,
      stopped,
      sent: results.reduce((n, r) => n + r.sent, 0),
      measuredSent: results.reduce((n, r) => n + r.measuredSent, 0),
      offeredPerS: plan.rate * (this.members - 1),
      deliveredPerS,
      latency: summary,
      lateShare: latency.count > 0 ? late / latency.count : 0,
      losses,
      duplicates: results.reduce((n, r) => n + r.duplicates, 0),
      sendLag: sendLag.count > 0 ? sendLag.summary() : EMPTY,
      seat,
      cpu: {
        host,
        loadProcesses,
        load: measured && loadProcesses.every((s) => s !== null)
          ? loadProcesses.reduce((a, b) => a! + b!, 0)
          : null,
        runner: measured && begin ? shareBetween(begin.runner, last.runner) : null,
        machine: measured && begin ? shareBetween(begin.machine, last.machine) : null,
      },
      hostCpuPerDeliveryUs: host !== null && deliveredPerS ? host / deliveredPerS * 1e6 : null,
    };
  }

  /** Every member says goodbye; the load processes exit. */
  async close(): Promise<void> {
    await Promise.allSettled(this.#processes.map((p) => p.close()));
  }
}

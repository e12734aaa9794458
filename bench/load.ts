/**
 * The load room: members in this process, each reading everything the room says, and load
 * steps at a fixed offered rate. Every chat line carries its step, sequence number and
 * scheduled send time (`performance.now()` of this process), so receivers measure latency
 * without any clock shared across processes.
 *
 * Sending is open loop: message `i` of a step is due at `start + i / rate` and stamped with
 * that due time, not with when the event loop got round to it, so a stalled sender cannot hide
 * latency (no coordinated omission). How late the sender ran is reported as `sendLag`.
 *
 * @module
 */
import { MessageSigner } from "../lib/client/signing.ts";
import type { RemoteSession } from "../lib/client/mod.ts";
import {
  BACKLOG_LIMIT_MS,
  DRAIN_TIMEOUT_MS,
  HANDSHAKE_TIMEOUT_MS,
  P99_LIMIT_MS,
  TEXT_CHARS,
} from "./config.ts";
import { CpuMeter, type CpuSampler, machineCpuSeconds, ownCpuSeconds, sampleNow } from "./cpu.ts";
import { joinRoom } from "./member.ts";
import { Histogram, type Summary } from "./stats.ts";

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
  ok: boolean;
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
  /** CPU share during the measured window (1 = one core): each process, the whole machine. */
  cpu: { host: number | null; members: number | null; machine: number | null };
}

const TAG = "bench";
/** Shortest measured window over which throughput and CPU shares are reported, in s. */
const MIN_WINDOW_S = 0.5;
/** How long members wait for the host to hang up after their goodbye, in ms. */
const CLOSE_TIMEOUT_MS = 5_000;

class Step {
  readonly id: number;
  readonly plan: StepPlan;
  readonly total: number;
  readonly measuredFrom: number;
  readonly remaining: Uint16Array;
  readonly latency = new Histogram();
  readonly sendLag = new Histogram();
  start = 0;
  sent = 0;
  late = 0;
  duplicates = 0;
  windowDeliveries = 0;
  windowStart = Infinity;
  windowEnd = Infinity;
  #oldest = 0;

  constructor(id: number, plan: StepPlan) {
    this.id = id;
    this.plan = plan;
    this.measuredFrom = Math.round(plan.rate * plan.warmupS);
    this.total = this.measuredFrom + Math.round(plan.rate * plan.measureS);
    this.remaining = new Uint16Array(this.total);
  }

  due(seq: number): number {
    return this.start + seq * 1000 / this.plan.rate;
  }

  /** The first message not yet delivered to everyone (`sent` when none). */
  oldestPending(): number {
    while (this.#oldest < this.sent && this.remaining[this.#oldest] === 0) this.#oldest++;
    return this.#oldest;
  }

  /** Measured deliveries late already, or certain to be: delivered late plus overdue ones. */
  lateSoFar(now: number): number {
    let overdue = 0;
    for (let i = this.oldestPending(); i < this.sent && this.due(i) < now - P99_LIMIT_MS; i++) {
      if (i >= this.measuredFrom) overdue += this.remaining[i]!;
    }
    return this.late + overdue;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A room full of members in this process, ready to run load steps. */
export class LoadRoom {
  readonly #sessions: RemoteSession[];
  readonly #signers: MessageSigner[];
  readonly #loops: Promise<void>[];
  readonly #cpu: CpuMeter;
  #step: Step | null = null;
  #steps = 0;
  /** Why a member's session ended, once one did. */
  broken: string | null = null;

  private constructor(
    sessions: RemoteSession[],
    signers: MessageSigner[],
    names: string[],
    hostCpu: CpuSampler,
  ) {
    this.#signers = signers;
    this.#sessions = sessions;
    this.#cpu = new CpuMeter([
      hostCpu,
      () => Promise.resolve(sampleNow(ownCpuSeconds())),
      () => Promise.resolve(sampleNow(machineCpuSeconds())),
    ]);
    this.#loops = sessions.map((session, i) => this.#receive(session, names[i]!));
  }

  /** Joins `count` members to the room at `port`, one after the other. */
  static async open(port: number, count: number, hostCpu: CpuSampler): Promise<LoadRoom> {
    const sessions: RemoteSession[] = [];
    const signers: MessageSigner[] = [];
    const names: string[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const name = `member${String(i).padStart(2, "0")}`;
        const joined = await joinRoom(port, name, HANDSHAKE_TIMEOUT_MS);
        sessions.push(joined.session);
        signers.push(joined.signer);
        names.push(name);
      }
    } catch (error) {
      await Promise.allSettled(sessions.map((s) => s.close()));
      throw error;
    }
    return new LoadRoom(sessions, signers, names, hostCpu);
  }

  async #receive(session: RemoteSession, me: string): Promise<void> {
    try {
      for (let m = await session.next(); m !== null; m = await session.next()) {
        if (m.t === "said") this.#said(m.text, m.from === me);
        else if (m.t === "closed") break;
      }
      this.broken ??= `${me}: the host ended the session`;
    } catch (error) {
      this.broken ??= `${me}: ${error instanceof Error ? error.message : String(error)}`;
    }
  }

  #said(text: string, echo: boolean): void {
    const now = performance.now();
    const step = this.#step;
    const [tag, id, seqText, dueText] = text.split(" ", 4);
    if (step === null || tag !== TAG || Number(id) !== step.id) return;
    const seq = Number(seqText);
    if (step.remaining[seq] === 0) {
      step.duplicates++;
      return;
    }
    step.remaining[seq]!--;
    if (echo) return;
    if (now >= step.windowStart && now < step.windowEnd) step.windowDeliveries++;
    if (seq < step.measuredFrom) return;
    const latency = now - Number(dueText);
    step.latency.add(latency);
    if (latency > P99_LIMIT_MS) step.late++;
  }

  /** Offers `plan.rate` messages/s, spread round-robin over the members, and measures. */
  async run(plan: StepPlan): Promise<StepResult> {
    const step = new Step(++this.#steps, plan);
    const n = this.#sessions.length;
    const others = n - 1;
    const lateBudget = 0.01 * (step.total - step.measuredFrom) * others;
    let stopped: string | null = null;
    let cpu: (number | null)[] = [];
    this.#step = step;
    step.start = performance.now();
    step.windowStart = step.start + plan.warmupS * 1000;
    let nextCheck = step.start;
    while (step.sent < step.total && stopped === null) {
      const now = performance.now();
      const due = Math.min(step.total, Math.floor((now - step.start) * plan.rate / 1000) + 1);
      if (step.sent <= step.measuredFrom && due > step.measuredFrom) this.#cpu.start();
      for (; step.sent < due; step.sent++) {
        const seq = step.sent;
        const dueAt = step.due(seq);
        const stamp = `${TAG} ${step.id} ${seq} ${dueAt.toFixed(3)} `;
        step.remaining[seq] = n;
        if (seq >= step.measuredFrom) step.sendLag.add(performance.now() - dueAt);
        try {
          const text = stamp.padEnd(TEXT_CHARS, "x");
          this.#sessions[seq % n]!.send(this.#signers[seq % n]!.say(text));
        } catch (error) {
          this.broken ??= `send: ${error instanceof Error ? error.message : String(error)}`;
        }
      }
      if (now >= nextCheck) {
        nextCheck = now + 100;
        stopped = this.#shouldStop(step, now, lateBudget);
      }
      await sleep(1);
    }
    step.windowEnd = performance.now();
    if (step.sent > step.measuredFrom) cpu = await this.#cpu.stop();
    const drainEnd = performance.now() + DRAIN_TIMEOUT_MS;
    while (step.oldestPending() < step.sent && !this.broken && performance.now() < drainEnd) {
      await sleep(10);
    }
    this.#step = null;
    if (step.oldestPending() < step.sent && stopped === null) {
      stopped = this.broken ?? `deliveries missing ${DRAIN_TIMEOUT_MS / 1000} s after the end`;
    }
    return this.#result(step, stopped, cpu);
  }

  #shouldStop(step: Step, now: number, lateBudget: number): string | null {
    if (this.broken) return this.broken;
    const oldest = step.oldestPending();
    if (oldest < step.sent && now - step.due(oldest) > BACKLOG_LIMIT_MS) {
      return `a message waited over ${BACKLOG_LIMIT_MS} ms for delivery`;
    }
    if (step.plan.stopWhenLate && step.lateSoFar(now) > lateBudget) {
      return `over 1 % of deliveries later than the p99 limit`;
    }
    return null;
  }

  #result(step: Step, stopped: string | null, cpu: (number | null)[]): StepResult {
    const others = this.#sessions.length - 1;
    const measuredSent = Math.max(0, step.sent - step.measuredFrom);
    const window = Math.max(0, step.windowEnd - step.windowStart) / 1000;
    let losses = 0;
    for (let i = 0; i < step.sent; i++) losses += step.remaining[i]!;
    const latency = step.latency.summary();
    const ok = stopped === null && losses === 0 && latency.p99 <= P99_LIMIT_MS;
    return {
      ...step.plan,
      ok,
      stopped,
      sent: step.sent,
      measuredSent,
      offeredPerS: step.plan.rate * others,
      deliveredPerS: window >= MIN_WINDOW_S ? step.windowDeliveries / window : null,
      latency,
      lateShare: step.latency.count > 0 ? step.late / step.latency.count : 0,
      losses,
      duplicates: step.duplicates,
      sendLag: step.sendLag.summary(),
      cpu: window >= MIN_WINDOW_S
        ? { host: cpu[0] ?? null, members: cpu[1] ?? null, machine: cpu[2] ?? null }
        : { host: null, members: null, machine: null },
    };
  }

  /**
   * Every member says goodbye and reads on until the host hangs up (so no socket closes with
   * unread data), then closes. A `next()` must not be pending when `RemoteSession.close()`
   * runs: close reads the connection itself and the pending `next()` would never settle.
   */
  async close(): Promise<void> {
    for (const session of this.#sessions) {
      try {
        session.send({ t: "bye" });
      } catch {
        // Already gone.
      }
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      Promise.allSettled(this.#loops),
      new Promise((resolve) => timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)),
    ]);
    clearTimeout(timer);
    await Promise.allSettled(this.#sessions.map((s) => s.close()));
  }
}

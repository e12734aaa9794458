/**
 * CPU time, to tell whether the host, the members or something else on the machine was the
 * busy side of a step. Deno lets a program read /proc/PID only with --allow-all, so each
 * process reports its own time (this one directly, the host process when asked), and the
 * machine's comes from `node:os` (--allow-sys=cpus).
 *
 * @module
 */
import os from "node:os";
import process from "node:process";

/** User + system CPU seconds used so far by this process. */
export function ownCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** CPU seconds every core of the machine has been busy so far, summed (NaN if unknown). */
export function machineCpuSeconds(): number {
  try {
    const busy = os.cpus().reduce((sum, c) => sum + c.times.user + c.times.nice + c.times.sys, 0);
    return busy / 1000;
  } catch {
    return NaN;
  }
}

/** CPU seconds used so far, and when (ms since the epoch, as the measured process saw it). */
export interface CpuSample {
  seconds: number;
  at: number;
}

/** A sample of `seconds` taken now. */
export function sampleNow(seconds: number): CpuSample {
  return { seconds, at: performance.timeOrigin + performance.now() };
}

/** Something that reports a CPU sample; each is timed where taken, so a slow reply is fine. */
export type CpuSampler = () => Promise<CpuSample>;

/** Measures CPU shares (1 = one core busy) over an interval. */
export class CpuMeter {
  readonly #samplers: CpuSampler[];
  #start: Promise<CpuSample[]> = Promise.resolve([]);

  constructor(samplers: CpuSampler[]) {
    this.#samplers = samplers;
  }

  /** Starts an interval (the samples are taken in the background). */
  start(): void {
    this.#start = Promise.all(this.#samplers.map((sample) => sample()));
  }

  /** CPU share of each sampler since `start()`, in the order given; null where unknown. */
  async stop(): Promise<(number | null)[]> {
    const [before, now] = await Promise.all([
      this.#start,
      Promise.all(this.#samplers.map((sample) => sample())),
    ]);
    return now.map((end, i) => {
      const start = before[i];
      const share = start ? (end.seconds - start.seconds) / ((end.at - start.at) / 1000) : NaN;
      return Number.isFinite(share) ? share : null;
    });
  }
}

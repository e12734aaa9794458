/**
 * Time and CPU time, to tell whether the host, the load processes or something else on the
 * machine was the busy side of a step. Each benchmark process reports its own CPU time
 * (`node:process`); the rt host's is read from /proc (`proc.ts`); the machine's comes from
 * `node:os` (--allow-sys=cpus).
 *
 * @module
 */
import os from "node:os";
import process from "node:process";

/**
 * Milliseconds since the epoch, sub-millisecond, comparable between the processes of one
 * machine: each process's monotonic clock from its start, which the system slews as it slews
 * the wall clock. Messages are stamped with it in one process and received in another.
 */
export const epochMs = (): number => performance.timeOrigin + performance.now();

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

/** CPU seconds used so far, and when (see {@link epochMs}). */
export interface CpuSample {
  seconds: number;
  at: number;
}

/** A sample of `seconds` taken now. */
export function sampleNow(seconds: number): CpuSample {
  return { seconds, at: epochMs() };
}

/** Busy cores between two samples (1 = one core); null when unknown. */
export function shareBetween(from: CpuSample, to: CpuSample): number | null {
  const share = (to.seconds - from.seconds) / ((to.at - from.at) / 1000);
  return Number.isFinite(share) ? share : null;
}

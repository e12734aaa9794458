/**
 * Another process's CPU time and memory, read from /proc/PID/stat and /proc/PID/status: how the
 * benchmark watches the rt host it starts (a program that knows nothing of the benchmark).
 * Deno lets a program read /proc/PID itself only with --allow-all, so `cat` reads them
 * (--allow-run=cat). Linux only; elsewhere every figure is NaN.
 *
 * @module
 */
import { epochMs, shareBetween } from "./cpu.ts";

/** The unit of the CPU times in /proc/PID/stat (`getconf CLK_TCK`: 100 on every Linux ABI). */
const TICKS_PER_SECOND = 100;

/** One reading of a process. */
export interface ProcSample {
  /** User + system CPU seconds used so far, every thread together. */
  cpuSeconds: number;
  /** Resident memory now, and at its highest so far, in bytes. */
  rssBytes: number;
  peakRssBytes: number;
  /** When it was read (ms since the epoch, see {@link epochMs}). */
  at: number;
}

const NOTHING: Omit<ProcSample, "at"> = { cpuSeconds: NaN, rssBytes: NaN, peakRssBytes: NaN };

/** Reads /proc/PID/stat and /proc/PID/status (all NaN once the process is gone). */
export async function readProc(pid: number): Promise<ProcSample> {
  const at = epochMs();
  if (Deno.build.os !== "linux") return { ...NOTHING, at };
  const out = await new Deno.Command("cat", {
    args: [`/proc/${pid}/stat`, `/proc/${pid}/status`],
    stdout: "piped",
    stderr: "null",
  }).output();
  if (!out.success) return { ...NOTHING, at };
  return { ...parseProc(new TextDecoder().decode(out.stdout)), at };
}

/** The figures in the text of /proc/PID/stat followed by /proc/PID/status. */
export function parseProc(text: string): Omit<ProcSample, "at"> {
  // The stat line first. Its command name (field 2) is in parentheses and may hold spaces:
  // count from its end.
  const stat = text.slice(0, text.indexOf("\n"));
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  const kB = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, "m").exec(text)?.[1]);
  return {
    cpuSeconds: ticks / TICKS_PER_SECOND,
    rssBytes: kB("VmRSS") * 1024,
    peakRssBytes: kB("VmHWM") * 1024,
  };
}

/** Cores a process kept busy between two samples (1 = one core); null when unknown. */
export function cpuShare(from: ProcSample, to: ProcSample): number | null {
  return shareBetween({ seconds: from.cpuSeconds, at: from.at }, {
    seconds: to.cpuSeconds,
    at: to.at,
  });
}

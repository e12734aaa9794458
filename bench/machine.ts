/**
 * What the figures were measured on: CPU, cores, OS and Deno. (Deno reads /proc/cpuinfo only
 * with --allow-all; `node:os` reads it under --allow-sys=cpus.)
 *
 * @module
 */
import os from "node:os";

/** The machine the benchmark ran on. */
export interface Machine {
  cpu: string;
  cores: number;
  os: string;
  kernel: string;
  deno: string;
  v8: string;
}

function attempt<T>(read: () => T): T | null {
  try {
    return read();
  } catch {
    return null;
  }
}

/** Describes this machine, with "unknown" for what cannot be read. */
export function describeMachine(): Machine {
  const release = attempt(() => Deno.readTextFileSync("/etc/os-release")) ?? "";
  const pretty = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(release)?.[1];
  return {
    cpu: attempt(() => os.cpus()[0]?.model.trim()) || "unknown",
    cores: navigator.hardwareConcurrency,
    os: `${Deno.build.os} ${Deno.build.arch}${pretty ? ` (${pretty})` : ""}`,
    kernel: attempt(() => Deno.osRelease()) ?? "unknown",
    deno: Deno.version.deno,
    v8: Deno.version.v8,
  };
}

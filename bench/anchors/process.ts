/**
 * The anchors' child processes (ngircd, sshd, socat, the IRC load processes): started here,
 * tracked, and killed whatever happens, even when the benchmark exits through `Deno.exit`
 * (a watchdog) before its `finally` blocks run. Also free ports, waiting for a listener, and
 * another process's CPU time from /proc.
 *
 * @module
 */

const live = new Set<Deno.ChildProcess>();

globalThis.addEventListener("unload", () => {
  for (const child of live) {
    try {
      child.kill("SIGKILL");
    } catch {
      // Gone already.
    }
  }
});

/** Spawns `path` with `options`; the child is killed at exit if still running. */
export function spawn(path: string, options: Deno.CommandOptions): Deno.ChildProcess {
  const child = new Deno.Command(path, options).spawn();
  live.add(child);
  child.status.finally(() => live.delete(child));
  return child;
}

/** Sends SIGTERM, then SIGKILL after `graceMs`; resolves once the child has exited. */
export async function stop(child: Deno.ChildProcess, graceMs = 3_000): Promise<void> {
  const kill = (signal: Deno.Signal) => {
    try {
      child.kill(signal);
    } catch {
      // Exited already.
    }
  };
  kill("SIGTERM");
  const timer = setTimeout(() => kill("SIGKILL"), graceMs);
  await child.status;
  clearTimeout(timer);
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = listener.addr.port;
  listener.close();
  return port;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Waits until something accepts connections on 127.0.0.1:`port`, or `exited` settles. The
 * probe connection writes `hello` (if given) and closes.
 */
export async function waitForPort(
  port: number,
  timeoutMs: number,
  exited: Promise<unknown>,
  hello?: string,
): Promise<void> {
  let gone = false;
  exited.then(() => gone = true);
  const deadline = performance.now() + timeoutMs;
  while (!gone && performance.now() < deadline) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      if (hello) await conn.write(new TextEncoder().encode(hello)).catch(() => {});
      conn.close();
      return;
    } catch {
      await sleep(20);
    }
  }
  throw new Error(gone ? `exited before listening on ${port}` : `nothing listens on ${port}`);
}

/** Milliseconds since the epoch, sub-millisecond, comparable between processes. */
export const epochMs = () => performance.timeOrigin + performance.now();

let ticksPerSecond: number | null = null;

/** `getconf CLK_TCK`: the unit of /proc/PID/stat's CPU times (100 if it cannot be run). */
export async function clockTicks(): Promise<number> {
  if (ticksPerSecond === null) {
    try {
      const { stdout } = await new Deno.Command("getconf", { args: ["CLK_TCK"] }).output();
      ticksPerSecond = Number(new TextDecoder().decode(stdout).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/**
 * User + system CPU seconds used so far by process `pid` (fields 14 and 15 of /proc/PID/stat).
 * Deno reads /proc/PID only with --allow-all; otherwise this runs `cat` (--allow-run=cat).
 */
export async function processCpuSeconds(pid: number): Promise<number> {
  const path = `/proc/${pid}/stat`;
  let stat: string;
  try {
    stat = await Deno.readTextFile(path);
  } catch {
    const { stdout } = await new Deno.Command("cat", { args: [path] }).output();
    stat = new TextDecoder().decode(stdout);
  }
  // The command name (field 2) is in parentheses and may hold spaces: count from its end.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  if (!Number.isFinite(ticks)) throw new Error(`cannot read the CPU time of process ${pid}`);
  return ticks / await clockTicks();
}

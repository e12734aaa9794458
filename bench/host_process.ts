/**
 * Starts `bench/host.ts` in its own Deno process and talks to it over its stdio.
 *
 * @module
 */
import type { CpuSample } from "./cpu.ts";
import type { HostEvent } from "./host.ts";
import { readLines } from "./lines.ts";

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;

/** A host notice or a dropped member. */
export type HostIncident = Exclude<HostEvent, { t: "ready" } | { t: "cpu" }>;

/** The running host process. */
export interface HostProcess {
  port: number;
  pid: number;
  /** Deno version of the host process. */
  deno: string;
  /** Notices and dropped members reported so far. */
  incidents: HostIncident[];
  /** The host process's CPU time so far, sampled there (NaN once it has exited). */
  cpu(): Promise<CpuSample>;
  /** Closes the host's stdin so it closes the room and exits; kills it if it lingers. */
  stop(): Promise<void>;
}

/** Starts the host process and waits until it listens. */
export async function startHost(): Promise<HostProcess> {
  const script = new URL("./host.ts", import.meta.url).pathname;
  const root = new URL("..", import.meta.url).pathname;
  // "deno" rather than Deno.execPath(), to match `--allow-run=deno` in deno.json.
  const child = new Deno.Command("deno", {
    args: ["run", "--quiet", "--allow-net=127.0.0.1", script],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const lines = readLines(child.stdout);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ready = await Promise.race([
    lines.next(),
    new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), READY_TIMEOUT_MS)),
  ]);
  clearTimeout(timer);
  const first = ready?.done === false ? JSON.parse(ready.value) as HostEvent : null;
  if (first?.t !== "ready") {
    child.kill();
    throw new Error("The host process did not start");
  }
  const incidents: HostIncident[] = [];
  const cpuWaiters: ((sample: CpuSample) => void)[] = [];
  const reading = (async () => {
    for await (const line of lines) {
      const event = JSON.parse(line) as HostEvent;
      if (event.t === "cpu") cpuWaiters.shift()?.({ seconds: event.seconds, at: event.at });
      else if (event.t !== "ready") incidents.push(event);
    }
    for (const waiter of cpuWaiters.splice(0)) waiter({ seconds: NaN, at: NaN });
  })();
  const stdin = child.stdin.getWriter();
  return {
    port: first.port,
    pid: child.pid,
    deno: first.deno,
    incidents,
    async cpu() {
      const answer = new Promise<CpuSample>((resolve) => cpuWaiters.push(resolve));
      await stdin.write(new TextEncoder().encode("cpu\n"));
      return answer;
    },
    async stop() {
      await stdin.close();
      const killer = setTimeout(() => child.kill(), STOP_TIMEOUT_MS);
      await child.status;
      clearTimeout(killer);
      await reading;
    },
  };
}

/**
 * The real rt host of the chat benchmark: `main.ts --json` with the flags rt runs with (its
 * permissions, V8's memory setting: `tests/e2e/rt_launch.ts`), on 127.0.0.1 and a free port,
 * with its own seat, which verifies every signature and prints every line as a `message` event.
 * Its stdout is read as fast as it comes (rt writes it synchronously: a slow reader would stall
 * the host) and the load's lines are counted per step, with their latency as the seat printed
 * them (stamped with the due time of `epochMs`). Other events that matter (notices, warnings,
 * errors, members dropped) are kept. CPU time and memory are read from /proc.
 *
 * @module
 */
import { rtCommand, rtEnv } from "../tests/e2e/rt_launch.ts";
import { LOOPBACK_HOST_FLAGS, PASSWORD, TEMP_PARENT } from "./config.ts";
import { epochMs } from "./cpu.ts";
import { readLines } from "./lines.ts";
import { parseStamp } from "./load_protocol.ts";
import { type ProcSample, readProc } from "./proc.ts";
import { Histogram } from "./stats.ts";

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 5_000;
/** The start of the seat's line for a room message, as `JSON.stringify` writes it. */
const MESSAGE_PREFIX = '{"type":"message",';
const TEXT_KEY = '"text":"';
/** Event types kept as incidents (a `closed` comes only when the benchmark closes the room). */
const KEPT = new Set(["notice", "warning", "error"]);
/** At most this many incidents are kept (the rest are only counted). */
const MAX_INCIDENTS = 100;

/** How the host is started, beyond hosting on loopback (rt's defaults where left out). */
export interface RtHostOptions {
  /** `--rate`: messages a second one member may send (rt's default: 10). */
  rate?: number;
  /** `--max-members` (rt's default: 100). */
  maxMembers?: number;
  /** Flags for `deno run` itself, e.g. `--inspect=127.0.0.1:9229` to profile the host. */
  denoFlags?: string[];
}

/** What the host's own seat printed of one load step. */
export interface SeatCount {
  /** Lines of the step printed. */
  lines: number;
  /** From due time to the line read here, as `epochMs` sees it in both processes. */
  latency: Histogram;
}

/** A host event worth reporting: a notice, a warning, an error, a member who left or dropped. */
export type HostIncident = { type: string; code?: string; text?: string; name?: string };

/** A running rt host. */
export class RtHost {
  readonly port: number;
  readonly pid: number;
  /** The flags that differ from rt's defaults for hosting, as typed. */
  readonly settings: string[];
  /** The first `MAX_INCIDENTS` incidents, and how many there were in all. */
  readonly incidents: HostIncident[] = [];
  incidentCount = 0;
  /** Members seen leaving as "lost" or "removed" (not "quit"). */
  dropped = 0;
  readonly #child: Deno.ChildProcess;
  readonly #home: string;
  readonly #seat = new Map<number, SeatCount>();
  readonly #reading: Promise<void>;
  #stderr = "";

  private constructor(
    child: Deno.ChildProcess,
    home: string,
    port: number,
    settings: string[],
    lines: AsyncGenerator<string>,
  ) {
    this.#child = child;
    this.#home = home;
    this.port = port;
    this.pid = child.pid;
    this.settings = settings;
    this.#reading = this.#read(lines);
  }

  /** Starts the host; resolves once it listens and its seat has its welcome. */
  static async start(options: RtHostOptions = {}): Promise<RtHost> {
    const home = await Deno.makeTempDir({ dir: TEMP_PARENT, prefix: "rt-bench-host-" });
    const settings: string[] = [];
    if (options.rate !== undefined) settings.push(`--rate ${options.rate}`);
    if (options.maxMembers !== undefined) settings.push(`--max-members ${options.maxMembers}`);
    const [, run, ...rt] = rtCommand({ deno: "deno" });
    const child = new Deno.Command("deno", {
      args: [
        run!,
        ...(options.denoFlags ?? []),
        ...rt,
        "--json",
        "--name",
        "host",
        ...LOOPBACK_HOST_FLAGS,
        ...settings.flatMap((s) => s.split(" ")),
      ],
      cwd: new URL("..", import.meta.url),
      ...rtEnv({ home, password: PASSWORD, inherit: true }),
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    let stderr = "";
    const stderrDone = (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        stderr = (stderr + text).slice(-4000);
      }
    })();
    const lines = readLines(child.stdout);
    let port = 0;
    const started = (async () => {
      let welcomed = false;
      // `next()` by hand: leaving a for-await loop would end the generator.
      for (let line = await lines.next(); !line.done; line = await lines.next()) {
        const event = JSON.parse(line.value) as { type: string; port?: number };
        if (event.type === "listening") port = event.port!;
        if (event.type === "welcome") welcomed = true;
        if (port > 0 && welcomed) return true;
      }
      return false;
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const ok = await Promise.race([
      started,
      new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), START_TIMEOUT_MS)),
    ]);
    clearTimeout(timer);
    if (!ok) {
      child.kill("SIGKILL");
      await child.status;
      await stderrDone;
      await Deno.remove(home, { recursive: true });
      throw new Error(`The rt host did not start:\n${stderr}`);
    }
    const host = new RtHost(child, home, port, settings, lines);
    stderrDone.then(() => host.#stderr = stderr);
    return host;
  }

  async #read(lines: AsyncGenerator<string>): Promise<void> {
    for await (const line of lines) {
      if (line.startsWith(MESSAGE_PREFIX)) {
        this.#message(line);
        continue;
      }
      let event: HostIncident & { reason?: string };
      try {
        event = JSON.parse(line);
      } catch {
        this.#incident({ type: "output", text: line.slice(0, 200) });
        continue;
      }
      const lost = event.type === "left" && event.reason !== "quit";
      if (lost) this.dropped++;
      if (lost || KEPT.has(event.type)) this.#incident(event);
    }
  }

  #incident(event: HostIncident): void {
    if (this.incidentCount++ < MAX_INCIDENTS) this.incidents.push(event);
  }

  /** Counts one printed chat line of the load (read straight from the JSON text). */
  #message(line: string): void {
    const at = epochMs();
    const start = line.indexOf(TEXT_KEY);
    if (start < 0) return;
    const stamp = parseStamp(line.slice(start + TEXT_KEY.length, start + TEXT_KEY.length + 60));
    if (stamp === null) return;
    let count = this.#seat.get(stamp.step);
    if (!count) this.#seat.set(stamp.step, count = { lines: 0, latency: new Histogram() });
    count.lines++;
    count.latency.add(at - stamp.due);
  }

  /** What the seat printed of step `step` so far. */
  seat(step: number): SeatCount {
    return this.#seat.get(step) ?? { lines: 0, latency: new Histogram() };
  }

  /** CPU time and memory now. */
  sample(): Promise<ProcSample> {
    return readProc(this.pid);
  }

  /** Closes stdin (rt closes the room and exits); kills it if it lingers; removes its folder. */
  async stop(): Promise<void> {
    try {
      await this.#child.stdin.close();
    } catch {
      // Gone already.
    }
    const killer = setTimeout(() => this.#child.kill("SIGKILL"), STOP_TIMEOUT_MS);
    const status = await this.#child.status;
    clearTimeout(killer);
    await this.#reading;
    await Deno.remove(this.#home, { recursive: true }).catch(() => {});
    if (!status.success && status.signal !== "SIGKILL") {
      this.#incident({ type: "exit", text: `code ${status.code}: ${this.#stderr.trim()}` });
    }
  }
}

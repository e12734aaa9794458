/**
 * The chat anchor: Debian's ngIRCd with a busy room, loaded the way the benchmark loads rt.
 * A private ngircd runs in the foreground on 127.0.0.1 (a free port, its config in a temp
 * folder), `processes` Deno processes (`irc_member.ts`) hold `members` IRC clients in #bench
 * and send `rate` messages/s in total, and ngircd's CPU time is read from /proc over the
 * measured window. Every process started here is stopped at the end, whatever happens.
 *
 * @module
 */
import { machineCpuSeconds } from "../cpu.ts";
import { readLines } from "../lines.ts";
import { Histogram, type Summary } from "../stats.ts";
import type { MemberEvent, MemberPlan, MemberReport } from "./irc_member.ts";
import {
  epochMs,
  freePort,
  processCpuSeconds,
  sleep,
  spawn,
  stop,
  waitForPort,
} from "./process.ts";
import { findTools, missingTools, toolVersion } from "./tools.ts";

/** The load of one IRC run. */
export interface ChatLoadOptions {
  members: number;
  /** Messages/s offered, all members together. */
  rate: number;
  /** Measured seconds, after the warm-up. */
  seconds: number;
  warmupSeconds: number;
  /** Deno processes the members are spread over. */
  processes: number;
  /** Characters of each message's text. */
  textChars: number;
}

/** A setting of the anchor's config that differs from the tool's default, and why. */
export interface ChangedSetting {
  /** The config file's section, e.g. "Limits". */
  section: string;
  name: string;
  value: string;
  default: string;
  why: string;
}

/** What one IRC run measured. Latencies are of messages due in the measured window. */
export interface AnchorChatResult extends ChatLoadOptions {
  tool: "ngircd";
  /** `ngircd --version`, first line. */
  version: string;
  settings: ChangedSetting[];
  /** Messages sent (warm-up included), and those due in the measured window. */
  sent: number;
  measuredSent: number;
  /** sent × (members − 1): IRC does not echo a message to its sender. */
  expected: number;
  /** Deliveries received (each counted once), after the drain. */
  received: number;
  losses: number;
  duplicates: number;
  /** rate × (members − 1). */
  offeredPerS: number;
  /** Deliveries that arrived during the measured window, per second. */
  deliveredPerS: number;
  /** ms from each message's due time to its arrival at each other member. */
  latency: Summary;
  /** ms from due time to the write into the client's socket. */
  sendLag: Summary;
  /** ngircd's user + system CPU over the window: seconds, % of one core, µs per delivery. */
  cpuSeconds: number;
  cpuPercent: number;
  cpuPerDeliveryUs: number;
  /** Each load process's CPU over the window, % of one core (null if unknown). */
  loadCpuPercent: (number | null)[];
  /** The whole machine's busy CPU over the window, % of one core (null if unknown). */
  machineCpuPercent: number | null;
  /** False when the load generator may have been the limit, or a client failed. */
  valid: boolean;
  /** Why not valid, or null. */
  invalid: string | null;
}

/** ngircd.conf settings that differ from ngIRCd 26's defaults. */
export function ngircdSettings(port: number): ChangedSetting[] {
  return [
    {
      section: "Global",
      name: "Listen",
      value: "127.0.0.1",
      default: "0.0.0.0 and ::",
      why: "loopback only",
    },
    { section: "Global", name: "Ports", value: String(port), default: "6667", why: "a free port" },
    {
      section: "Global",
      name: "MotdPhrase",
      value: "rt bench",
      default: "(MotdFile /etc/ngircd/ngircd.motd)",
      why: "no MOTD file to read",
    },
    {
      section: "Limits",
      name: "MaxConnectionsIP",
      value: "0",
      default: "5",
      why: "every member connects from 127.0.0.1 (0 = unlimited)",
    },
    {
      section: "Limits",
      name: "MaxPenaltyTime",
      value: "0",
      default: "-1",
      why: "ngIRCd stops reading a client for 1 s when it sent over 256 bytes in a second " +
        "or has over 3 commands waiting (10-20 lines/s of ~80 bytes is over that); 0 turns " +
        "these penalties off for every client (the other way is user mode +F, for IRC " +
        "operators only)",
    },
    {
      section: "Options",
      name: "DNS",
      value: "no",
      default: "yes",
      why: "no reverse lookup (a forked resolver) for each connection",
    },
    {
      section: "Options",
      name: "Ident",
      value: "no",
      default: "yes",
      why: "no IDENT query for each connection",
    },
    {
      section: "Options",
      name: "PAM",
      value: "no",
      default: "yes",
      why: "no PAM session for each connection (Debian's own ngircd.conf says no too)",
    },
  ];
}

function ngircdConf(settings: ChangedSetting[]): string {
  const lines = ["[Global]", "  Name = bench.rt.invalid", "  Info = rt benchmark anchor"];
  for (const section of ["Global", "Limits", "Options"]) {
    if (section !== "Global") lines.push(`[${section}]`);
    for (const s of settings) if (s.section === section) lines.push(`  ${s.name} = ${s.value}`);
  }
  return lines.join("\n") + "\n";
}

const START_TIMEOUT_MS = 10_000;
const JOIN_TIMEOUT_MS = 60_000;
const DRAIN_MS = 5_000;
const QUIT_TIMEOUT_MS = 3_000;
/** Time between the "start" line and the first message, for every process to get it. */
const START_DELAY_MS = 500;
/** A load process above this share of a core may have been the limit. */
const LOAD_CPU_LIMIT = 0.9;

/** One `irc_member.ts` process. */
class LoadProcess {
  readonly child: Deno.ChildProcess;
  readonly #lines: AsyncGenerator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;

  constructor(plan: MemberPlan) {
    this.child = spawn("deno", {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        new URL("./irc_member.ts", import.meta.url).pathname,
        JSON.stringify(plan),
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    });
    this.#lines = readLines(this.child.stdout);
    this.#stdin = this.child.stdin.getWriter();
  }

  /** The next event, which must be of `type`. */
  async next<T extends MemberEvent["t"]>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<MemberEvent, { t: T }>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const line = await Promise.race([
      this.#lines.next(),
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
    ]);
    clearTimeout(timer);
    const event = line?.done === false ? JSON.parse(line.value) as MemberEvent : null;
    if (event?.t !== type) {
      const got = event?.t === "error" ? event.message : event ? event.t : "nothing";
      throw new Error(`IRC load process: expected "${type}", got ${got}`);
    }
    return event as Extract<MemberEvent, { t: T }>;
  }

  async start(at: number): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode(`start ${at.toFixed(3)}\n`));
  }

  /** Lets it quit its clients and exit (or kills it after a while). */
  async end(): Promise<void> {
    await this.#stdin.close().catch(() => {});
    await Promise.race([this.child.status, sleep(QUIT_TIMEOUT_MS)]);
    await stop(this.child);
    for await (const _ of this.#lines) {
      // Drain.
    }
  }
}

/** The last lines a process printed, for error messages. */
function tail(stream: ReadableStream<Uint8Array>, keep = 10): () => string {
  const last: string[] = [];
  (async () => {
    for await (const line of readLines(stream)) {
      last.push(line);
      if (last.length > keep) last.shift();
    }
  })().catch(() => {});
  return () => last.join("\n");
}

/**
 * Runs one load on a private ngircd and measures it, or says which tool is missing.
 * Needs --allow-run (ngircd, deno, getconf; cat unless --allow-all), --allow-read,
 * --allow-write=/tmp and --allow-net=127.0.0.1.
 */
export async function ngircdLoad(
  options: ChatLoadOptions,
): Promise<AnchorChatResult | { missing: string }> {
  const tools = findTools();
  const missing = missingTools(tools, ["ngircd"]);
  if (missing) return { missing };
  const ngircd = tools.ngircd!;
  const { members, rate, seconds, warmupSeconds, textChars } = options;
  const processes = Math.max(1, Math.min(options.processes, members));
  const dir = await Deno.makeTempDir({ prefix: "rt-bench-ngircd-" });
  const loads: LoadProcess[] = [];
  let server: Deno.ChildProcess | null = null;
  try {
    const port = freePort();
    const settings = ngircdSettings(port);
    await Deno.writeTextFile(`${dir}/ngircd.conf`, ngircdConf(settings));
    server = spawn(ngircd, {
      args: ["-n", "-f", `${dir}/ngircd.conf`],
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
    const output = [tail(server.stdout), tail(server.stderr)];
    await waitForPort(port, START_TIMEOUT_MS, server.status).catch((error) => {
      throw new Error(`ngircd ${error.message}:\n${output.map((o) => o()).join("\n")}`);
    });

    let first = 0;
    for (let i = 0; i < processes; i++) {
      const count = Math.floor(members / processes) + (i < members % processes ? 1 : 0);
      const plan: MemberPlan = {
        port,
        first,
        count,
        members,
        rate,
        warmupS: warmupSeconds,
        seconds,
        textChars,
        drainMs: DRAIN_MS,
      };
      loads.push(new LoadProcess(plan));
      first += count;
    }
    await Promise.all(loads.map((l) => l.next("joined", JOIN_TIMEOUT_MS)));

    const start = epochMs() + START_DELAY_MS;
    await Promise.all(loads.map((l) => l.start(start)));
    const reports = Promise.all(
      loads.map((l) => l.next("done", (warmupSeconds + seconds) * 1000 + DRAIN_MS + 30_000)),
    );
    reports.catch(() => {}); // Awaited below, after the CPU samples.
    const pid = server.pid;
    await processCpuSeconds(pid); // Looks up the clock tick once, before the window.
    const sample = async () => ({
      cpu: await processCpuSeconds(pid),
      machine: machineCpuSeconds(),
      at: epochMs(),
    });
    await sleep(start + warmupSeconds * 1000 - epochMs());
    const before = await sample();
    await sleep(start + (warmupSeconds + seconds) * 1000 - epochMs());
    const after = await sample();
    return summarize(options, processes, await toolVersion(ngircd, ["--version"]), settings, {
      reports: await reports,
      cpuSeconds: after.cpu - before.cpu,
      machineSeconds: after.machine - before.machine,
      windowS: (after.at - before.at) / 1000,
    });
  } finally {
    await Promise.all(loads.map((l) => l.end()));
    if (server) await stop(server);
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

function summarize(
  options: ChatLoadOptions,
  processes: number,
  version: string,
  settings: ChangedSetting[],
  run: { reports: MemberReport[]; cpuSeconds: number; machineSeconds: number; windowS: number },
): AnchorChatResult {
  const { reports } = run;
  const sum = (pick: (r: MemberReport) => number) => reports.reduce((n, r) => n + pick(r), 0);
  const latency = new Histogram();
  const sendLag = new Histogram();
  for (const r of reports) {
    latency.merge(r.latency);
    sendLag.merge(r.sendLag);
  }
  const sent = sum((r) => r.sent);
  const expected = sent * (options.members - 1);
  const received = sum((r) => r.received);
  const windowDeliveries = sum((r) => r.windowDeliveries);
  const loadCpuPercent = reports.map((r) => r.cpuShare === null ? null : r.cpuShare * 100);
  const problems = [
    ...reports.flatMap((r) => r.broken ? [r.broken] : []),
    ...loadCpuPercent.flatMap((p, i) =>
      p !== null && p > LOAD_CPU_LIMIT * 100
        ? [`load process ${i + 1} used ${p.toFixed(0)} % of a core`]
        : []
    ),
  ];
  const machine = run.machineSeconds / run.windowS * 100;
  return {
    ...options,
    processes,
    tool: "ngircd",
    version,
    settings,
    sent,
    measuredSent: sum((r) => r.measuredSent),
    expected,
    received,
    losses: expected - received,
    duplicates: sum((r) => r.duplicates),
    offeredPerS: options.rate * (options.members - 1),
    deliveredPerS: windowDeliveries / options.seconds,
    latency: latency.summary(),
    sendLag: sendLag.summary(),
    cpuSeconds: run.cpuSeconds,
    cpuPercent: run.cpuSeconds / run.windowS * 100,
    cpuPerDeliveryUs: run.cpuSeconds * 1e6 / windowDeliveries,
    loadCpuPercent,
    machineCpuPercent: Number.isFinite(machine) ? machine : null,
    valid: problems.length === 0,
    invalid: problems.length > 0 ? problems.join("; ") : null,
  };
}

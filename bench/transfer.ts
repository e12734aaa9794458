/**
 * File-transfer throughput on loopback: the real `rt --json` program sending a file of random
 * data (host to joiner, and joiner to joiner through the host), beside a raw TCP copy of the
 * same file in the same run (straight, and through a relay process), which is the ceiling.
 *
 * rt is timed as its user waits: from `/send` typed at the sender until the receiver's
 * `file-saved` (the file checked and in its place), the receiver typing `/accept` as soon as
 * the offer shows. The sender's SHA-256 pass over the file before it offers it (`/send` to its
 * `file-offered`) and the move itself (`/accept` to `file-saved`) are given apart.
 *
 * Every case is measured `TRANSFER_REPEATS` times (by default), in rounds: each round runs every
 * case once, so a slow spell of the machine spreads over the cases instead of hitting one. The
 * test file and rt's folders live in one temporary folder, removed at the end; each received
 * copy is deleted as soon as it is measured.
 *
 * @module
 */
import { join } from "node:path";
import {
  HOSTNAME,
  LOOPBACK_HOST_FLAGS,
  OFFER_TIMEOUT_MS,
  PASSWORD,
  RAW_BUFFER_BYTES,
  TEMP_PARENT,
  TRANSFER_BYTES,
  TRANSFER_REPEATS,
  TRANSFER_TIMEOUT_MS,
} from "./config.ts";
import { machineCpuSeconds } from "./cpu.ts";
import { readProc } from "./proc.ts";
import { rawCopy } from "./raw_copy.ts";
import { RtProcess } from "./rt_process.ts";

const START_TIMEOUT_MS = 30_000;
const IDLE_SAMPLE_MS = 500;
const MB = 1e6;

/** One measured transfer. */
export interface TransferRun {
  /**
   * raw: from "go" until the receiver closed the file; rt: from `/send` typed until the
   * receiver's `file-saved` (what the user waits for).
   */
  seconds: number;
  /** File bytes (not counting rt's framing and encryption) / `seconds`, in MB/s (10^6 bytes). */
  mbPerS: number;
  /** rt: from `/send` until the sender's `file-offered`: reading and hashing the file. */
  hashSeconds?: number;
  /** rt: from `/accept` typed until the receiver's `file-saved`: the move itself. */
  moveSeconds?: number;
  /** rt: from `/send` until the sender's `file-done` (which comes after the receiver's save). */
  doneSeconds?: number;
  /** Raw: CPU seconds of each process (sender, relay, receiver). */
  cpuS?: number[];
  /**
   * rt: CPU seconds per GiB moved of each rt process, every thread together: the sender, the
   * host relaying (joiner to joiner), the receiver. From /send until both ends are done.
   */
  cpuPerGiB?: number[];
  /** Busy cores of the whole machine over the run (1 = one core). */
  machineCpu: number | null;
  /**
   * Busy cores of the machine in the `IDLE_SAMPLE_MS` just before the run, while none of the
   * benchmark's processes worked: other programs, which would disturb the figures.
   */
  backgroundCpu: number | null;
}

/** Median, min and max of a case's runs, in MB/s. */
export interface Throughput {
  median: number;
  min: number;
  max: number;
}

/** One case: its runs and their summary. */
export interface TransferCase {
  runs: TransferRun[];
  mbPerS: Throughput;
}

/** Everything the transfer part measured. */
export interface TransferResult {
  bytes: number;
  repeats: number;
  rawBufferBytes: number;
  /** Raw TCP, sender process to receiver process. */
  raw: TransferCase;
  /** Raw TCP, sender process to relay process to receiver process. */
  rawRelay: TransferCase;
  /** rt: the host sends (`/send`) to a joiner, who accepts. */
  hostToJoiner: TransferCase;
  /** rt: a joiner sends to another joiner, relayed by the host. */
  joinerToJoiner: TransferCase;
  /** rt's median over the matching raw median. */
  ratios: { hostToJoiner: number; joinerToJoiner: number };
  elapsedS: number;
}

type Progress = (text: string) => void;

/** Writes `bytes` of random data to `path`, 1 MiB at a time. */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(1024 * 1024);
  for (let left = bytes; left > 0; left -= block.length) {
    // getRandomValues fills at most 64 KiB a call.
    for (let i = 0; i < block.length; i += 65536) {
      crypto.getRandomValues(block.subarray(i, i + 65536));
    }
    const piece = block.subarray(0, Math.min(block.length, left));
    for (let offset = 0; offset < piece.length;) {
      offset += await file.write(piece.subarray(offset));
    }
  }
  // On disk before anything is timed: the system writing it back would compete with the runs.
  await file.sync();
}

function summarizeRuns(runs: TransferRun[]): TransferCase {
  const sorted = runs.map((r) => r.mbPerS).sort((a, b) => a - b);
  return {
    runs,
    mbPerS: {
      median: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN,
      min: sorted[0] ?? NaN,
      max: sorted[sorted.length - 1] ?? NaN,
    },
  };
}

/** The machine's busy cores from `start` (CPU seconds, ms) until now. */
function busyCores(start: { cpu: number; at: number }): number | null {
  const share = (machineCpuSeconds() - start.cpu) / ((performance.now() - start.at) / 1000);
  return Number.isFinite(share) ? share : null;
}

const now = () => ({ cpu: machineCpuSeconds(), at: performance.now() });

/** The machine's busy cores over the next `IDLE_SAMPLE_MS`. */
async function idleCpu(): Promise<number | null> {
  const start = now();
  await new Promise((resolve) => setTimeout(resolve, IDLE_SAMPLE_MS));
  return busyCores(start);
}

/** A host and two joiners of one room, each `rt --json` in its own process. */
class RtRoom {
  readonly host: RtProcess;
  readonly alice: RtProcess;
  readonly bob: RtProcess;

  private constructor(host: RtProcess, alice: RtProcess, bob: RtProcess) {
    this.host = host;
    this.alice = alice;
    this.bob = bob;
  }

  static async open(folder: string): Promise<RtRoom> {
    const home = (name: string) => {
      const path = join(folder, name);
      Deno.mkdirSync(path);
      return path;
    };
    const host = new RtProcess(
      "host",
      [...LOOPBACK_HOST_FLAGS, "--name", "host"],
      PASSWORD,
      home("host"),
    );
    const started: RtProcess[] = [host];
    try {
      const listening = await host.next("listening", { timeoutMs: START_TIMEOUT_MS });
      const port = String(listening.event.port);
      const join = (name: string) => {
        const p = new RtProcess(name, [HOSTNAME, port, "--name", name], PASSWORD, home(name));
        started.push(p);
        return p;
      };
      const alice = join("alice");
      const bob = join("bob");
      const welcomed = (p: RtProcess) =>
        p.next("welcome", { timeoutMs: START_TIMEOUT_MS, match: (e) => e.name === p.label });
      await Promise.all([welcomed(host), welcomed(alice), welcomed(bob)]);
      return new RtRoom(host, alice, bob);
    } catch (error) {
      await Promise.all(started.map((p) => p.stop()));
      throw error;
    }
  }

  /** Joiners leave, then the host closes the room. */
  async close(): Promise<void> {
    await Promise.all([this.alice.stop(), this.bob.stop()]);
    await this.host.stop();
  }
}

/**
 * `from` sends `path` to `to`, who accepts it at once, through `relay` if given (the host);
 * timed from the `/send`.
 */
async function rtTransfer(
  from: RtProcess,
  to: RtProcess,
  path: string,
  bytes: number,
  relay?: RtProcess,
): Promise<Omit<TransferRun, "backgroundCpu">> {
  const processes = relay ? [from, relay, to] : [from, to];
  const cpuBefore = await Promise.all(processes.map((p) => readProc(p.pid)));
  const sinceFrom = from.events.length;
  const sinceTo = to.events.length;
  const stopped = (e: { type: string }) => e.type === "file-stopped" || e.type === "error";
  const cpu = now();
  await from.type(`/send ${to.label} ${path}`);
  const offered = await from.next("file-offered", {
    since: sinceFrom,
    timeoutMs: OFFER_TIMEOUT_MS,
    fail: stopped,
  });
  const offer = await to.next("file-offer", {
    since: sinceTo,
    timeoutMs: START_TIMEOUT_MS,
    fail: stopped,
  });
  if (offer.event.held !== 0) throw new Error(`rt ${to.label} resumes ${offer.event.held} bytes`);
  const sinceAccept = to.events.length;
  const accepted = performance.now();
  await to.type(`/accept ${offer.event.id}`);
  const ends = [
    from.next("file-done", {
      since: sinceFrom,
      timeoutMs: TRANSFER_TIMEOUT_MS,
      match: (e) => e.id === offered.event.id,
      fail: stopped,
    }),
    to.next("file-saved", {
      since: sinceAccept,
      timeoutMs: TRANSFER_TIMEOUT_MS,
      match: (e) => e.id === offer.event.id,
      fail: stopped,
    }),
  ] as const;
  // The first failure is thrown; the other one, handled here, must not end the process.
  for (const end of ends) end.catch(() => {});
  const [done, saved] = await Promise.all(ends);
  const machineCpu = busyCores(cpu);
  const cpuAfter = await Promise.all(processes.map((p) => readProc(p.pid)));
  const cpuPerGiB = cpuAfter.map((after, i) =>
    (after.cpuSeconds - cpuBefore[i]!.cpuSeconds) / (bytes / 2 ** 30)
  );
  const seconds = (saved.at - cpu.at) / 1000;
  await Deno.remove(saved.event.path);
  if (saved.event.size !== bytes || done.event.total !== bytes) {
    throw new Error(`rt moved ${done.event.total} bytes, not ${bytes}`);
  }
  return {
    seconds,
    mbPerS: bytes / MB / seconds,
    hashSeconds: (offered.at - cpu.at) / 1000,
    moveSeconds: (saved.at - accepted) / 1000,
    doneSeconds: (done.at - cpu.at) / 1000,
    cpuPerGiB,
    machineCpu,
  };
}

async function rawRun(
  folder: string,
  source: string,
  relay: boolean,
  bytes: number,
): Promise<Omit<TransferRun, "backgroundCpu">> {
  const target = join(folder, "raw-copy.bin");
  const cpu = now();
  const copy = await rawCopy(folder, source, target, relay, TRANSFER_TIMEOUT_MS);
  const machineCpu = busyCores(cpu);
  await Deno.remove(target);
  if (copy.bytes !== bytes) throw new Error(`raw copy moved ${copy.bytes} bytes, not ${bytes}`);
  return {
    seconds: copy.seconds,
    mbPerS: bytes / MB / copy.seconds,
    cpuS: copy.cpuS,
    machineCpu,
  };
}

const pct = (v: number | null) => v === null ? "-" : `${Math.round(v * 100)}%`;
const runText = (run: TransferRun) =>
  `${run.mbPerS.toFixed(1)} MB/s (${run.seconds.toFixed(2)} s${
    run.hashSeconds === undefined
      ? ""
      : `: hashing ${run.hashSeconds.toFixed(2)} s, moving ${run.moveSeconds?.toFixed(2)} s`
  }; machine CPU ${pct(run.machineCpu)}, ${pct(run.backgroundCpu)} before it)`;

/**
 * Measures every case `repeats` times with a file of `bytes` (by default as in config.ts);
 * cleans up after itself whatever happens.
 */
export async function benchTransfers(
  progress: Progress,
  { bytes = TRANSFER_BYTES, repeats = TRANSFER_REPEATS }: { bytes?: number; repeats?: number } = {},
): Promise<TransferResult> {
  const started = performance.now();
  const folder = await Deno.makeTempDir({ dir: TEMP_PARENT, prefix: "rt-bench-files-" });
  try {
    const source = join(folder, "random.bin");
    progress(`writing ${bytes / 2 ** 20} MiB of random data to ${source}`);
    await writeRandomFile(source, bytes);
    progress("starting rt: a host and two joiners");
    const room = await RtRoom.open(folder);
    const runs = {
      raw: [] as TransferRun[],
      rawRelay: [] as TransferRun[],
      hostToJoiner: [] as TransferRun[],
      joinerToJoiner: [] as TransferRun[],
    };
    try {
      for (let round = 1; round <= repeats; round++) {
        const step = async (
          label: string,
          into: TransferRun[],
          measure: () => Promise<Omit<TransferRun, "backgroundCpu">>,
        ) => {
          const backgroundCpu = await idleCpu();
          const run = { ...await measure(), backgroundCpu };
          into.push(run);
          progress(`round ${round}/${repeats}: ${label} ${runText(run)}`);
        };
        await step("raw TCP", runs.raw, () => rawRun(folder, source, false, bytes));
        await step("raw TCP via relay", runs.rawRelay, () => rawRun(folder, source, true, bytes));
        await step(
          "rt host -> joiner",
          runs.hostToJoiner,
          () => rtTransfer(room.host, room.alice, source, bytes),
        );
        await step(
          "rt joiner -> joiner",
          runs.joinerToJoiner,
          () => rtTransfer(room.alice, room.bob, source, bytes, room.host),
        );
      }
    } finally {
      await room.close();
    }
    const raw = summarizeRuns(runs.raw);
    const rawRelay = summarizeRuns(runs.rawRelay);
    const hostToJoiner = summarizeRuns(runs.hostToJoiner);
    const joinerToJoiner = summarizeRuns(runs.joinerToJoiner);
    return {
      bytes,
      repeats,
      rawBufferBytes: RAW_BUFFER_BYTES,
      raw,
      rawRelay,
      hostToJoiner,
      joinerToJoiner,
      ratios: {
        hostToJoiner: hostToJoiner.mbPerS.median / raw.mbPerS.median,
        joinerToJoiner: joinerToJoiner.mbPerS.median / rawRelay.mbPerS.median,
      },
      elapsedS: (performance.now() - started) / 1000,
    };
  } finally {
    await Deno.remove(folder, { recursive: true });
  }
}

/**
 * The chat part of the benchmark against the real rt host (`rt_host.ts`): joins timed one
 * after the other; a room of `MEMBERS` at the fixed rate, then the search for the highest
 * sustained rate (the host with `--rate HOST_RATE`: the load offers more than rt's default a
 * member); then a fresh host with a room of `BIG_MEMBERS` at the fixed rate (the load compared
 * with ngIRCd; `--max-members` lets them in, and at 10 messages/s a member rt's default rate
 * holds). The members live in `LOAD_PROCESSES` load processes (`load.ts`).
 *
 * @module
 */
import {
  BIG_MEMBERS,
  COMPARE_STEPS,
  FIXED_MEASURE_S,
  FIXED_RATE,
  FIXED_WARMUP_S,
  HANDSHAKE_BUDGET_MS,
  HOST_RATE,
  MEMBERS,
  ROOM_WARMUP_RATE,
  ROOM_WARMUP_S,
} from "./config.ts";
import { benchHandshake, type HandshakeResult } from "./handshake.ts";
import { LoadRoom, type StepResult } from "./load.ts";
import { type HostIncident, RtHost, type RtHostOptions } from "./rt_host.ts";
import { searchMaxRate, type SearchResult } from "./search.ts";

/** What one rt host went through, for the report. */
export interface HostRecord {
  /** The flags that differ from rt's defaults, as typed. */
  settings: string[];
  incidents: HostIncident[];
  incidentCount: number;
  /** Members who left other than by saying goodbye. */
  dropped: number;
}

/** Everything the chat part measured. */
export interface ChatResult {
  handshake: HandshakeResult;
  fixedRate: StepResult;
  /** The fixed step again, right after it (`COMPARE_STEPS` in all). */
  fixedRepeats: StepResult[];
  search: SearchResult | null;
  /** `BIG_MEMBERS` × `FIXED_RATE`, on a fresh host; null when it could not run (`bigError`). */
  big: StepResult | null;
  /** The big room's step again, right after it (`COMPARE_STEPS` in all). */
  bigRepeats: StepResult[];
  bigError?: string;
  hosts: { main: HostRecord; big: HostRecord | null };
}

type Progress = (text: string) => void;

const pct = (v: number | null) => v === null ? "-" : `${Math.round(v * 100)}%`;

/** One line of progress about a step. */
export function stepText(s: StepResult): string {
  return `${s.members} × ${s.rate}/s: p99 ${s.latency.p99.toFixed(1)} ms, ${
    Math.round(s.deliveredPerS ?? NaN)
  } deliveries/s, ${s.losses} lost, host ${pct(s.cpu.host)}, load ${
    s.cpu.loadProcesses.map(pct).join("+")
  }, ${s.ok ? "ok" : s.invalid ? `invalid (${s.invalid})` : "failed"}${
    s.stopped ? ` (${s.stopped})` : ""
  }`;
}

/** Starts a host, runs `body` with it, stops it whatever happens; returns both. */
async function withHost<T>(
  options: RtHostOptions,
  body: (host: RtHost) => Promise<T>,
): Promise<{ value: T; record: HostRecord }> {
  const host = await RtHost.start(options);
  let value: T;
  try {
    value = await body(host);
  } finally {
    await host.stop();
  }
  return {
    value,
    record: {
      settings: host.settings,
      incidents: host.incidents,
      incidentCount: host.incidentCount,
      dropped: host.dropped,
    },
  };
}

/** Joins `members`, warms the room up, then runs `body` with it; closes it whatever happens. */
async function withRoom<T>(
  host: RtHost,
  members: number,
  progress: Progress,
  body: (room: LoadRoom) => Promise<T>,
): Promise<T> {
  progress(`joining ${members} members from the load processes`);
  const room = await LoadRoom.open(host, members);
  try {
    progress(`warming up at ${ROOM_WARMUP_RATE}/s`);
    const warmup = await room.run({
      rate: ROOM_WARMUP_RATE,
      warmupS: ROOM_WARMUP_S,
      measureS: 0,
      stopWhenLate: false,
    });
    if (warmup.stopped) throw new Error(`Warm-up failed: ${warmup.stopped}`);
    return await body(room);
  } finally {
    await room.close();
  }
}

const fixedPlan = { rate: FIXED_RATE, warmupS: FIXED_WARMUP_S, measureS: FIXED_MEASURE_S };

/** `COMPARE_STEPS` fixed steps one after the other (fewer when the room breaks). */
async function fixedSteps(
  room: LoadRoom,
  progress: Progress,
): Promise<[StepResult, ...StepResult[]]> {
  const step = async (i: number) => {
    const result = await room.run({ ...fixedPlan, stopWhenLate: false });
    progress(`step ${i + 1}/${COMPARE_STEPS}: ${stepText(result)}`);
    return result;
  };
  const steps: [StepResult, ...StepResult[]] = [await step(0)];
  for (let i = 1; i < COMPARE_STEPS && !room.broken; i++) steps.push(await step(i));
  return steps;
}

/** Runs the chat part. */
export async function benchChat(progress: Progress): Promise<ChatResult> {
  progress("starting the rt host");
  const main = await withHost({ rate: HOST_RATE }, async (host) => {
    progress(`rt host pid ${host.pid} on port ${host.port} (${host.settings.join(" ")})`);
    progress("timing joins");
    const handshake = await benchHandshake(host.port, HANDSHAKE_BUDGET_MS);
    return await withRoom(host, MEMBERS, progress, async (room) => {
      progress(`fixed rate ${FIXED_RATE}/s`);
      const [fixedRate, ...fixedRepeats] = await fixedSteps(room, progress);
      const search = room.broken
        ? null
        : await searchMaxRate(room, fixedRate, (s, what) => progress(`${what}: ${stepText(s)}`));
      return { handshake, fixedRate, fixedRepeats, search };
    });
  });
  let big: StepResult | null = null;
  let bigRepeats: StepResult[] = [];
  let bigError: string | undefined;
  let bigRecord: HostRecord | null = null;
  try {
    progress(`a fresh rt host for ${BIG_MEMBERS} members`);
    // 1,000/s over 100 members is 10/s each: rt's default --rate, so it is left at that.
    const run = await withHost(
      { maxMembers: BIG_MEMBERS + 1 },
      (host) =>
        withRoom(host, BIG_MEMBERS, progress, async (room) => {
          progress(`${BIG_MEMBERS} members, fixed rate ${FIXED_RATE}/s`);
          return await fixedSteps(room, progress);
        }),
    );
    [big, ...bigRepeats] = run.value;
    bigRecord = run.record;
  } catch (error) {
    bigError = error instanceof Error ? error.message : String(error);
    progress(`${BIG_MEMBERS} members: ${bigError}`);
  }
  return {
    ...main.value,
    big,
    bigRepeats,
    ...(bigError ? { bigError } : {}),
    hosts: { main: main.record, big: bigRecord },
  };
}

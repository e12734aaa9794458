/**
 * What the runner and its load processes (`load_worker.ts`) say to each other, one JSON object
 * a line on the load process's stdin and stdout, and the pure rules both sides share: which
 * member sends which message, and how a chat line is stamped.
 *
 * Member `i` of a room lives in load process `i mod P`. Message `seq` of a step is sent by
 * member `seq mod N` at `start + seq / rate` (the same schedule in every process), stamped with
 * the step, its number and that due time; every member receives it (its sender too, as an
 * echo), and the host's seat prints it.
 *
 * @module
 */
import type { HistogramJson } from "./stats.ts";

/** The word a load chat line starts with. */
export const TAG = "bench";

/** What the runner asks of a load process. */
export type WorkerCommand =
  /** Join these members (global index and name), `concurrency` at a time. */
  | { t: "join"; port: number; members: { index: number; name: string }[]; concurrency: number }
  | ({ t: "step" } & StepOrder)
  /** Stop sending the step now (another process found it late). */
  | { t: "stop"; step: number }
  /** Sending is over everywhere: wait for the deliveries of what each process sent. */
  | { t: "drain"; step: number; sentUpTo: number[] }
  /** Every member says goodbye; the process exits. */
  | { t: "close" };

/** One load step, as every load process runs it. */
export interface StepOrder {
  step: number;
  /** Messages/s offered, all members together. */
  rate: number;
  /** Members in the room (load members; the host's seat is not one). */
  members: number;
  /** This process's number and how many there are. */
  process: number;
  processes: number;
  /** When message 0 is due (`epochMs`). */
  start: number;
  warmupS: number;
  measureS: number;
  /** Report `late` as soon as the p99 limit is certainly missed. */
  stopWhenLate: boolean;
}

/** What a load process says. */
export type WorkerEvent =
  | { t: "ready" }
  /** Every member asked for joined: ms from connect to welcome of each; CPU share meanwhile. */
  | { t: "joined"; joinMs: number[]; cpuShare: number | null }
  /** The step cannot pass (or a member's session broke): the runner stops it everywhere. */
  | { t: "late"; step: number; why: string }
  /** Sending ended: this process sent every message it owns below `sentUpTo`. */
  | { t: "sent"; step: number; sentUpTo: number; cpuShare: number | null }
  | ({ t: "result" } & WorkerStepResult)
  | { t: "error"; message: string }
  | { t: "closed" };

/** What one load process measured of a step (its members' side). */
export interface WorkerStepResult {
  step: number;
  /** Messages its members sent; of those, in the measured window. */
  sent: number;
  measuredSent: number;
  /** Deliveries to its members (echoes included) of every message sent, still missing. */
  losses: number;
  duplicates: number;
  /** Deliveries to its members (echoes not included) received in the measured window. */
  windowDeliveries: number;
  /** The measured window as this process saw it (`epochMs`). */
  windowStart: number;
  windowEnd: number;
  /** From due time to arrival, of measured messages to members other than the sender. */
  latency: HistogramJson;
  /** Of those, later than the p99 limit. */
  late: number;
  /** From due time to the send, of its measured messages. */
  sendLag: HistogramJson;
  /** Its CPU share over the window (1 = one core). */
  cpuShare: number | null;
  /** Why a member's session ended, or null. */
  broken: string | null;
}

/** The member that sends message `seq` in a room of `members`. */
export function sender(seq: number, members: number): number {
  return seq % members;
}

/** The load process member `index` lives in. */
export function processOf(index: number, processes: number): number {
  return index % processes;
}

/** The chat line of message `seq` of `step`, due at `due` (`epochMs`), `chars` long. */
export function stampText(step: number, seq: number, due: number, chars: number): string {
  return `${TAG} ${step} ${seq} ${due.toFixed(3)} `.padEnd(chars, "x");
}

/** The step, number and due time of a load chat line (or of its start); null if not one. */
export function parseStamp(text: string): { step: number; seq: number; due: number } | null {
  const [tag, step, seq, due] = text.split(" ", 4);
  if (tag !== TAG || due === undefined) return null;
  const parsed = { step: Number(step), seq: Number(seq), due: Number(due) };
  return Number.isInteger(parsed.step) && Number.isInteger(parsed.seq) &&
      Number.isFinite(parsed.due)
    ? parsed
    : null;
}

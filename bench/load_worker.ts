/**
 * One load process of the chat benchmark: some of the room's members (joined as `member.ts`
 * joins, each reading everything the room says), driven by the runner over stdin and stdout
 * (`load_protocol.ts`). Several of them share the load so that no one process is the limit.
 *
 * Sending is open loop: message `seq` is due at `start + seq / rate` and stamped with that due
 * time, not with when the event loop got round to it, so a stalled sender cannot hide latency
 * (no coordinated omission). Times are `epochMs`, the same clock in every process.
 *
 * @module
 */
import type { MessageSigner } from "../lib/client/signing.ts";
import type { RemoteSession } from "../lib/client/mod.ts";
import {
  BACKLOG_LIMIT_MS,
  DRAIN_TIMEOUT_MS,
  HANDSHAKE_TIMEOUT_MS,
  P99_LIMIT_MS,
  TEXT_CHARS,
} from "./config.ts";
import { epochMs, ownCpuSeconds, sampleNow, shareBetween } from "./cpu.ts";
import { readLines } from "./lines.ts";
import {
  parseStamp,
  processOf,
  sender,
  stampText,
  type StepOrder,
  type WorkerCommand,
  type WorkerEvent,
} from "./load_protocol.ts";
import { joinRoom } from "./member.ts";
import { Histogram } from "./stats.ts";

/** How often a running step checks whether it is late already, in ms. */
const CHECK_MS = 100;
/** How long members wait for the host to hang up after their goodbye, in ms. */
const CLOSE_TIMEOUT_MS = 5_000;

interface Member {
  index: number;
  name: string;
  session: RemoteSession;
  signer: MessageSigner;
  loop: Promise<void>;
}

const encoder = new TextEncoder();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function emit(event: WorkerEvent): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));
}

const members: Member[] = [];
let broken: string | null = null;
let current: Step | null = null;

/** One step as this process runs it. */
class Step {
  readonly order: StepOrder;
  readonly total: number;
  readonly measuredFrom: number;
  /** Deliveries still expected to this process's members, of each message. */
  readonly remaining: Uint16Array;
  readonly latency = new Histogram();
  readonly sendLag = new Histogram();
  readonly windowStart: number;
  windowEnd = Infinity;
  sent = 0;
  measuredSent = 0;
  late = 0;
  duplicates = 0;
  windowDeliveries = 0;
  stopped = false;
  /** Every own message below this was sent. */
  next = 0;
  /** This process's CPU share over the window (1 = one core). */
  cpuShare: number | null = null;
  #oldest = 0;

  constructor(order: StepOrder) {
    this.order = order;
    this.measuredFrom = Math.round(order.rate * order.warmupS);
    this.total = this.measuredFrom + Math.round(order.rate * order.measureS);
    this.remaining = new Uint16Array(this.total).fill(members.length);
    this.windowStart = order.start + order.warmupS * 1000;
  }

  due(seq: number): number {
    return this.order.start + seq * 1000 / this.order.rate;
  }

  owner(seq: number): number {
    return processOf(sender(seq, this.order.members), this.order.processes);
  }

  /** A delivery to one of this process's members. */
  delivered(seq: number, due: number, echo: boolean, now: number): void {
    if (seq >= this.total) return;
    if (this.remaining[seq] === 0) {
      this.duplicates++;
      return;
    }
    this.remaining[seq]!--;
    if (echo) return;
    if (now >= this.windowStart && now < this.windowEnd) this.windowDeliveries++;
    if (seq < this.measuredFrom) return;
    const latency = now - due;
    this.latency.add(latency);
    if (latency > P99_LIMIT_MS) this.late++;
  }

  /** Why the step cannot pass already, or null. */
  check(now: number): string | null {
    while (this.#oldest < this.total && this.remaining[this.#oldest] === 0) this.#oldest++;
    if (this.#oldest < this.total && now - this.due(this.#oldest) > BACKLOG_LIMIT_MS) {
      return `a message waited over ${BACKLOG_LIMIT_MS} ms for delivery`;
    }
    if (!this.order.stopWhenLate) return null;
    const local = members.length;
    const others = local - local / this.order.members;
    const budget = 0.01 * (this.total - this.measuredFrom) * others;
    let overdue = 0;
    for (let i = this.#oldest; i < this.total && this.due(i) < now - P99_LIMIT_MS; i++) {
      if (i >= this.measuredFrom) overdue += this.remaining[i]!;
    }
    return this.late + overdue > budget ? "over 1 % of deliveries later than the p99 limit" : null;
  }

  /** Sends every own message at its due time until the end or a stop. */
  async send(): Promise<void> {
    const { order } = this;
    const byIndex = new Map(members.map((m) => [m.index, m]));
    let cpuStart = sampleNow(NaN);
    let nextCheck = 0;
    let told = false;
    while (this.next < this.total && !this.stopped) {
      const now = epochMs();
      if (Number.isNaN(cpuStart.seconds) && now >= this.windowStart) {
        cpuStart = sampleNow(ownCpuSeconds());
      }
      const due = Math.min(this.total, Math.floor((now - order.start) * order.rate / 1000) + 1);
      for (; this.next < due; this.next++) {
        const seq = this.next;
        if (this.owner(seq) !== order.process) continue;
        const member = byIndex.get(sender(seq, order.members))!;
        const dueAt = this.due(seq);
        if (seq >= this.measuredFrom) {
          this.sendLag.add(epochMs() - dueAt);
          this.measuredSent++;
        }
        try {
          member.session.send(member.signer.say(stampText(order.step, seq, dueAt, TEXT_CHARS)));
        } catch (error) {
          broken ??= `send: ${error instanceof Error ? error.message : String(error)}`;
        }
        this.sent++;
      }
      if (now >= nextCheck && !told) {
        nextCheck = now + CHECK_MS;
        const why = broken ?? this.check(now);
        if (why) {
          emit({ t: "late", step: order.step, why });
          told = true;
        }
      }
      await sleep(1);
    }
    this.windowEnd = epochMs();
    const cpuShare = shareBetween(cpuStart, sampleNow(ownCpuSeconds()));
    this.cpuShare = cpuShare;
    emit({ t: "sent", step: order.step, sentUpTo: this.next, cpuShare });
  }

  /** Waits for the deliveries of what was sent (`sentUpTo` of each process); reports. */
  async drain(sentUpTo: number[]): Promise<void> {
    const sentBy = (seq: number) => seq < (sentUpTo[this.owner(seq)] ?? 0);
    const missing = () => {
      let n = 0;
      for (let i = 0; i < this.total; i++) if (sentBy(i)) n += this.remaining[i]!;
      return n;
    };
    const end = epochMs() + DRAIN_TIMEOUT_MS;
    while (missing() > 0 && !broken && epochMs() < end) await sleep(10);
    current = null;
    emit({
      t: "result",
      step: this.order.step,
      sent: this.sent,
      measuredSent: this.measuredSent,
      losses: missing(),
      duplicates: this.duplicates,
      windowDeliveries: this.windowDeliveries,
      windowStart: this.windowStart,
      windowEnd: this.windowEnd,
      latency: this.latency.toJSON(),
      late: this.late,
      sendLag: this.sendLag.toJSON(),
      cpuShare: this.cpuShare,
      broken,
    });
  }
}

/** Reads everything the room says to `member`, counting the load's lines. */
async function receive(session: RemoteSession, name: string): Promise<void> {
  try {
    for (let m = await session.next(); m !== null; m = await session.next()) {
      if (m.t === "said") {
        const step = current;
        const stamp = step ? parseStamp(m.text) : null;
        if (step && stamp && stamp.step === step.order.step) {
          step.delivered(stamp.seq, stamp.due, m.from === name, epochMs());
        }
      } else if (m.t === "closed") break;
    }
    broken ??= `${name}: the host ended the session`;
  } catch (error) {
    broken ??= `${name}: ${error instanceof Error ? error.message : String(error)}`;
  }
}

async function join(command: Extract<WorkerCommand, { t: "join" }>): Promise<void> {
  const queue = [...command.members];
  const joinMs: number[] = [];
  const cpuStart = sampleNow(ownCpuSeconds());
  const worker = async () => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const joined = await joinRoom(command.port, next.name, HANDSHAKE_TIMEOUT_MS);
      joinMs.push(joined.totalMs);
      const loop = receive(joined.session, next.name);
      members.push({ ...next, session: joined.session, signer: joined.signer, loop });
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, command.concurrency) }, worker));
  emit({ t: "joined", joinMs, cpuShare: shareBetween(cpuStart, sampleNow(ownCpuSeconds())) });
}

/** Every member says goodbye (once, however often asked); then the process exits. */
async function close(): Promise<void> {
  closing ??= goodbyes();
  await closing;
  emit({ t: "closed" });
  Deno.exit(0);
}

let closing: Promise<void> | null = null;

/**
 * Every member says goodbye and reads on until the host hangs up (so no socket closes with
 * unread data), then closes. A `next()` must not be pending when `RemoteSession.close()` runs:
 * close reads the connection itself and the pending `next()` would never settle.
 */
async function goodbyes(): Promise<void> {
  for (const member of members) {
    try {
      member.session.send({ t: "bye" });
    } catch {
      // Already gone.
    }
  }
  let timer: ReturnType<typeof setTimeout> | undefined;
  await Promise.race([
    Promise.allSettled(members.map((m) => m.loop)),
    new Promise((resolve) => timer = setTimeout(resolve, CLOSE_TIMEOUT_MS)),
  ]);
  clearTimeout(timer);
  await Promise.allSettled(members.map((m) => m.session.close()));
}

async function handle(command: WorkerCommand): Promise<void> {
  switch (command.t) {
    case "join":
      return await join(command);
    case "step":
      current = new Step(command);
      return await current.send();
    case "stop":
      if (current?.order.step === command.step) current.stopped = true;
      return;
    case "drain":
      if (current?.order.step === command.step) await current.drain(command.sentUpTo);
      return;
    case "close":
      return await close();
  }
}

emit({ t: "ready" });
for await (const line of readLines(Deno.stdin.readable)) {
  handle(JSON.parse(line) as WorkerCommand).catch((error) => {
    emit({ t: "error", message: error instanceof Error ? error.message : String(error) });
  });
}
await close();

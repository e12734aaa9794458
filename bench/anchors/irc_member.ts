/**
 * One load process of the IRC anchor: `count` IRC clients (members `first` … `first+count-1` of
 * `members`) on one ngIRCd, run by `ngircd.ts` with the plan as JSON in its only argument.
 *
 * 1. Each client registers (NICK/USER), joins #bench and waits for the end of NAMES; then the
 *    process prints `{"t":"joined"}`.
 * 2. It reads `start EPOCH_MS` on stdin. Message g (0 ≤ g < rate × (warm-up + measured s)) is due
 *    at start + g / rate and sent by member g mod members, so the room's messages are evenly
 *    spaced. Each is `PRIVMSG #bench :g DUE xxx…` (`textChars` characters after the colon),
 *    stamped with its due time, not its send time: a late sender shows as latency.
 * 3. Every client records each message it gets from the others (IRC does not echo to the
 *    sender): latency from the due time for messages due in the measured window, deliveries
 *    arriving in the window, duplicates. Times are `performance.timeOrigin + performance.now()`,
 *    the same clock in every process of the machine.
 * 4. When every client has all it expects (or after the drain time) it prints
 *    `{"t":"done", …}` with its counts, histograms and own CPU share over the window, sends QUIT
 *    and exits.
 *
 * @module
 */
import { ownCpuSeconds } from "../cpu.ts";
import { Histogram, type HistogramJson } from "../stats.ts";
import { epochMs, sleep } from "./process.ts";

/** What `ngircd.ts` asks of one load process. */
export interface MemberPlan {
  port: number;
  first: number;
  count: number;
  members: number;
  /** Messages/s, all members together. */
  rate: number;
  warmupS: number;
  seconds: number;
  textChars: number;
  /** How long to wait for the last deliveries after sending ends, in ms. */
  drainMs: number;
}

/** What one load process reports when done. */
export interface MemberReport {
  /** Messages sent by this process's clients, and of those the measured ones. */
  sent: number;
  measuredSent: number;
  /** Deliveries its clients expected (every message of the others) and received. */
  expected: number;
  received: number;
  duplicates: number;
  /** Deliveries that arrived during the measured window. */
  windowDeliveries: number;
  /** ms from due time to arrival, of messages due in the measured window. */
  latency: HistogramJson;
  /** ms from due time to the write, of its measured messages. */
  sendLag: HistogramJson;
  /** This process's CPU share over the window (1 = one core). */
  cpuShare: number | null;
  /** Why a client's connection failed, or null. */
  broken: string | null;
}

/** A line this process prints. */
export type MemberEvent =
  | { t: "joined" }
  | ({ t: "done" } & MemberReport)
  | { t: "error"; message: string };

const CHANNEL = "#bench";
const PRIVMSG = ` PRIVMSG ${CHANNEL} :`;
const QUIT_WAIT_MS = 2_000;
const encoder = new TextEncoder();

function emit(event: MemberEvent): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));
}

const plan = JSON.parse(Deno.args[0]!) as MemberPlan;
const total = Math.round(plan.rate * (plan.warmupS + plan.seconds));
const measuredFrom = Math.round(plan.rate * plan.warmupS);
let start = Infinity;
let windowStart = Infinity;
let windowEnd = Infinity;
const latency = new Histogram();
const sendLag = new Histogram();
let received = 0;
let duplicates = 0;
let windowDeliveries = 0;
let broken: string | null = null;
function fail(error: unknown): void {
  broken ??= error instanceof Error ? error.message : String(error);
}

/** One IRC client. */
class Client {
  readonly index: number;
  readonly nick: string;
  readonly seen = new Uint8Array(total);
  /** Deliveries expected: every message but its own. */
  readonly expected: number;
  received = 0;
  readonly joined: Promise<void>;
  readonly reading: Promise<void>;
  readonly #conn: Deno.TcpConn;
  readonly #writer: WritableStreamDefaultWriter<Uint8Array>;
  #join!: { resolve: () => void; reject: (error: Error) => void };
  #quitting = false;

  constructor(index: number, conn: Deno.TcpConn) {
    this.index = index;
    this.nick = `b${index}`;
    const own = index < total ? Math.floor((total - 1 - index) / plan.members) + 1 : 0;
    this.expected = total - own;
    this.#conn = conn;
    this.#writer = conn.writable.getWriter();
    this.joined = new Promise((resolve, reject) => this.#join = { resolve, reject });
    this.reading = this.#read().catch(fail);
    this.send(`NICK ${this.nick}`);
    this.send(`USER ${this.nick} 0 * :rt bench`);
  }

  send(line: string): void {
    this.#writer.write(encoder.encode(line + "\r\n")).catch(fail);
  }

  async #read(): Promise<void> {
    const buffer = new Uint8Array(64 * 1024);
    const decoder = new TextDecoder();
    let rest = "";
    try {
      for (let n = await this.#conn.read(buffer); n !== null; n = await this.#conn.read(buffer)) {
        const lines = (rest + decoder.decode(buffer.subarray(0, n), { stream: true })).split(
          "\r\n",
        );
        rest = lines.pop()!;
        for (const line of lines) this.#line(line);
      }
    } finally {
      const closed = new Error(`${this.nick}: the server closed the connection`);
      this.#join.reject(closed);
      if (!this.#quitting) fail(closed);
    }
  }

  #line(line: string): void {
    const at = line.indexOf(PRIVMSG);
    if (at >= 0) return this.#delivered(line.slice(at + PRIVMSG.length));
    if (line.startsWith("PING ")) return this.send(`PONG ${line.slice(5)}`);
    const [, code] = line.split(" ", 2);
    if (code === "001") this.send(`JOIN ${CHANNEL}`);
    else if (code === "366") this.#join.resolve();
    else if (line.startsWith("ERROR") || /^[45]\d\d$/.test(code ?? "")) {
      this.#join.reject(new Error(`${this.nick}: ${line}`));
    }
  }

  #delivered(text: string): void {
    const now = epochMs();
    const [gText, dueText] = text.split(" ", 2);
    const g = Number(gText);
    if (!(g >= 0 && g < total)) return;
    if (this.seen[g] === 1) {
      duplicates++;
      return;
    }
    this.seen[g] = 1;
    this.received++;
    received++;
    if (now >= windowStart && now < windowEnd) windowDeliveries++;
    if (g >= measuredFrom) latency.add(now - Number(dueText));
  }

  async quit(): Promise<void> {
    this.#quitting = true;
    this.send("QUIT :bench done");
    await Promise.race([this.reading, sleep(QUIT_WAIT_MS)]);
    try {
      this.#conn.close();
    } catch {
      // Closed by the server already.
    }
  }
}

async function readStart(): Promise<number> {
  const decoder = new TextDecoder();
  let text = "";
  for await (const chunk of Deno.stdin.readable) {
    text += decoder.decode(chunk, { stream: true });
    const match = /^start (\d+(\.\d+)?)\n/.exec(text);
    if (match) return Number(match[1]);
  }
  throw new Error("stdin closed before start");
}

/** Sends every message of this process's clients at its due time; counts them. */
async function sendAll(clients: Client[]): Promise<{ sent: number; measuredSent: number }> {
  const next = clients.map((c) => c.index);
  let sent = 0;
  let measuredSent = 0;
  while (next.some((g) => g < total)) {
    const due = Math.min(total, Math.floor((epochMs() - start) * plan.rate / 1000) + 1);
    clients.forEach((client, i) => {
      for (; next[i]! < due; next[i]! += plan.members) {
        const g = next[i]!;
        const dueAt = start + g * 1000 / plan.rate;
        if (g >= measuredFrom) {
          sendLag.add(epochMs() - dueAt);
          measuredSent++;
        }
        client.send(
          `PRIVMSG ${CHANNEL} :` + `${g} ${dueAt.toFixed(3)} `.padEnd(plan.textChars, "x"),
        );
        sent++;
      }
    });
    await sleep(1);
  }
  return { sent, measuredSent };
}

try {
  const clients: Client[] = [];
  for (let i = plan.first; i < plan.first + plan.count; i++) {
    const conn = await Deno.connect({ hostname: "127.0.0.1", port: plan.port });
    conn.setNoDelay(true); // As rt's members do: no Nagle delay on this side.
    const client = new Client(i, conn);
    clients.push(client);
    await client.joined;
  }
  emit({ t: "joined" });
  start = await readStart();
  windowStart = start + plan.warmupS * 1000;
  windowEnd = windowStart + plan.seconds * 1000;
  let cpuStart = { seconds: NaN, at: NaN };
  let cpuEnd = { seconds: NaN, at: NaN };
  const sample = () => ({ seconds: ownCpuSeconds(), at: epochMs() });
  setTimeout(() => cpuStart = sample(), windowStart - epochMs());
  const windowDone = sleep(windowEnd - epochMs()).then(() => cpuEnd = sample());
  const { sent, measuredSent } = await sendAll(clients);
  await windowDone;
  const drainEnd = epochMs() + plan.drainMs;
  while (clients.some((c) => c.received < c.expected) && epochMs() < drainEnd) await sleep(10);
  const share = (cpuEnd.seconds - cpuStart.seconds) / ((cpuEnd.at - cpuStart.at) / 1000);
  emit({
    t: "done",
    sent,
    measuredSent,
    expected: clients.reduce((n, c) => n + c.expected, 0),
    received,
    duplicates,
    windowDeliveries,
    latency: latency.toJSON(),
    sendLag: sendLag.toJSON(),
    cpuShare: Number.isFinite(share) ? share : null,
    broken,
  });
  await Promise.all(clients.map((c) => c.quit()));
} catch (error) {
  emit({ t: "error", message: error instanceof Error ? error.message : String(error) });
}
Deno.exit(0);

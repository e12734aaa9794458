/**
 * `deno task bench`: rt beside the tools people use instead, in one run on this machine.
 *
 * 1. Chat (`chat.ts`): the real rt host process (`main.ts --json`, its own seat verifying and
 *    printing every line), members in several load processes: joins timed, a room of 50 at
 *    1,000 messages/s, the highest sustained rate, a room of 100 at 1,000/s.
 * 2. The same rooms on ngIRCd (`anchor_runs.ts`).
 * 3. 1,000 idle members on one rt host: its memory (`idle.ts`).
 * 4. File transfers with rt beside raw TCP (`transfer.ts`), then scp and socat with the same
 *    file size.
 *
 * Prints the report to stdout and writes the same figures as JSON to
 * `bench/results/<date>.json`. Progress goes to stderr.
 *
 * @module
 */
import { benchFileAnchors, benchIrc, measured } from "./anchor_runs.ts";
import { benchChat } from "./chat.ts";
import {
  BIG_MEMBERS,
  COMPARE_STEPS,
  FIXED_MEASURE_S,
  FIXED_RATE,
  HOSTNAME,
  IDLE_JOIN_CONCURRENCY,
  IDLE_MEMBERS,
  IDLE_SETTLE_MS,
  LOAD_PROCESSES,
  MEMBERS,
  P99_LIMIT_MS,
  ROOM_WARMUP_RATE,
  ROOM_WARMUP_S,
  SATURATED_SHARE,
  SEARCH_TRIES,
  TEXT_CHARS,
  TRANSFER_BYTES,
} from "./config.ts";
import { benchIdle } from "./idle.ts";
import { describeMachine } from "./machine.ts";
import { type BenchReport, formatReport, settingsText } from "./report.ts";
import { sideBySide, stepsOf } from "./side_by_side.ts";
import { benchTransfers } from "./transfer.ts";

/**
 * The whole suite is killed after this long, whatever happens. It takes about 6 min on a
 * 2-core machine: 2 min of rt's chat, 1 min of ngIRCd, 30 s of idle members, 1.5 min of rt's
 * file transfers beside raw TCP and 1.5 min of scp and socat.
 */
const WATCHDOG_MS = 12 * 60_000;

const progress = (text: string) =>
  console.error(`[${(performance.now() / 1000).toFixed(0)} s] ${text}`);
/** A host's flags beside rt's defaults, or "rt's defaults". */
const hostFlags = (settings: string[] | undefined) =>
  settings?.length ? settingsText(settings) : "rt's defaults";
const message = (error: unknown) => error instanceof Error ? error.message : String(error);

const watchdog = setTimeout(() => {
  console.error(`The benchmark took over ${WATCHDOG_MS / 60_000} min; giving up.`);
  Deno.exit(2);
}, WATCHDOG_MS);

const started = performance.now();
const date = new Date().toISOString();
const machine = describeMachine();
const errors: Record<string, string> = {};
const part = async <T>(name: string, run: () => Promise<T>): Promise<T | null> => {
  try {
    return await run();
  } catch (error) {
    errors[name] = message(error);
    progress(`${name} failed: ${errors[name]}`);
    return null;
  }
};

const chat = await part("chat", () => benchChat(progress));
const irc = await part("ngIRCd", () => benchIrc(progress));
progress(`${IDLE_MEMBERS} idle members`);
const idle = await part("idle", () => benchIdle(progress));
progress("file transfers");
const transfers = await part("transfers", () => benchTransfers(progress));
const fileAnchors = await part("file anchors", () => benchFileAnchors(progress));

const report: BenchReport = {
  date,
  machine,
  setup: {
    address: HOSTNAME,
    members: MEMBERS,
    bigMembers: BIG_MEMBERS,
    loadProcesses: LOAD_PROCESSES,
    saturatedShare: SATURATED_SHARE,
    textChars: TEXT_CHARS,
    p99LimitMs: P99_LIMIT_MS,
    warmupRate: ROOM_WARMUP_RATE,
    warmupS: ROOM_WARMUP_S,
    searchTries: SEARCH_TRIES,
    rtHost: `the real rt host (main.ts --json, the flags rt runs with), its seat verifying and ` +
      `printing every line, on ${HOSTNAME} with --no-upnp --no-announce --no-reverse-dns; ` +
      `other flags beside each figure`,
  },
  chat,
  ...(errors.chat ? { chatError: errors.chat } : {}),
  irc,
  idle,
  ...(errors.idle ? { idleError: errors.idle } : {}),
  transfers,
  ...(errors.transfers ? { transferError: errors.transfers } : {}),
  fileAnchors,
  sideBySide: sideBySide({
    rtFixed: stepsOf(chat?.fixedRate, chat?.fixedRepeats),
    rtBig: stepsOf(chat?.big, chat?.bigRepeats),
    ircFixed: stepsOf(irc?.fixed, irc?.fixedRepeats).map(measured),
    ircBig: stepsOf(irc?.big, irc?.bigRepeats).map(measured),
    rtTransferMbPerS: transfers?.hostToJoiner.mbPerS.median ?? null,
    rtRelayedMbPerS: transfers?.joinerToJoiner.mbPerS.median ?? null,
    scpAes: measured(fileAnchors?.scpAes),
    scpChacha: measured(fileAnchors?.scpChacha),
    socat: measured(fileAnchors?.socat),
    idle: idle
      ? { members: idle.members, hostRssMB: idle.hostRssMB, joinP99Ms: idle.join.p99 }
      : null,
    join: chat?.handshake.total ?? null,
    conditions: {
      hostCpuPerDelivery: `${MEMBERS} members × ${FIXED_RATE} messages/s, CPU time of the host ` +
        `process over the measured window ÷ deliveries to the other members in it, the median ` +
        `of the steps that count (${COMPARE_STEPS} of ${FIXED_MEASURE_S} s run for each tool); ` +
        `rt with ` +
        `${hostFlags(chat?.hosts.main.settings)}, its seat verifying and printing every line`,
      p99: `${BIG_MEMBERS} members × ${FIXED_RATE} messages/s, due time to arrival, the median ` +
        `of the p99s of the steps that count; rt with ` +
        `${hostFlags(chat?.hosts.big?.settings)} (the host's seat is a member)`,
      transfer: `${TRANSFER_BYTES / 2 ** 20} MiB of random data, median of the runs; rt from ` +
        `/send to the file saved (hashing included), scp and socat from start to exit`,
      idleMembers:
        `${IDLE_MEMBERS} members joined (${
          IDLE_JOIN_CONCURRENCY * LOAD_PROCESSES
        } at a time, each join timed while the others arrive) and left idle; host RSS from ` +
        `/proc ${IDLE_SETTLE_MS / 1000} s after the last; rt with ${hostFlags(idle?.settings)} ` +
        "(the host's seat is a member)",
      join: "one member after the other into an otherwise empty room (the host's seat), " +
        "on the host of the room of 50, before its load",
    },
  }),
  elapsedS: (performance.now() - started) / 1000,
};

const dir = new URL("./results/", import.meta.url);
const file = new URL(`${date.replaceAll(":", "-").replace(/\..*$/, "")}.json`, dir);
console.log(formatReport(report));
Deno.mkdirSync(dir, { recursive: true });
Deno.writeTextFileSync(file, JSON.stringify(report, null, 2) + "\n");
console.log(`\nJSON: ${file.pathname}`);
clearTimeout(watchdog);

/**
 * Many idle members on one rt host: `IDLE_MEMBERS` join from the load processes, a few at a
 * time each (within rt's default limits on connections still in their handshake), each join
 * timed from connect to welcome while the others arrive; then, after the host has been left
 * alone a moment, its memory is read from /proc.
 *
 * @module
 */
import { IDLE_JOIN_CONCURRENCY, IDLE_MEMBERS, IDLE_SETTLE_MS, LOAD_PROCESSES } from "./config.ts";
import { epochMs } from "./cpu.ts";
import { LoadRoom } from "./load.ts";
import { cpuShare } from "./proc.ts";
import { RtHost } from "./rt_host.ts";
import { summarize, type Summary } from "./stats.ts";

const MB = 1e6;

/** What the idle room measured. */
export interface IdleResult {
  members: number;
  /** The flags that differ from rt's defaults, as typed. */
  settings: string[];
  /** Joins in flight at once, all load processes together. */
  concurrentJoins: number;
  /** ms from connect to welcome of each member, while the others arrived. */
  join: Summary;
  /** Seconds until every member had joined. */
  joinSeconds: number;
  /** CPU share while they arrived (1 = one core): the host, each load process. */
  hostCpuWhileJoining: number | null;
  loadCpuWhileJoining: (number | null)[];
  /** Host resident memory in MB (10^6 bytes): alone with its seat, with every member, peak. */
  hostRssAloneMB: number;
  hostRssMB: number;
  hostPeakRssMB: number;
  /** Members who left other than by saying goodbye, and host notices (e.g. refusals). */
  dropped: number;
  incidents: number;
}

/** Joins the idle members to a fresh host and reads its memory. */
export async function benchIdle(progress: (text: string) => void): Promise<IdleResult> {
  const host = await RtHost.start({ maxMembers: IDLE_MEMBERS + 1 });
  try {
    await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
    const alone = await host.sample();
    progress(`joining ${IDLE_MEMBERS} idle members (${host.settings.join(" ")})`);
    const started = epochMs();
    const room = await LoadRoom.open(host, IDLE_MEMBERS, { concurrency: IDLE_JOIN_CONCURRENCY });
    try {
      const joined = await host.sample();
      const joinSeconds = (epochMs() - started) / 1000;
      await new Promise((resolve) => setTimeout(resolve, IDLE_SETTLE_MS));
      const settled = await host.sample();
      return {
        members: IDLE_MEMBERS,
        settings: host.settings,
        concurrentJoins: IDLE_JOIN_CONCURRENCY * LOAD_PROCESSES,
        join: summarize(room.joinMs),
        joinSeconds,
        hostCpuWhileJoining: cpuShare(alone, joined),
        loadCpuWhileJoining: room.joinCpu,
        hostRssAloneMB: alone.rssBytes / MB,
        hostRssMB: settled.rssBytes / MB,
        hostPeakRssMB: settled.peakRssBytes / MB,
        dropped: host.dropped,
        incidents: host.incidentCount,
      };
    } finally {
      await room.close();
    }
  } finally {
    await host.stop();
  }
}

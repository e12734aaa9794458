/**
 * The anchors (`anchors/mod.ts`: the tools people use instead of rt) run with the same load as
 * rt in the same run: ngIRCd with the same rooms at the same rate, `scp` (AES-GCM and
 * ChaCha20-Poly1305) and `socat` with a file of the same size. A tool that is not installed
 * is reported as missing; one that fails, with its error.
 *
 * @module
 */
import {
  type AnchorChatResult,
  type FileCopyResult,
  ngircdLoad,
  scpCopy,
  socatCopy,
} from "./anchors/mod.ts";
import {
  BIG_MEMBERS,
  COMPARE_STEPS,
  FIXED_MEASURE_S,
  FIXED_RATE,
  FIXED_WARMUP_S,
  LOAD_PROCESSES,
  MEMBERS,
  ROOM_WARMUP_S,
  TEXT_CHARS,
  TRANSFER_BYTES,
  TRANSFER_REPEATS,
} from "./config.ts";

/** An anchor's result, or why there is none. */
export type AnchorRun<T> = T | { missing: string } | { error: string };

/** ngIRCd with the rooms rt had. */
export interface IrcResults {
  /** `MEMBERS` × `FIXED_RATE`. */
  fixed: AnchorRun<AnchorChatResult>;
  /** The same again (`COMPARE_STEPS` in all, as rt's). */
  fixedRepeats: AnchorRun<AnchorChatResult>[];
  /** `BIG_MEMBERS` × `FIXED_RATE`. */
  big: AnchorRun<AnchorChatResult>;
  bigRepeats: AnchorRun<AnchorChatResult>[];
}

/** The file anchors, with rt's file size. */
export interface FileAnchorResults {
  scpAes: AnchorRun<FileCopyResult>;
  scpChacha: AnchorRun<FileCopyResult>;
  socat: AnchorRun<FileCopyResult>;
}

type Progress = (text: string) => void;

/** The result when there is one. */
export function measured<T extends object>(run: AnchorRun<T> | null | undefined): T | null {
  return run && !("missing" in run) && !("error" in run) ? run : null;
}

/** "missing: …" or "failed: …" for a run without a result, else null. */
export function absence<T extends object>(run: AnchorRun<T>): string | null {
  if ("missing" in run) return `missing (${run.missing})`;
  if ("error" in run) return `failed: ${run.error}`;
  return null;
}

async function attempt<T extends object>(run: () => Promise<AnchorRun<T>>): Promise<AnchorRun<T>> {
  try {
    return await run();
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

const ircText = (r: AnchorRun<AnchorChatResult>) => {
  const m = measured(r);
  return m
    ? `p99 ${m.latency.p99.toFixed(1)} ms, ${
      Math.round(m.deliveredPerS)
    } deliveries/s, ${m.losses} lost, ` +
      `ngircd ${m.cpuPercent.toFixed(0)}% (${m.cpuPerDeliveryUs.toFixed(1)} µs a delivery)${
        m.valid ? "" : `, invalid: ${m.invalid}`
      }`
    : absence(r);
};

/** ngIRCd with `MEMBERS` and `BIG_MEMBERS` members at `FIXED_RATE`, as rt's fixed steps. */
export async function benchIrc(progress: Progress): Promise<IrcResults> {
  const load = (members: number) =>
    attempt(() =>
      ngircdLoad({
        members,
        rate: FIXED_RATE,
        seconds: FIXED_MEASURE_S,
        // rt's rooms are warmed up before their fixed step: as long here, at the full rate.
        warmupSeconds: ROOM_WARMUP_S + FIXED_WARMUP_S,
        processes: LOAD_PROCESSES,
        textChars: TEXT_CHARS,
      })
    );
  const steps = async (members: number) => {
    const runs: AnchorRun<AnchorChatResult>[] = [];
    for (let i = 0; i < COMPARE_STEPS; i++) {
      progress(`ngIRCd: ${members} members × ${FIXED_RATE}/s, step ${i + 1}/${COMPARE_STEPS}`);
      const run = await load(members);
      progress(`ngIRCd ${members}: ${ircText(run)}`);
      runs.push(run);
      // A tool that is missing or fails is not tried again.
      if (!measured(run)) break;
    }
    return runs;
  };
  const [fixed, ...fixedRepeats] = await steps(MEMBERS);
  const [big, ...bigRepeats] = await steps(BIG_MEMBERS);
  return { fixed: fixed!, fixedRepeats, big: big!, bigRepeats };
}

/** scp with each cipher and socat, each with a file of `bytes`, `repeats` copies. */
export async function benchFileAnchors(
  progress: Progress,
  { bytes = TRANSFER_BYTES, repeats = TRANSFER_REPEATS } = {},
): Promise<FileAnchorResults> {
  const copyText = (r: AnchorRun<FileCopyResult>) => {
    const m = measured(r);
    return m ? `${m.mbPerS.toFixed(0)} MB/s` : absence(r);
  };
  progress("scp aes128-gcm");
  const scpAes = await attempt(() => scpCopy(bytes, "aes128-gcm@openssh.com", repeats));
  progress(`scp aes128-gcm: ${copyText(scpAes)}; scp chacha20-poly1305`);
  const scpChacha = await attempt(() => scpCopy(bytes, "chacha20-poly1305@openssh.com", repeats));
  progress(`scp chacha20-poly1305: ${copyText(scpChacha)}; socat`);
  const socat = await attempt(() => socatCopy(bytes, repeats));
  progress(`socat: ${copyText(socat)}`);
  return { scpAes, scpChacha, socat };
}

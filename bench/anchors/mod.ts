/**
 * Anchors: the tools people use instead of rt, measured by the benchmark in the same run and
 * with the same load, each started by the benchmark on 127.0.0.1 only (its own config in a
 * temp folder, a free port) and stopped at the end, whatever happens (also on `Deno.exit`).
 * A tool that is not installed gives `{ missing }`, never a stand-in.
 *
 * - {@link ngircdLoad}: Debian's ngIRCd with a busy room — N IRC clients spread over several
 *   Deno processes, R messages/s in total, latency from each message's due time, losses, and
 *   ngircd's CPU per delivery (from /proc). The config's settings that differ from ngIRCd's
 *   defaults are listed in the result, with why.
 * - {@link scpCopy}: OpenSSH's `scp` with a chosen cipher to a private `sshd`, file to file.
 * - {@link socatCopy}: `socat` over plain TCP, file to file.
 * - {@link findTools}: which tools are installed.
 *
 * Permissions (or -A): --allow-run for `deno`, `getconf` and the tools by absolute path
 * (ngircd and sshd are in /usr/sbin; `cat` too without -A, to read /proc/PID/stat),
 * --allow-read, --allow-write=/tmp (and /run/sshd as root, if it is missing),
 * --allow-net=127.0.0.1, --allow-env=PATH, --allow-sys=cpus,userInfo.
 *
 * Try each alone with `deno run -A bench/anchors/try.ts` (see `try.ts`).
 *
 * @module
 */
export {
  type AnchorChatResult,
  type ChangedSetting,
  type ChatLoadOptions,
  ngircdLoad,
  ngircdSettings,
} from "./ngircd.ts";
export {
  type CopyTry,
  type FileCopyResult,
  type ScpCipher,
  scpCopy,
  socatCopy,
} from "./file_copy.ts";
export { findTool, findTools, type Tools } from "./tools.ts";
export type { Summary } from "../stats.ts";

/**
 * The file anchors: the same kind of file copied on loopback by OpenSSH's `scp` (to a private
 * `sshd`) and by `socat` (plain TCP), file to file, timed from starting the copy until the
 * destination is complete, each copy checked by SHA-256. MB = 10^6 bytes. The test file is
 * random data in a temp folder under /tmp, removed at the end with every process started.
 *
 * @module
 */
import { createHash } from "node:crypto";
import { userInfo } from "node:os";
import { readLines } from "../lines.ts";
import { freePort, spawn, stop, waitForPort } from "./process.ts";
import { findTool, findTools, missingTools, toolVersion } from "./tools.ts";

/** The two ciphers measured: AES-GCM (AES instructions) and ChaCha20-Poly1305 (without). */
export type ScpCipher = "aes128-gcm@openssh.com" | "chacha20-poly1305@openssh.com";

/** One timed copy. */
export interface CopyTry {
  seconds: number;
  mbPerS: number;
}

/** A tool's copies of one file. */
export interface FileCopyResult {
  tool: "scp" | "socat";
  /** First line of `ssh -V` or `socat -V`. */
  version: string;
  /** scp's cipher, null for socat. */
  cipher: ScpCipher | null;
  /** How the copy was made, in a few words. */
  how: string;
  bytes: number;
  /** Median of the tries, MB/s (10^6 bytes). */
  mbPerS: number;
  tries: CopyTry[];
  /** scp only: seconds to copy an empty file (connect, key exchange, login), once. */
  setupSeconds?: number;
}

const START_TIMEOUT_MS = 10_000;
const BLOCK = 1024 * 1024;

/** Writes `bytes` of random data to `path`. */
async function writeRandomFile(path: string, bytes: number): Promise<void> {
  using file = await Deno.open(path, { write: true, create: true, truncate: true });
  const block = new Uint8Array(BLOCK);
  for (let left = bytes; left > 0; left -= BLOCK) {
    // getRandomValues fills at most 64 KiB a call.
    for (let i = 0; i < BLOCK; i += 65536) crypto.getRandomValues(block.subarray(i, i + 65536));
    const piece = block.subarray(0, Math.min(BLOCK, left));
    for (let offset = 0; offset < piece.length;) offset += await file.write(piece.subarray(offset));
  }
}

/** SHA-256 of a file, hex. */
async function sha256File(path: string): Promise<string> {
  using file = await Deno.open(path);
  const hash = createHash("sha256");
  const buffer = new Uint8Array(BLOCK);
  for (let n = await file.read(buffer); n !== null; n = await file.read(buffer)) {
    hash.update(buffer.subarray(0, n));
  }
  return hash.digest("hex");
}

/**
 * Makes a temp folder with a random `src` file of `bytes`, runs `copy(dest)` `tries` times
 * (each checked by hash, the copy deleted after), and removes the folder.
 */
async function timeCopies(
  prefix: string,
  bytes: number,
  tries: number,
  copy: (dir: string, source: string, dest: string) => Promise<number>,
  setup: (dir: string) => Promise<() => Promise<void>> = () => Promise.resolve(async () => {}),
): Promise<{ tries: CopyTry[]; mbPerS: number }> {
  const dir = await Deno.makeTempDir({ dir: "/tmp", prefix });
  let teardown = async () => {};
  try {
    teardown = await setup(dir);
    const source = `${dir}/src.bin`;
    await writeRandomFile(source, bytes);
    const expected = await sha256File(source);
    const done: CopyTry[] = [];
    for (let i = 0; i < tries; i++) {
      const dest = `${dir}/dest-${i}.bin`;
      const seconds = await copy(dir, source, dest);
      if ((await Deno.stat(dest)).size !== bytes || await sha256File(dest) !== expected) {
        throw new Error(`${prefix}: the copy differs from the source`);
      }
      await Deno.remove(dest);
      done.push({ seconds, mbPerS: bytes / 1e6 / seconds });
    }
    const sorted = done.map((t) => t.mbPerS).sort((a, b) => a - b);
    return { tries: done, mbPerS: sorted[Math.floor((sorted.length - 1) / 2)] ?? NaN };
  } finally {
    await teardown();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

/** Runs a command to completion; throws with its stderr if it fails. */
async function run(path: string, args: string[]): Promise<void> {
  const { success, stderr } = await new Deno.Command(path, { args, stdin: "null" }).output();
  if (!success) throw new Error(`${path} failed: ${new TextDecoder().decode(stderr).trim()}`);
}

/**
 * Copies a random file of `bytes` with `scp -c CIPHER` to a private sshd on 127.0.0.1,
 * `tries` times, each timed from starting scp until it exits. scp speaks SFTP (its default
 * since OpenSSH 9.0). Needs --allow-run (sshd, ssh-keygen, scp by absolute path),
 * --allow-read, --allow-write=/tmp (and /run/sshd when root and it is missing),
 * --allow-net=127.0.0.1, --allow-sys=userInfo.
 */
export async function scpCopy(
  bytes: number,
  cipher: ScpCipher,
  tries: number,
): Promise<FileCopyResult | { missing: string }> {
  const tools = findTools();
  const missing = missingTools(tools, ["sshd", "ssh", "scp", "sshKeygen"]);
  if (missing) return { missing };
  const user = userInfo();
  const port = freePort();
  let setupSeconds = NaN;
  const setup = async (dir: string) => {
    for (const key of ["host_key", "client_key"]) {
      await run(tools.sshKeygen!, ["-q", "-t", "ed25519", "-N", "", "-f", `${dir}/${key}`]);
    }
    await Deno.copyFile(`${dir}/client_key.pub`, `${dir}/authorized_keys`);
    const config = [
      "ListenAddress 127.0.0.1",
      `HostKey ${dir}/host_key`,
      `AuthorizedKeysFile ${dir}/authorized_keys`,
      "PidFile none",
      "PubkeyAuthentication yes",
      "PasswordAuthentication no",
      "KbdInteractiveAuthentication no",
      "UsePAM no",
      "StrictModes no",
      `PermitRootLogin ${user.uid === 0 ? "prohibit-password" : "no"}`,
      // sshd's own SFTP server: Debian's default runs /usr/lib/openssh/sftp-server through the
      // user's login shell, whose rc files would be timed too (about 1 s for root here).
      "Subsystem sftp internal-sftp",
      "LogLevel ERROR",
    ];
    await Deno.writeTextFile(`${dir}/sshd_config`, config.join("\n") + "\n");
    // sshd started by root wants its privilege separation folder (made by the ssh service).
    if (user.uid === 0) await Deno.mkdir("/run/sshd", { recursive: true, mode: 0o755 });
    const sshd = spawn(tools.sshd!, {
      args: ["-D", "-e", "-f", `${dir}/sshd_config`, "-p", String(port)],
      stdin: "null",
      stdout: "null",
      stderr: "inherit",
    });
    // An SSH banner, so that sshd does not log the probe as an error.
    const hello = "SSH-2.0-rt_bench_probe\r\n";
    await waitForPort(port, START_TIMEOUT_MS, sshd.status, hello).catch((error) => {
      throw new Error(`sshd ${error.message}`);
    });
    await Deno.writeFile(`${dir}/empty`, new Uint8Array());
    setupSeconds = await copy(dir, `${dir}/empty`, `${dir}/empty-copy`);
    return () => stop(sshd);
  };
  async function copy(dir: string, source: string, dest: string): Promise<number> {
    const started = performance.now();
    await run(tools.scp!, [
      "-q",
      "-F",
      "/dev/null",
      "-c",
      cipher,
      "-o",
      "StrictHostKeyChecking=no",
      "-o",
      "UserKnownHostsFile=/dev/null",
      "-o",
      "BatchMode=yes",
      "-o",
      "IdentitiesOnly=yes",
      "-i",
      `${dir}/client_key`,
      "-P",
      String(port),
      source,
      `${user.username}@127.0.0.1:${dest}`,
    ]);
    return (performance.now() - started) / 1000;
  }
  const timed = await timeCopies("rt-bench-scp-", bytes, tries, copy, setup);
  return {
    tool: "scp",
    version: await toolVersion(tools.ssh!, ["-V"]),
    cipher,
    how: `scp -c ${cipher} (SFTP, internal-sftp) to a private sshd on 127.0.0.1`,
    bytes,
    ...timed,
    setupSeconds,
  };
}

/**
 * Copies a random file of `bytes` with `socat -u` over plain TCP on 127.0.0.1, `tries` times,
 * each timed from starting the sender until the receiving socat (which writes the file) exits.
 * Needs --allow-run (socat by absolute path), --allow-read, --allow-write=/tmp.
 */
export async function socatCopy(
  bytes: number,
  tries: number,
): Promise<FileCopyResult | { missing: string }> {
  const socat = findTool("socat");
  if (socat === null) return { missing: "not installed: socat" };
  const copy = async (_dir: string, source: string, dest: string) => {
    const port = freePort();
    const receiver = spawn(socat, {
      args: ["-d", "-d", "-u", `TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr`, `CREATE:${dest}`],
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    });
    try {
      // socat -d -d says "listening on" once it listens (a probe would use up its one accept);
      // its log is read to the end, so that it never writes into a closed pipe.
      const log = readLines(receiver.stderr);
      const listening = (async () => {
        for (let r = await log.next(); !r.done; r = await log.next()) {
          if (r.value.includes("listening on")) return true;
        }
        return false;
      })();
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<false>((resolve) =>
        timer = setTimeout(resolve, START_TIMEOUT_MS, false)
      );
      const ok = await Promise.race([listening, timeout]);
      clearTimeout(timer);
      if (!ok) throw new Error("socat did not listen");
      (async () => {
        while (!(await log.next()).done) {
          // Drain.
        }
      })().catch(() => {});
      const started = performance.now();
      const sending = run(socat, ["-u", `OPEN:${source}`, `TCP:127.0.0.1:${port}`]);
      const status = await receiver.status;
      const seconds = (performance.now() - started) / 1000;
      await sending;
      if (!status.success) throw new Error(`the receiving socat failed (${status.code})`);
      return seconds;
    } finally {
      await stop(receiver);
    }
  };
  const timed = await timeCopies("rt-bench-socat-", bytes, tries, copy);
  return {
    tool: "socat",
    version: await toolVersion(socat, ["-V"], /^socat version/),
    cipher: null,
    how: "socat -u OPEN:src TCP:127.0.0.1:PORT into socat -u TCP-LISTEN CREATE:dest",
    bytes,
    ...timed,
  };
}

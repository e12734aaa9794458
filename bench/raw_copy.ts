/**
 * The ceiling for file transfers: the same file copied through plain TCP on loopback by
 * `raw_peer.ts` processes, either straight from sender to receiver (two processes) or through
 * a relay process that pipes one connection into the other (three), as rt's host relays.
 *
 * @module
 */
import type { RawEvent } from "./raw_peer.ts";
import { readLines } from "./lines.ts";

const START_TIMEOUT_MS = 30_000;

/** One `raw_peer.ts` process. */
class RawPeer {
  readonly #child: Deno.ChildProcess;
  readonly #lines: AsyncGenerator<string>;
  readonly #stdin: WritableStreamDefaultWriter<Uint8Array>;

  constructor(folder: string, args: string[]) {
    const script = new URL("./raw_peer.ts", import.meta.url).pathname;
    this.#child = new Deno.Command("deno", {
      args: [
        "run",
        "--quiet",
        "--allow-net=127.0.0.1",
        `--allow-read=${folder}`,
        `--allow-write=${folder}`,
        script,
        ...args,
      ],
      stdin: "piped",
      stdout: "piped",
      stderr: "inherit",
    }).spawn();
    this.#lines = readLines(this.#child.stdout);
    this.#stdin = this.#child.stdin.getWriter();
  }

  /** The next event, which must be of `type`. */
  async next<T extends RawEvent["t"]>(
    type: T,
    timeoutMs: number,
  ): Promise<Extract<RawEvent, { t: T }>> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const line = await Promise.race([
      this.#lines.next(),
      new Promise<null>((resolve) => timer = setTimeout(() => resolve(null), timeoutMs)),
    ]);
    clearTimeout(timer);
    const event = line?.done === false ? JSON.parse(line.value) as RawEvent : null;
    if (event?.t !== type) {
      throw new Error(`raw copy: expected "${type}", got ${line ? JSON.stringify(event) : "none"}`);
    }
    return event as Extract<RawEvent, { t: T }>;
  }

  async go(): Promise<void> {
    await this.#stdin.write(new TextEncoder().encode("go\n"));
  }

  /** Waits for the exit (killing it on a failure). */
  async end(kill: boolean): Promise<void> {
    if (kill) {
      try {
        this.#child.kill("SIGKILL");
      } catch {
        // Exited already.
      }
    }
    await this.#stdin.close().catch(() => {});
    await this.#child.status;
    for await (const _ of this.#lines) {
      // Drain.
    }
  }
}

/** One raw copy: seconds from "go" until the receiver closed the file, and CPU seconds. */
export interface RawCopy {
  seconds: number;
  bytes: number;
  /** CPU seconds of each process: sender, (relay,) receiver. */
  cpuS: number[];
}

/**
 * Copies `source` (in `folder`) to `target` over TCP on 127.0.0.1, through a relay process
 * when `relay` is set, and times it.
 */
export async function rawCopy(
  folder: string,
  source: string,
  target: string,
  relay: boolean,
  timeoutMs: number,
): Promise<RawCopy> {
  const peers: RawPeer[] = [];
  let ok = false;
  try {
    let port: number;
    let receiver: RawPeer;
    let middle: RawPeer | null = null;
    if (relay) {
      middle = new RawPeer(folder, ["relay"]);
      peers.push(middle);
      port = (await middle.next("port", START_TIMEOUT_MS)).port;
      receiver = new RawPeer(folder, ["receive", target, String(port)]);
      peers.push(receiver);
      await receiver.next("connected", START_TIMEOUT_MS);
    } else {
      receiver = new RawPeer(folder, ["receive", target]);
      peers.push(receiver);
      port = (await receiver.next("port", START_TIMEOUT_MS)).port;
    }
    const sender = new RawPeer(folder, ["send", source, String(port)]);
    peers.push(sender);
    await sender.next("ready", START_TIMEOUT_MS);
    const start = performance.now();
    await sender.go();
    const received = await receiver.next("done", timeoutMs);
    const seconds = (performance.now() - start) / 1000;
    const sent = await sender.next("done", START_TIMEOUT_MS);
    const relayed = middle ? await middle.next("done", START_TIMEOUT_MS) : null;
    if (received.bytes !== sent.bytes || (relayed && relayed.bytes !== sent.bytes)) {
      throw new Error(`raw copy: sent ${sent.bytes} bytes but received ${received.bytes}`);
    }
    ok = true;
    return {
      seconds,
      bytes: received.bytes,
      cpuS: [sent.cpuS, ...(relayed ? [relayed.cpuS] : []), received.cpuS],
    };
  } finally {
    await Promise.all(peers.map((p) => p.end(!ok)));
  }
}

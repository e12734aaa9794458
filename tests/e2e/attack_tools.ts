/**
 * Tools for the attack tests: members and attackers made of rt's own client code, running in
 * the test process over loopback sockets opened through the e2e harness (so cleanup closes
 * them), plus small measuring helpers.
 *
 * @module
 */
import { decode } from "@msgpack/msgpack";
import { RemoteSession } from "../../lib/client/session.ts";
import { MessageSigner } from "../../lib/client/signing.ts";
import {
  decodeMessage,
  encodeMessage,
  HostHandshake,
  PROTOCOL_VERSION,
  RoomMessage,
} from "../../lib/codec/messages.ts";
import { RtError } from "../../lib/errors.ts";
import { JoinerAttempt } from "../../lib/handshake/mod.ts";
import { generateIdentity } from "../../lib/identity/keys.ts";
import { FramedConnection, joinHost, type SecureConnection } from "../../lib/transport/mod.ts";
import type { E2e, RawPeer } from "./harness.ts";

/** A member of a room driven by the test: rt's client code over a raw loopback socket. */
export class Member {
  readonly name: string;
  readonly peer: RawPeer;
  readonly framed: FramedConnection;
  readonly secure: SecureConnection;
  readonly session: RemoteSession;
  readonly signer: MessageSigner;
  /** Everything received from the room (once `read()` was called), in order. */
  readonly inbox: RoomMessage[] = [];
  /** When each inbox entry arrived (`performance.now()`). */
  readonly arrivals: number[] = [];
  #listeners = new Set<() => void>();
  #reading: Promise<void> | null = null;
  #ended = false;
  #error: unknown = null;

  constructor(
    name: string,
    peer: RawPeer,
    framed: FramedConnection,
    secure: SecureConnection,
    room: Uint8Array,
    identity: ReturnType<typeof generateIdentity>,
  ) {
    this.name = name;
    this.peer = peer;
    this.framed = framed;
    this.secure = secure;
    this.session = new RemoteSession(secure);
    this.signer = new MessageSigner(identity, room);
  }

  /** Starts reading everything the room sends into `inbox`. */
  read(): this {
    this.#reading ??= (async () => {
      try {
        while (true) {
          const message = await this.session.next();
          if (message === null) break;
          this.inbox.push(message);
          this.arrivals.push(performance.now());
          this.#notify();
        }
      } catch (error) {
        this.#error = error;
      }
      this.#ended = true;
      this.#notify();
    })();
    return this;
  }

  /** Whether the room's side has ended (closed, or dropped us). */
  get ended(): boolean {
    return this.#ended;
  }

  /** Sends one signed room message. */
  say(text: string): void {
    this.session.send(this.signer.say(text));
  }

  #notify(): void {
    for (const listener of [...this.#listeners]) listener();
  }

  /** Waits for a received message passing `predicate` (from index `since`). */
  waitFor(
    predicate: (message: RoomMessage) => boolean,
    timeoutMs = 15_000,
    since = 0,
  ): Promise<RoomMessage> {
    return new Promise((resolve, reject) => {
      // Each message is looked at once, not the whole inbox again at every arrival (a flood
      // of thousands made that quadratic, and the reader too slow for the host to keep it).
      let next = since;
      const check = () => {
        for (; next < this.inbox.length; next++) {
          if (predicate(this.inbox[next]!)) return finish(null, this.inbox[next]);
        }
        if (this.#ended) finish(new Error(`[${this.name}] the room ended: ${this.#error}`));
      };
      const finish = (error: Error | null, message?: RoomMessage) => {
        clearTimeout(timer);
        this.#listeners.delete(check);
        if (error) reject(error);
        else resolve(message!);
      };
      const timer = setTimeout(
        () => finish(new Error(`[${this.name}] nothing matched ${predicate} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#listeners.add(check);
      check();
    });
  }

  /** Messages said by `from` received so far. */
  saidBy(from: string): number {
    return this.inbox.filter((m) => m.t === "said" && m.from === from).length;
  }

  /** Drops the connection at once (no goodbye) and waits for every read to end. */
  async close(): Promise<void> {
    this.framed.close();
    await this.framed.done;
    await this.#reading;
    this.peer.close();
  }
}

/** Authenticates with rt's client code and joins as `name`; resolves once welcomed. */
export async function joinMember(
  e2e: E2e,
  port: number,
  name: string,
  password: string,
): Promise<Member> {
  const peer = await e2e.connect(port);
  const framed = new FramedConnection(peer.conn);
  try {
    const identity = generateIdentity();
    const secure = await joinHost(framed, {
      identity,
      password: () => Promise.resolve(password),
      timeoutMs: 10_000,
    });
    secure.send(encodeMessage({ t: "join", name }));
    const plaintext = await secure.receive(10_000);
    const welcome = plaintext && decodeMessage(RoomMessage, plaintext);
    if (!welcome || welcome.t !== "welcome") {
      throw new Error(`${name} was not welcomed: ${JSON.stringify(welcome)}`);
    }
    return new Member(name, peer, framed, secure, welcome.room, identity);
  } catch (error) {
    framed.close();
    await framed.done;
    peer.close();
    throw error;
  }
}

/** How one attacking connection ended. */
export interface AttackOutcome {
  /** The host sent `denied` before its greeting: no guess was possible. */
  refused: boolean;
  /** Guesses the host answered (each answer tells whether the guess was right). */
  answered: number;
  /** The password was found (the attacker won). */
  success: boolean;
  /** The reason of the host's `denied`, if it sent one. */
  denied?: string;
  /** How the connection ended, for failure messages. */
  end: string;
}

/** A framed connection that notes the handshake messages the host sends in the clear. */
class Watched extends FramedConnection {
  /** `t` of each cleartext handshake frame received, in order. */
  readonly seen: string[] = [];
  /** The reason of a `denied`. */
  denied: string | undefined;

  override async next(timeoutMs?: number): Promise<Uint8Array | null> {
    const frame = await super.next(timeoutMs);
    if (frame !== null) {
      try {
        const message = decode(frame) as { t?: unknown; reason?: unknown };
        if (typeof message?.t === "string") this.seen.push(message.t);
        if (message?.t === "denied" && typeof message.reason === "string") {
          this.denied = message.reason;
        }
      } catch {
        // Sealed: after the handshake.
      }
    }
    return frame;
  }

  /** How the connection went, from what the host sent. */
  outcome(success: boolean, end: string): AttackOutcome {
    return {
      refused: this.seen[0] === "denied",
      answered: this.seen.filter((t) => t === "reply").length,
      success,
      end,
      ...(this.denied === undefined ? {} : { denied: this.denied }),
    };
  }
}

/**
 * Guesses passwords on one connection the way rt's joiner does (a `mismatch` after each wrong
 * one, up to the host's tries), taking them from `guesses` until it runs out.
 */
export async function guessOnConnection(
  e2e: E2e,
  port: number,
  guesses: () => string | undefined,
): Promise<AttackOutcome> {
  const peer = await e2e.connect(port);
  const framed = new Watched(peer.conn);
  let success = false;
  let end = "";
  try {
    const secure = await joinHost(framed, {
      identity: generateIdentity(),
      password: () => {
        const guess = guesses();
        if (guess === undefined) return Promise.reject(new Error("out of guesses"));
        return Promise.resolve(guess);
      },
      timeoutMs: 10_000,
    });
    success = true;
    secure.close();
    end = "joined";
  } catch (error) {
    end = error instanceof RtError ? `${error.code}: ${error.message}` : String(error);
  } finally {
    framed.close();
    await framed.done;
    peer.close();
  }
  return framed.outcome(success, end);
}

/**
 * One password guess, then away as soon as the host's answer is in (before confirming or
 * admitting a mismatch): the host must count it all the same.
 */
export async function guessOnceAndLeave(
  e2e: E2e,
  port: number,
  guess: string,
): Promise<AttackOutcome> {
  const peer = await e2e.connect(port);
  const framed = new FramedConnection(peer.conn);
  try {
    const first = await framed.next(10_000);
    if (first === null) return { refused: false, answered: 0, success: false, end: "closed" };
    const hello = decodeMessage(HostHandshake, first);
    if (hello.t === "denied") {
      return { refused: true, answered: 0, success: false, end: "denied", denied: hello.reason };
    }
    if (hello.t !== "hello") throw new Error(`unexpected ${hello.t}`);
    const attempt = new JoinerAttempt({
      password: guess,
      greeting: first,
      hostNonce: hello.nonce,
      attempt: 1,
    });
    const shareFrame = encodeMessage({
      t: "share",
      v: PROTOCOL_VERSION,
      nonce: attempt.nonce,
      y: attempt.share,
    });
    framed.send(shareFrame);
    const second = await framed.next(10_000);
    if (second === null) return { refused: false, answered: 0, success: false, end: "closed" };
    const reply = decodeMessage(HostHandshake, second);
    if (reply.t === "denied") {
      return { refused: false, answered: 0, success: false, end: "denied", denied: reply.reason };
    }
    if (reply.t !== "reply") {
      return { refused: false, answered: 0, success: false, end: `got ${reply.t}` };
    }
    let success = true;
    try {
      attempt.finish(shareFrame, reply);
    } catch {
      success = false;
    }
    return { refused: false, answered: 1, success, end: "left after the answer" };
  } catch (error) {
    const end = error instanceof Error ? error.message : String(error);
    return { refused: false, answered: 0, success: false, end };
  } finally {
    framed.close();
    await framed.done;
    peer.close();
  }
}

/** Reads the first frame of a raw connection and decodes it as MessagePack. */
export async function readFirstFrame(peer: RawPeer): Promise<unknown> {
  let buffer = new Uint8Array(0);
  while (true) {
    if (buffer.length >= 4) {
      const length = new DataView(buffer.buffer, buffer.byteOffset).getUint32(0);
      if (buffer.length >= 4 + length) return decode(buffer.subarray(4, 4 + length));
    }
    const chunk = await peer.read(4096);
    if (chunk === null) throw new Error("the connection ended before a whole frame");
    const joined = new Uint8Array(buffer.length + chunk.length);
    joined.set(buffer);
    joined.set(chunk, buffer.length);
    buffer = joined;
  }
}

/** A process's memory from `/proc/PID/status`, in bytes. */
export interface Memory {
  /** `VmRSS`: all resident memory, the executable's pages included. */
  rss: number;
  /**
   * `RssAnon`: resident memory the process allocated (heaps, buffers). Unlike `VmRSS` it does
   * not move when the system drops or reloads the executable's own pages (`RssFile`, tens of
   * MB for `deno`), which it does under memory pressure from other processes.
   */
  anon: number;
}

/**
 * A process's memory (Linux), or `null` elsewhere. Read with `cat`: Deno lets only
 * `--allow-all` read `/proc` itself.
 */
export async function memoryOf(pid: number): Promise<Memory | null> {
  try {
    const { success, stdout } = await new Deno.Command("cat", {
      args: [`/proc/${pid}/status`],
      stdout: "piped",
      stderr: "null",
    }).output();
    if (!success) return null;
    const text = new TextDecoder().decode(stdout);
    const field = (name: string) => {
      const kb = new RegExp(`^${name}:\\s+(\\d+)\\s+kB`, "m").exec(text);
      return kb ? Number(kb[1]) * 1024 : null;
    };
    const rss = field("VmRSS"), anon = field("RssAnon");
    return rss === null || anon === null ? null : { rss, anon };
  } catch {
    return null;
  }
}

/** A process's resident memory in bytes (`VmRSS`), or `null` elsewhere. */
export async function residentBytes(pid: number): Promise<number | null> {
  return (await memoryOf(pid))?.rss ?? null;
}

/** Summary of a list of durations in ms: count, min, median, 95th percentile, max. */
export function summary(values: number[]): string {
  if (values.length === 0) return "n=0";
  const sorted = [...values].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  const ms = (v: number) => `${v.toFixed(1)} ms`;
  return `n=${sorted.length} min ${ms(sorted[0]!)} median ${ms(at(0.5))} p95 ${ms(at(0.95))} ` +
    `max ${ms(sorted[sorted.length - 1]!)}`;
}

/** Mebibytes, for printing. */
export function mib(bytes: number | null): string {
  return bytes === null ? "n/a" : `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Waits `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * One member joining the room over TCP the way `rt` does: connect, CPace handshake, `join`,
 * wait for `welcome`, with the time each phase took.
 *
 * @module
 */
import { type ByteStream, connectTcp, FramedConnection, joinHost } from "../lib/transport/mod.ts";
import { RemoteSession } from "../lib/client/mod.ts";
import { MessageSigner } from "../lib/client/signing.ts";
import { generateIdentity } from "../lib/identity/keys.ts";
import { HOSTNAME, PASSWORD } from "./config.ts";

/** A member in the room, and how long joining took. */
export interface Joined {
  session: RemoteSession;
  /** Signs this member's messages, as rt does. */
  signer: MessageSigner;
  name: string;
  /** ms of the TCP connect. */
  connectMs: number;
  /** ms of the CPace handshake alone, from connected to sealed. */
  handshakeMs: number;
  /** ms from sending `join` to `welcome`. */
  welcomeMs: number;
  /** The handshake's steps, in ms, seen from the joiner's socket (see `HandshakeSteps`). */
  steps: HandshakeSteps;
  /** ms from before connect to `welcome`. */
  totalMs: number;
}

/**
 * The handshake's steps as the joiner's socket sees them, in ms: `greeting`, connected until
 * the host's greeting arrives; `share`, until the joiner's CPace share is written; `reply`, until
 * the host's reply arrives (a trip there and back, the host's CPace, and its identity proof
 * signed and sealed behind the reply); `finish`, until the joiner's confirmation and its own
 * proof are written; `identities`, until the host's proof, there already, has been checked.
 * Joining as an rt from before `early`, the host's proof comes a trip after the confirmation.
 */
export interface HandshakeSteps {
  greeting: number;
  share: number;
  reply: number;
  finish: number;
  identities: number;
}

/** Reads and writes timed on each connection: the handshake's first two of each. */
const TIMED = 2;

/**
 * The socket, with the time its first reads completed and its first writes began
 * (`performance.now()`; a member stays connected for the whole benchmark, so no more are kept).
 */
class TimedStream implements ByteStream {
  readonly reads: number[] = [];
  readonly writes: number[] = [];
  constructor(readonly stream: ByteStream) {}
  async read(buffer: Uint8Array): Promise<number | null> {
    const n = await this.stream.read(buffer);
    if (this.reads.length < TIMED) this.reads.push(performance.now());
    return n;
  }
  write(data: Uint8Array): Promise<number> {
    if (this.writes.length < TIMED) this.writes.push(performance.now());
    return this.stream.write(data);
  }
  closeWrite(): Promise<void> {
    return this.stream.closeWrite?.() ?? Promise.resolve();
  }
  close(): void {
    this.stream.close();
  }
}

/** How `joinRoom` joins. */
export interface JoinRoomOptions {
  /** `joinHost`'s `early`: false joins as an rt from before it (the host's proof after). */
  early?: boolean;
}

/** Joins as `name`; rejects after `timeoutMs` or on anything but `welcome`. */
export async function joinRoom(
  port: number,
  name: string,
  timeoutMs: number,
  options: JoinRoomOptions = {},
): Promise<Joined> {
  // Made before the clock starts: rt makes a person's key once, not at each join.
  const identity = generateIdentity();
  const t0 = performance.now();
  const socket = new TimedStream(await connectTcp(HOSTNAME, port, timeoutMs));
  const framed = new FramedConnection(socket);
  const t1 = performance.now();
  const timer = setTimeout(() => framed.close(), timeoutMs);
  try {
    const secure = await joinHost(framed, {
      identity,
      password: () => Promise.resolve(PASSWORD),
      timeoutMs,
      early: options.early,
    });
    const t2 = performance.now();
    // The greeting and the reply are the first two reads; the share and the confirmation the
    // first two writes (the host sends nothing else before the confirmation).
    const [hello, reply] = socket.reads as [number, number];
    const [share, confirm] = socket.writes as [number, number];
    const steps = {
      greeting: hello - t1,
      share: share - hello,
      reply: reply - share,
      finish: confirm - reply,
      identities: t2 - confirm,
    };
    const session = new RemoteSession(secure);
    session.send({ t: "join", name });
    let signer: MessageSigner;
    while (true) {
      const message = await session.next();
      if (message === null) throw new Error(`${name}: the room closed before welcome`);
      if (message.t === "welcome") {
        signer = new MessageSigner(identity, message.room);
        break;
      }
      if (message.t === "name-refused") throw new Error(`${name}: ${message.reason}`);
    }
    const t3 = performance.now();
    return {
      session,
      signer,
      name,
      connectMs: t1 - t0,
      handshakeMs: t2 - t1,
      welcomeMs: t3 - t2,
      steps,
      totalMs: t3 - t0,
    };
  } catch (error) {
    framed.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

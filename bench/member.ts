/**
 * One member joining the room over TCP the way `rt` does: connect, CPace handshake, `join`,
 * wait for `welcome`, with the time each phase took.
 *
 * @module
 */
import { connectTcp, FramedConnection, joinHost } from "../lib/transport/mod.ts";
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
  /** ms from before connect to `welcome`. */
  totalMs: number;
}

/** Joins as `name`; rejects after `timeoutMs` or on anything but `welcome`. */
export async function joinRoom(port: number, name: string, timeoutMs: number): Promise<Joined> {
  // Made before the clock starts: rt makes a person's key once, not at each join.
  const identity = generateIdentity();
  const t0 = performance.now();
  const framed = new FramedConnection(await connectTcp(HOSTNAME, port, timeoutMs));
  const t1 = performance.now();
  const timer = setTimeout(() => framed.close(), timeoutMs);
  try {
    const secure = await joinHost(framed, {
      identity,
      password: () => Promise.resolve(PASSWORD),
      timeoutMs,
    });
    const t2 = performance.now();
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
      totalMs: t3 - t0,
    };
  } catch (error) {
    framed.close();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * A joiner's way back into its room after the connection dropped: the same address (and proxy,
 * and TLS), the resumption secret the host gave at the last welcome proven instead of the
 * password, and the host's key checked to be the one proven before. Each welcome carries the
 * next secret.
 *
 * @module
 */
import { forgedWelcome, RemoteSession } from "../client/mod.ts";
import type { ChatEvent } from "../events.ts";
import { resumptionPrs } from "../handshake/mod.ts";
import type { Identity } from "../identity/mod.ts";
import { fingerprint, sameKey } from "../identity/mod.ts";
import {
  connectSocks5,
  connectTcp,
  FramedConnection,
  joinHost,
  Refused,
  type Socks5Proxy,
  startTlsChecked,
} from "../transport/mod.ts";
import { describeError, withTimeout } from "../util/mod.ts";
import { NEW_ROOM } from "./chat.ts";
import type { Welcome } from "./choose_name.ts";
import type { Comeback, Reconnect } from "./reconnect.ts";
import type { Target } from "./target.ts";

/** How long a try waits for the host's welcome once the handshake is done. */
const WELCOME_WAIT_MS = 10_000;

/** How the joiner reached the room, and who it is. */
export interface Way {
  target: Target;
  proxy?: Socks5Proxy;
  tls?: { caCerts?: string[] };
  identity: Identity;
  handshakeTimeoutMs?: number;
  /** The key the host proved when the member joined. */
  hostKey: Uint8Array;
  /** Told of each session rt comes back on (to close it at the end). */
  onSession: (session: RemoteSession) => void;
}

/** The tries at coming back into the room that `welcome` seated this member in. */
export function rejoiner(way: Way, welcome: Welcome): Reconnect | undefined {
  let resume = welcome.resume;
  if (!resume) return undefined;
  const room = welcome.room;
  const reconnect: Reconnect = async (signal) => {
    if (!resume) return { final: gone("the host gave no way back") };
    const { id, secret } = resume;
    let conn: Deno.Conn | null = null;
    let framed: FramedConnection | null = null;
    const hangUp = () => framed ? framed.close() : closeQuietly(conn);
    signal.addEventListener("abort", hangUp);
    try {
      const { target } = way;
      const tcp = way.proxy
        ? await connectSocks5(way.proxy, target.host, target.port)
        : await connectTcp(target.host, target.port);
      conn = tcp;
      if (way.tls) conn = await startTlsChecked(tcp, target.host, way.tls);
      if (signal.aborted) throw new Error("given up");
      framed = new FramedConnection(conn);
      const secure = await joinHost(framed, {
        identity: way.identity,
        timeoutMs: way.handshakeTimeoutMs,
        password: () => Promise.reject(new Error("no password when coming back")),
        resume: { handle: id, prs: resumptionPrs(room, secret) },
      });
      if (!sameKey(secure.peerKey, way.hostKey)) {
        secure.close();
        return { final: hostChanged(way.hostKey, secure.peerKey) };
      }
      const session = new RemoteSession(secure);
      way.onSession(session);
      const first = await withTimeout(
        session.next(),
        WELCOME_WAIT_MS,
        () => new Error("no welcome from the host"),
      );
      if (first?.t === "closed") {
        return { final: { type: "closed", reason: first.reason } };
      }
      if (first?.t !== "welcome") {
        void session.close();
        return { retry: "the host did not welcome this member back" };
      }
      const forged = forgedWelcome(first, way.hostKey);
      if (forged) {
        secure.close();
        return { final: { type: "error", code: "host-key-forged", message: forged } };
      }
      resume = first.resume;
      reconnect.keepMs = resume?.keepMs;
      return { session, welcome: first };
    } catch (error) {
      hangUp();
      return refused(error) ?? { retry: describeError(error) };
    } finally {
      signal.removeEventListener("abort", hangUp);
    }
  };
  reconnect.keepMs = resume.keepMs;
  return reconnect;
}

/** A refusal that ends the tries: the room is gone, or the host will not take this member. */
function refused(error: unknown): Comeback | null {
  if (!(error instanceof Refused)) return null;
  if (error.refusal === "expired") return { final: gone(error.reason) };
  // Too busy right now: later.
  if (error.refusal === "busy") return null;
  return {
    final: { type: "error", code: error.refusal ?? "denied", message: error.message },
  };
}

function gone(why: string): ChatEvent {
  return { type: "error", code: "room-gone", message: `${NEW_ROOM} (The host said: ${why}.)` };
}

function hostChanged(before: Uint8Array, now: Uint8Array): ChatEvent {
  return {
    type: "error",
    code: "host-key-changed",
    message: `The host at this address now proves another key (${fingerprint(now)}, not ` +
      `${fingerprint(before)}): it is not the host of your room, so rt did not go back in.`,
  };
}

function closeQuietly(conn: Deno.Conn | null): void {
  try {
    conn?.close();
  } catch {
    // Closed already.
  }
}

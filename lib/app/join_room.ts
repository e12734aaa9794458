/**
 * `rt ADDRESS PORT`: connect, prove the password, choose a name, talk.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import {
  connectSocks5,
  connectTcp,
  FramedConnection,
  joinHost,
  type SecureConnection,
  SilentHost,
  type Socks5Proxy,
  startTlsChecked,
} from "../transport/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { chooseName, type FileOptions, runChat } from "./chat.ts";
import { type JoinFailure, joinFailure } from "./join_failure.ts";
import { rejoiner } from "./rejoin.ts";
import { Stop, Stopped } from "./stop.ts";
import type { Target } from "./target.ts";
import type { Identity } from "../identity/mod.ts";
import type { PeerBook } from "../store/mod.ts";
import {
  type ExpectedHost,
  forgedWelcome,
  hostKeyEvents,
  RemoteSession,
  RoomView,
} from "../client/mod.ts";

/** Options of `rt ADDRESS PORT`. */
export interface JoinRoomOptions {
  /** The password for the first try, when given by file or environment. */
  password?: string;
  /** The name to use; when absent the user is asked, with `loginName` offered. */
  name?: string;
  loginName: string;
  handshakeTimeoutMs?: number;
  /** Join with TLS, checking the host's certificate (against `caCerts` when given). */
  tls?: { caCerts?: string[] };
  /** Join through this SOCKS5 proxy (names resolved by the proxy). */
  proxy?: Socks5Proxy;
  /** The joiner's identity key. */
  identity: Identity;
  /** The people rt has met. */
  peers: PeerBook;
  /** Sending and receiving files. */
  files: FileOptions;
  /** Who the room was announced as hosted by (`rt find`): checked against the key proven. */
  expectedHost?: ExpectedHost;
  /**
   * Come back by itself when the connection drops (with the secret the host gave, not the
   * password). Default: true.
   */
  reconnect?: boolean;
  /** Told when rt must stop (a signal): each stage ends at once. Default: never. */
  stop?: Stop;
}

class Cancelled extends Error {}

/** Joins a room and chats until leaving. Returns the exit status. */
export async function joinRoom(
  ui: ChatUi,
  target: Target,
  options: JoinRoomOptions,
): Promise<number> {
  const stop = options.stop ?? new Stop();
  // The first password is at hand before connecting: the host waits only seconds for it.
  let first = options.password;
  if (first === undefined) {
    const answer = await ui.ask({ for: "password", prompt: "Password: ", hidden: true });
    if (answer.kind !== "line") return stop.cancelledStatus();
    first = answer.text;
  }
  if (stop.by !== null) return stop.cancelledStatus();
  ui.show({ type: "connecting", host: target.host, port: target.port });
  let secure: SecureConnection;
  let conn: Deno.Conn | null = null;
  let framed: FramedConnection | null = null;
  // Told to stop while connecting or proving the password: drop the connection, which ends
  // whatever waits on it at once.
  const hangUp = () => {
    if (framed) framed.close();
    else closeQuietly(conn);
  };
  const forgetHangUp = stop.onStop(hangUp);
  let greeted = false;
  try {
    const tcp = await stop.race(
      options.proxy
        ? connectSocks5(options.proxy, target.host, target.port)
        : connectTcp(target.host, target.port),
      closeQuietly,
    );
    conn = tcp;
    if (options.tls) {
      conn = await stop.race(startTlsChecked(tcp, target.host, options.tls), closeQuietly);
    }
    framed = new FramedConnection(conn);
    ui.show({ type: "connected", host: target.host, port: target.port });
    secure = await joinHost(framed, {
      timeoutMs: options.handshakeTimeoutMs,
      identity: options.identity,
      password: async ({ attempt, triesLeft }) => {
        greeted = true;
        if (attempt === 1) return first;
        const answer = await ui.ask({
          for: "password",
          prompt: "Password: ",
          hidden: true,
          triesLeft,
        });
        if (answer.kind !== "line") throw new Cancelled();
        return answer.text;
      },
      onWrongPassword: (triesLeft) => ui.show({ type: "wrong-password", triesLeft }),
    });
  } catch (error) {
    forgetHangUp();
    hangUp();
    if (stop.by !== null || error instanceof Stopped || error instanceof Cancelled) {
      return stop.cancelledStatus();
    }
    ui.show({ type: "error", ...notARoom(error, target, greeted) ?? joinFailure(error) });
    return 1;
  }
  forgetHangUp();
  const session = new RemoteSession(secure);
  // Until the room welcomes this member, a signal drops the connection: nothing is said yet.
  const forgetLeaving = stop.onStop(() => secure.close());
  try {
    // The host's key is the one it proved on this connection, never the one its welcome
    // names. What rt knows of it is shown before asking to join (before the name is asked).
    const hostKey = secure.peerKey;
    const own = options.identity.publicKey;
    for (const event of hostKeyEvents(options.peers, hostKey, options.expectedHost, own)) {
      ui.show(event);
    }
    // This session's random number: direct and file messages to this member must sign it.
    const nonce = crypto.getRandomValues(new Uint8Array(16));
    const asking = promptsWatched(ui);
    const welcome = await chooseName(session, asking.ui, {
      nonce,
      suggested: options.name ?? options.loginName,
      askFirst: options.name === undefined,
    });
    forgetLeaving();
    if (!welcome || stop.by !== null) {
      await session.close();
      // The name prompt cancelled (or a signal) is a cancel; the room closing meanwhile is not.
      return stop.by !== null || asking.cancelled ? stop.cancelledStatus() : 0;
    }
    const forged = forgedWelcome(welcome, hostKey);
    if (forged) {
      // Not even a goodbye: nothing more goes to a host that lies about who it is.
      secure.close();
      ui.show({ type: "error", code: "host-key-forged", message: forged });
      return 1;
    }
    const view = new RoomView(welcome, {
      identity: options.identity,
      peers: options.peers,
      host: false,
      nonce,
      hostKey,
    });
    // The session in use: a new one each time rt comes back after a drop.
    let current = session;
    const reconnect = options.reconnect === false ? undefined : rejoiner({
      target,
      proxy: options.proxy,
      tls: options.tls,
      identity: options.identity,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      hostKey,
      onSession: (next) => current = next,
    }, welcome);
    // In the room, a signal reaches the chat as an interrupt (see main.ts): it leaves politely.
    const end = await runChat(session, ui, { view, files: options.files, reconnect });
    if (current !== session) void session.close();
    await current.close();
    return end === "lost" ? 1 : 0;
  } catch (error) {
    forgetLeaving();
    await session.close();
    if (stop.by !== null) return stop.cancelledStatus();
    const e = error instanceof RtError ? error : new RtError("connection-closed", String(error));
    ui.show({ type: "error", code: e.code, message: `Lost the room: ${e.message}` });
    return 1;
  }
}

/**
 * A program on the port that is not an rt room: it said nothing (or nothing like a room's
 * greeting) before the handshake began. Said in plain words, with the likely cause.
 */
function notARoom(error: unknown, target: Target, greeted: boolean): JoinFailure | null {
  const where = `${target.host} port ${target.port}`;
  if (error instanceof SilentHost) {
    return {
      code: error.code,
      message: `${where} accepted the connection but did not answer like an rt room within ` +
        `${error.seconds} s: is it the right port?`,
    };
  }
  if (!greeted && error instanceof RtError && NOT_A_GREETING.has(error.code)) {
    return {
      code: error.code,
      message: `${where} answered, but not like an rt room: is it the right port?`,
    };
  }
  return null;
}

/** What reading a greeting that is not rt's fails with. */
const NOT_A_GREETING = new Set([
  "frame-too-large",
  "frame-truncated",
  "frame-malformed",
  "message-invalid",
  "handshake-protocol",
]);

/** `ui`, noting whether a question was answered by Ctrl+C or Ctrl+D rather than a line. */
function promptsWatched(ui: ChatUi): { ui: ChatUi; readonly cancelled: boolean } {
  let cancelled = false;
  const watched: ChatUi = {
    show: (event) => ui.show(event),
    ask: async (question) => {
      const answer = await ui.ask(question);
      if (answer.kind !== "line") cancelled = true;
      return answer;
    },
    next: () => ui.next(),
    setPrompt: (prompt) => ui.setPrompt(prompt),
    configure: (setting, on) => ui.configure(setting, on),
    interrupt: () => ui.interrupt(),
    status: (lines) => ui.status(lines),
    close: () => ui.close(),
  };
  return {
    ui: watched,
    get cancelled() {
      return cancelled;
    },
  };
}

function closeQuietly(conn: Deno.Conn | null): void {
  try {
    conn?.close();
  } catch {
    // Closed already.
  }
}

/**
 * `rt ADDRESS PORT`: connect, prove the password, choose a name, talk.
 *
 * @module
 */
import { RemoteSession } from "../client/session.ts";
import { RtError } from "../errors.ts";
import {
  connectSocks5,
  connectTcp,
  FramedConnection,
  joinHost,
  type SecureConnection,
  type Socks5Proxy,
  startTlsChecked,
} from "../transport/mod.ts";
import type { ChatUi } from "../tui/ui.ts";
import { chooseName, type FileOptions, runChat } from "./chat.ts";
import { EXIT_CANCELLED } from "./host_room.ts";
import { joinFailure } from "./join_failure.ts";
import type { Target } from "./target.ts";
import { RoomView } from "./room_view.ts";
import type { Identity } from "../identity/keys.ts";
import type { PeerBook } from "../store/peer_book.ts";
import { type ExpectedHost, forgedWelcome, hostKeyEvents } from "../client/host_key.ts";

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
}

class Cancelled extends Error {}

/** Joins a room and chats until leaving. Returns the exit status. */
export async function joinRoom(
  ui: ChatUi,
  target: Target,
  options: JoinRoomOptions,
): Promise<number> {
  // The first password is at hand before connecting: the host waits only seconds for it.
  let first = options.password;
  if (first === undefined) {
    const answer = await ui.ask({ for: "password", prompt: "Password: ", hidden: true });
    if (answer.kind !== "line") return EXIT_CANCELLED;
    first = answer.text;
  }
  ui.show({ type: "connecting", host: target.host, port: target.port });
  let secure: SecureConnection;
  let framed: FramedConnection | null = null;
  try {
    const tcp = options.proxy
      ? await connectSocks5(options.proxy, target.host, target.port)
      : await connectTcp(target.host, target.port);
    framed = new FramedConnection(
      options.tls ? await startTlsChecked(tcp, target.host, options.tls) : tcp,
    );
    ui.show({ type: "connected", host: target.host, port: target.port });
    secure = await joinHost(framed, {
      timeoutMs: options.handshakeTimeoutMs,
      identity: options.identity,
      password: async ({ attempt, triesLeft }) => {
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
    framed?.close();
    if (error instanceof Cancelled) return EXIT_CANCELLED;
    ui.show({ type: "error", ...joinFailure(error) });
    return 1;
  }
  const session = new RemoteSession(secure);
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
    const welcome = await chooseName(session, ui, {
      nonce,
      suggested: options.name ?? options.loginName,
      askFirst: options.name === undefined,
    });
    if (!welcome) {
      await session.close();
      return 0;
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
    const end = await runChat(session, ui, { view, files: options.files });
    await session.close();
    return end === "lost" ? 1 : 0;
  } catch (error) {
    await session.close();
    const e = error instanceof RtError ? error : new RtError("connection-closed", String(error));
    ui.show({ type: "error", code: e.code, message: `Lost the room: ${e.message}` });
    return 1;
  }
}

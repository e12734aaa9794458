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
import type { Target } from "./target.ts";
import { RoomView } from "./room_view.ts";
import type { Identity } from "../identity/keys.ts";
import type { PeerBook } from "../store/peer_book.ts";

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
}

class Cancelled extends Error {}

/** Joins a room and chats until leaving. Returns the exit status. */
export async function joinRoom(
  ui: ChatUi,
  target: Target,
  options: JoinRoomOptions,
): Promise<number> {
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
        if (attempt === 1 && options.password !== undefined) return options.password;
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
    const e = error instanceof RtError ? error : new RtError("connect-failed", String(error));
    const message = e.code === "denied"
      ? "Wrong password too many times; the host closed the connection"
      : e.message;
    ui.show({ type: "error", code: e.code, message });
    return 1;
  }
  const session = new RemoteSession(secure);
  try {
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
    const view = new RoomView(welcome, {
      identity: options.identity,
      peers: options.peers,
      host: false,
      nonce,
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

/**
 * `rt`: open a room on this computer, tell the host what to send people, and seat the host
 * in it.
 *
 * @module
 */
import { LocalSession } from "../client/session.ts";
import { type HostLimits, type HostNotice, RoomHost } from "../host/host.ts";
import type { AddressInfo } from "../host/address_info.ts";
import type { Blocklist } from "../store/blocklist.ts";
import { Room } from "../room/room.ts";
import type { ChatUi } from "../tui/ui.ts";
import { addressHints, localAddresses } from "./addresses.ts";
import { chooseName, type HostControls, runChat } from "./chat.ts";
import { generatePassphrase } from "./passphrase.ts";
import { RoomView } from "./room_view.ts";
import type { Identity } from "../identity/keys.ts";
import type { PeerBook } from "../store/peer_book.ts";

/** Options of `rt` as host. */
export interface HostRoomOptions {
  /** The room password, when given by file or environment; otherwise asked. */
  password?: string;
  /** The host's name; default: `loginName`. */
  name?: string;
  /** The name to suggest. */
  loginName: string;
  port?: number;
  bind?: string;
  handshakeTimeoutMs?: number;
  /** The host's identity key. */
  identity: Identity;
  /** The people rt has met. */
  peers: PeerBook;
  /** Blocked addresses and banned keys, kept across restarts. */
  blocklist: Blocklist;
  /** The host's limits. */
  limits?: HostLimits;
  /** Describes addresses in notices. */
  describe?: (address: string) => Promise<AddressInfo>;
}

/** Exit status of a cancelled prompt (as after SIGINT). */
export const EXIT_CANCELLED = 130;

/** Hosts a room until the host closes it. Returns the exit status. */
export async function hostRoom(ui: ChatUi, options: HostRoomOptions): Promise<number> {
  let password = options.password;
  if (password === undefined) {
    const answer = await ui.ask({
      for: "password",
      prompt:
        "Please enter a password that will be required to join this chat\n(or press Enter alone to get a generated one): ",
      hidden: true,
    });
    if (answer.kind !== "line") return EXIT_CANCELLED;
    password = answer.text;
    if (password.length === 0) {
      password = generatePassphrase();
      ui.show({ type: "room-password", password });
    }
  }
  const room = new Room();
  let host: RoomHost;
  try {
    host = RoomHost.start(room, {
      password: () => password!,
      identity: options.identity,
      port: options.port,
      bind: options.bind,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      blocklist: options.blocklist,
      limits: options.limits,
      describe: options.describe,
      onNotice: (n: HostNotice) =>
        ui.show({
          type: "notice",
          text: n.text,
          code: n.code,
          address: n.address,
          ...(n.info ? { info: n.info } : {}),
        }),
    });
  } catch (error) {
    const why = error instanceof Deno.errors.AddrInUse
      ? `port ${options.port} is already in use; pick another with --port, or leave it out`
      : error instanceof Error
      ? error.message
      : String(error);
    ui.show({ type: "error", code: "listen-failed", message: `Could not open the room: ${why}` });
    return 1;
  }
  const hints = addressHints(localAddresses(), host.port)
    .filter((h) => !options.bind || isAnyAddress(options.bind) || h.address === options.bind);
  ui.show({ type: "listening", port: host.port, bound: host.bound, addresses: hints });
  const session = new LocalSession(room, options.identity.publicKey);
  const welcome = await chooseName(session, ui, {
    suggested: options.name ?? options.loginName,
    askFirst: false,
  });
  if (welcome) {
    const view = new RoomView(welcome, {
      identity: options.identity,
      peers: options.peers,
      host: true,
    });
    const controls: HostControls = {
      blocked: () => host.blocked(),
      unblock: (what) => host.unblock(what),
      kick: (name) => host.kick(name),
      ban: (name) => host.ban(name),
      get locked() {
        return host.locked;
      },
      set locked(value: boolean) {
        host.locked = value;
      },
      newPassword: () => password = generatePassphrase(),
    };
    await runChat(session, ui, { view, controls, addressOf: (name) => session.addressOf(name) });
  }
  await host.close();
  ui.show({ type: "closed", reason: "you closed the room" });
  return 0;
}

function isAnyAddress(bind: string): boolean {
  return bind === "0.0.0.0" || bind === "::";
}

/**
 * `rt`: open a room on this computer, tell the host what to send people, and seat the host
 * in it.
 *
 * @module
 */
import { LocalSession } from "../client/mod.ts";
import { type HostLimits, type HostNotice, RoomHost } from "../host/mod.ts";
import type { AddressInfo } from "../host/mod.ts";
import type { Blocklist } from "../store/mod.ts";
import { Room } from "../room/mod.ts";
import type { ChatUi } from "../tui/mod.ts";
import { addressHints, joinCommand, localAddresses } from "./addresses.ts";
import { onExit } from "./cleanup.ts";
import { addOnion, type OnionService, type TorControlOptions } from "../tor/mod.ts";
import { findGateways, localAddressFor, localV4 } from "../nat/mod.ts";
import { isGlobalV6, type MapScope, nullPortMapper, type PinholeOutcome } from "../nat/mod.ts";
import type { PortMapper, RouterOutcome } from "../nat/mod.ts";
import type { ChatEvent, RouterIpv6, RouterPath } from "../events.ts";
import { chooseName, type FileOptions, type HostControls, runChat } from "./chat.ts";
import { generatePassphrase } from "./passphrase.ts";
import { estimatePassword, weakPasswordWarning } from "./password_strength.ts";
import { RoomView } from "../client/mod.ts";
import type { Identity } from "../identity/mod.ts";
import type { PeerBook } from "../store/mod.ts";
import { Announcer, canAnnounce, defaultRoomName } from "../discovery/mod.ts";
import { listenTcp } from "../transport/mod.ts";
import { EXIT_CANCELLED, Stop, Stopped } from "./stop.ts";
import { describeError } from "../util/mod.ts";

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
  /**
   * How long a member whose connection dropped keeps its seat to come back without the
   * password, in ms. Default: 0 (it leaves at once).
   */
  keepSeatsMs?: number;
  /** Describes addresses in notices. */
  describe?: (address: string) => Promise<AddressInfo>;
  /** Listen with TLS, with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string };
  /** Host as a Tor onion service too, through this control port. */
  tor?: TorControlOptions;
  /** Opens the port on the router. Default: none (`nullPortMapper`). */
  portMapper?: PortMapper;
  /** Announce the room on the local network while it is open (`rt find`). Default: no. */
  announce?: boolean;
  /** The room's name in announcements. Default: `<host name>'s room`. */
  roomName?: string;
  /** Sending and receiving files. */
  files: FileOptions;
  /** Told when rt must stop (a signal): each stage ends at once. Default: never. */
  stop?: Stop;
}

/** Exit status of a cancelled prompt (as after SIGINT). */
export { EXIT_CANCELLED };

/** Hosts a room until the host closes it. Returns the exit status. */
export async function hostRoom(ui: ChatUi, options: HostRoomOptions): Promise<number> {
  const stop = options.stop ?? new Stop();
  // A port in use (or an address not of this computer) is said before a password is chosen.
  const unusable = listenProblem(options);
  if (unusable !== null) {
    ui.show({ type: "error", code: "listen-failed", message: unusable });
    return 1;
  }
  let password = options.password;
  if (password === undefined) {
    const typed = await askPassword(ui);
    if (typed === null) return stop.cancelledStatus();
    password = typed;
  }
  if (stop.by !== null) return stop.cancelledStatus();
  const graceMs = options.keepSeatsMs ?? 0;
  const room = new Room({
    hostFirst: true,
    graceMs,
    // The others hear nothing of a drop unless the seat goes; the host is told.
    onActivity: (activity) => {
      if (activity.kind !== "away") return;
      ui.show({
        type: "notice",
        code: "away",
        text: `${activity.name}'s connection dropped; their seat is kept for ` +
          `${Math.round(graceMs / 1000)} s for them to come back`,
        ...(activity.address ? { address: activity.address } : {}),
      });
    },
  });
  let host: RoomHost;
  try {
    host = RoomHost.start(room, {
      password: () => password!,
      identity: options.identity,
      port: options.port,
      ...(options.tls ? { tls: options.tls } : {}),
      bind: options.bind,
      handshakeTimeoutMs: options.handshakeTimeoutMs,
      // The onion service gets a port of its own: its joiners all come from Tor's loopback
      // address, and must not be judged (or blocked) by it.
      onion: options.tor !== undefined,
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
    ui.show({ type: "error", code: "listen-failed", message: listenFailure(error, options.port) });
    return 1;
  }
  // Bound to this computer's own address only: nobody else can reach the room, so the router
  // is not asked to open the port, nor is anyone told to forward it.
  const thisComputerOnly = host.bound.length > 0 && host.bound.every(isLoopback);
  const gateway = thisComputerOnly ? undefined : (await findGateways().catch(() => []))[0];
  const onDefaultRoute = gateway ? localAddressFor(gateway, localV4()) : null;
  const hints = addressHints(localAddresses(), host.port, onDefaultRoute)
    .filter((h) => !options.bind || isAnyAddress(options.bind) || h.address === options.bind);
  const mapper = thisComputerOnly ? nullPortMapper : options.portMapper ?? nullPortMapper;
  ui.show({
    type: "listening",
    port: host.port,
    bound: host.bound,
    addresses: hints,
    router: mapper === nullPortMapper ? "off" : "asking",
  });
  const blocks = host.blocked();
  if (blocks.length > 0) {
    const addresses = blocks.filter((b) => b.address !== null).length;
    const keys = blocks.length - addresses;
    const parts = [
      ...(addresses > 0 ? [`${addresses} address${addresses === 1 ? "" : "es"}`] : []),
      ...(keys > 0 ? [`${keys} banned key${keys === 1 ? "" : "s"}`] : []),
    ];
    ui.show({
      type: "notice",
      code: "blocks",
      text: `${blocks.length} block${blocks.length === 1 ? " is" : "s are"} in force from ` +
        `earlier sessions (${parts.join(", ")}): /blocked lists them, /unblock lifts one`,
    });
  }
  // The router is asked in the background: the host is seated at once, the answer follows.
  let forgetMapping = () => {};
  const mapping = thisComputerOnly
    ? Promise.resolve(null)
    : mapper.map(host.port, mapScope(host.bound)).then(
      (outcome) => {
        ui.show(routerEvent(outcome, host.port, hints[0]?.address));
        const opened = [
          ...(outcome.ipv4.ok ? [outcome.ipv4.mapping] : []),
          ...(outcome.ipv6.ok ? [outcome.ipv6.pinhole] : []),
        ];
        if (opened.length === 0) return null;
        const close = async () => {
          await Promise.all(opened.map((o) => o.close()));
        };
        forgetMapping = onExit(close);
        return { close };
      },
      () => null,
    );
  let onion: OnionService | null = null;
  let forgetOnion = () => {};
  if (options.tor) {
    try {
      // Tor may be slow to answer: a signal meanwhile closes the room at once.
      onion = await stop.race(
        addOnion(host.onionPort ?? host.port, host.port, options.tor),
        (late) => void late.close(),
      );
      const added = onion;
      forgetOnion = onExit(() => added.close());
      ui.show({
        type: "onion",
        address: onion.address,
        port: onion.port,
        command: joinCommand(onion.address, onion.port),
      });
    } catch (error) {
      if (!(error instanceof Stopped)) {
        const message = describeError(error);
        ui.show({ type: "error", code: "tor", message });
      }
    }
  }
  const session = new LocalSession(room, options.identity.publicKey);
  // This session's random number: direct and file messages to this member must sign it.
  const nonce = crypto.getRandomValues(new Uint8Array(16));
  const welcome = stop.by !== null ? null : await chooseName(session, ui, {
    nonce,
    suggested: options.name ?? options.loginName,
    askFirst: false,
  });
  if (welcome) {
    const view = new RoomView(welcome, {
      identity: options.identity,
      peers: options.peers,
      host: true,
      nonce,
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
      newPassword: () => {
        password = generatePassphrase();
        host.passwordChanged();
        return password;
      },
    };
    let announcer: Announcer | null = null;
    if (options.announce && options.tor) {
      ui.show({
        type: "notice",
        code: "not-announced",
        text: "The room is not announced on the local network: it is hosted through Tor, and an " +
          "announcement would tell everyone nearby where it is",
      });
    } else if (options.announce) announcer = announce(ui, options, host.port, welcome.name);
    try {
      await runChat(session, ui, {
        view,
        controls,
        addressOf: (name) => session.addressOf(name),
        files: options.files,
      });
    } finally {
      await announcer?.stop();
    }
  }
  await host.close();
  if (onion) {
    await onion.close();
    forgetOnion();
  }
  const opened = await mapping;
  if (opened) {
    await opened.close();
    forgetMapping();
  }
  ui.show({ type: "closed", reason: "you closed the room" });
  // The host's own seat is refused only for a name: without one, the name prompt was cancelled
  // (or a signal came before the room).
  return welcome ? 0 : stop.cancelledStatus();
}

/**
 * Why the room could not listen as asked (the port in use, an address not of this computer),
 * found out by listening for a moment, or `null` when it can.
 */
function listenProblem(options: HostRoomOptions): string | null {
  try {
    listenTcp({ bind: options.bind, port: options.port, tls: options.tls }).close();
    return null;
  } catch (error) {
    return listenFailure(error, options.port);
  }
}

function listenFailure(error: unknown, port: number | undefined): string {
  const why = error instanceof Deno.errors.AddrInUse
    ? `port ${port} is already in use; pick another with --port, or leave it out`
    : error instanceof Error
    ? error.message
    : String(error);
  return `Could not open the room: ${why}`;
}

/** Whether `address` (as bound) is this computer's own loopback address. */
function isLoopback(address: string): boolean {
  return /^127\./.test(address) || address === "::1" || /^::ffff:127\./i.test(address);
}

/** The ways in to ask the router for, from the addresses the room listens on. */
function mapScope(bound: string[]): MapScope {
  const v6 = bound.find((b) => b === "::" || isGlobalV6(b));
  return {
    // A socket on "::" takes IPv4 connections too.
    ipv4: bound.some((b) => b === "::" || /^\d+\.\d+\.\d+\.\d+$/.test(b)),
    ipv6: v6 === undefined ? false : v6 === "::" ? true : v6,
  };
}

/** The `router` event: what the router opened, and the command for people elsewhere. */
export function routerEvent(outcome: RouterOutcome, port: number, forwardTo?: string): ChatEvent {
  const paths: RouterPath[] = [];
  const ipv6 = pinholeStatus(outcome.ipv6);
  if (ipv6.status === "opened") {
    paths.push({
      kind: "ipv6-pinhole",
      address: ipv6.address!,
      port: ipv6.port!,
      method: ipv6.method!,
      command: ipv6.command!,
      reachable: true,
    });
  }
  const base = { type: "router" as const, port, ...(forwardTo ? { forwardTo } : {}), ipv6, paths };
  // For people elsewhere: the IPv4 way when it lets them in, else the IPv6 one.
  const viaIpv6 = ipv6.command ? { command: ipv6.command } : {};
  const v4 = outcome.ipv4;
  if (!v4.ok) {
    const status = v4.reason === "off"
      ? "off"
      : v4.reason === "refused"
      ? "refused"
      : v4.reason === "cgnat"
      ? "cgnat"
      : "unavailable";
    return {
      ...base,
      status,
      detail: v4.detail,
      ...(v4.externalAddress ? { externalAddress: v4.externalAddress } : {}),
      ...viaIpv6,
    };
  }
  const m = v4.mapping;
  const command = joinCommand(m.externalAddress, m.externalPort);
  const reachable = !m.behindAnotherNat;
  paths.unshift({
    kind: "ipv4-mapping",
    address: m.externalAddress,
    port: m.externalPort,
    method: m.method,
    command,
    reachable,
  });
  return {
    ...base,
    status: m.sharedByProvider ? "cgnat" : m.behindAnotherNat ? "double-nat" : "mapped",
    externalAddress: m.externalAddress,
    externalPort: m.externalPort,
    method: m.method,
    ...(reachable ? { command } : viaIpv6),
  };
}

function pinholeStatus(outcome: PinholeOutcome): RouterIpv6 {
  if (outcome.ok) {
    const { address, port, method } = outcome.pinhole;
    return { status: "opened", address, port, method, command: joinCommand(address, port) };
  }
  const status = outcome.reason === "no-router" ? "unavailable" : outcome.reason;
  return { status, detail: outcome.detail };
}

/** Starts announcing the room on the local network, once the host is seated under its name. */
function announce(
  ui: ChatUi,
  options: HostRoomOptions,
  port: number,
  hostName: string,
): Announcer | null {
  if (!canAnnounce(options.bind)) return null;
  const room = options.roomName ?? defaultRoomName(hostName);
  try {
    const announcer = Announcer.start({
      room,
      host: hostName,
      port,
      publicKey: options.identity.publicKey,
      bind: options.bind,
    });
    ui.show({
      type: "notice",
      code: "announced",
      text: `The room is announced on your local network as "${room}", so people nearby can ` +
        "find it with rt find; --no-announce turns this off",
    });
    return announcer;
  } catch (error) {
    const why = describeError(error);
    ui.show({
      type: "notice",
      code: "announce-failed",
      text: `The room is not announced on the local network: ${why}`,
    });
    return null;
  }
}

/**
 * Asks the host for the room's password; a weak one is shown as weak, with the generated one
 * offered instead (typing the weak one again keeps it). A typed password is asked twice: a typo
 * no one can see would keep everyone out. `null` when cancelled.
 */
async function askPassword(ui: ChatUi): Promise<string | null> {
  const firstPrompt =
    "Please enter a password that will be required to join this chat\n(or press Enter alone to get a generated one): ";
  let prompt = firstPrompt;
  let weak: string | null = null;
  while (true) {
    const answer = await ui.ask({ for: "password", prompt, hidden: true });
    if (answer.kind !== "line") return null;
    const typed = answer.text;
    // Enter alone, or the same weak password again to keep it (typed twice, so confirmed).
    if (typed.length === 0) {
      const generated = generatePassphrase();
      ui.show({ type: "room-password", password: generated });
      return generated;
    }
    if (typed === weak) return typed;
    const estimate = estimatePassword(typed);
    if (estimate.weak) {
      ui.show({ type: "notice", code: "weak-password", text: weakPasswordWarning(estimate) });
      weak = typed;
      prompt = "Press Enter alone for a generated password (six words), or type the same one " +
        "again to keep it: ";
      continue;
    }
    const again = await ui.ask({ for: "password", prompt: "Type it again: ", hidden: true });
    if (again.kind !== "line") return null;
    if (again.text === typed) return typed;
    ui.show({
      type: "notice",
      code: "password-mismatch",
      text: "The two passwords differ; type it again, twice",
    });
    weak = null;
    prompt = firstPrompt;
  }
}

function isAnyAddress(bind: string): boolean {
  return bind === "0.0.0.0" || bind === "::";
}

/**
 * `rt` and `rt ADDRESS PORT`: hosting or joining, with the flags checked for sense (TLS, proxy,
 * Tor's control port) before anything is read or opened.
 *
 * @module
 */
import { parseTarget, type Target } from "../app/mod.ts";
import { RtError } from "../errors.ts";
import { parseProxyUrl, type Socks5Proxy } from "../transport/mod.ts";
import type { ChatFlags, HostPlan, JoinPlan, UsageError } from "./plan.ts";
import { usageError } from "./plan.ts";
import type { Program } from "./program.ts";

/** rt's own options, as commander gives them. */
export type RtOptions = ReturnType<Program["rt"]["opts"]>;

/** The plan to host (no address) or to join `address` (and `port`), or why not. */
export function chatPlan(
  options: RtOptions,
  address: string | undefined,
  port: string | undefined,
): HostPlan | JoinPlan | UsageError {
  const json = options.json === true;
  try {
    const target = address === undefined ? null : parseTarget(address, port);
    const proxy = proxyFlag(options.proxy);
    checkTls(options, target === null);
    if (proxy && target === null) throw new RtError("usage", "--proxy is for joining a room");
    const flags: ChatFlags = {
      json,
      ...(options.name === undefined ? {} : { name: options.name }),
      ...(options.passwordFile === undefined ? {} : { passwordFile: options.passwordFile }),
      handshakeTimeoutMs: options.handshakeTimeout * 1000,
      ...(options.downloads === undefined ? {} : { downloads: options.downloads }),
      autoAcceptFrom: options.autoAcceptFrom ?? [],
      reconnect: options.reconnect,
    };
    return target === null ? hostPlan(flags, options) : joinPlan(flags, options, target, proxy);
  } catch (error) {
    if (error instanceof RtError && error.code === "usage") return usageError(error.message, json);
    throw error;
  }
}

function hostPlan(flags: ChatFlags, options: RtOptions): HostPlan {
  const { port, bind, tlsCert, tlsKey, rate } = options;
  return {
    kind: "host",
    ...flags,
    ...(port === undefined ? {} : { port }),
    ...(bind === undefined ? {} : { bind }),
    // checkTls saw that the key goes with the certificate.
    ...(tlsCert ? { tls: { certFile: tlsCert, keyFile: tlsKey! } } : {}),
    ...(options.tor ? { tor: torControl(options.torControl) } : {}),
    limits: {
      maxMembers: options.maxMembers,
      maxPending: options.maxPending,
      maxPendingPerAddress: options.maxPendingPerAddress,
      messagesPerSecond: rate,
      messageBurst: rate === undefined ? undefined : Math.max(3 * rate, 10),
    },
    reverseDns: options.reverseDns,
    announce: options.announce,
    ...(options.room === undefined ? {} : { roomName: options.room }),
    upnp: options.upnp,
    keepSeatsMs: (options.keepSeats ?? 120) * 1000,
  };
}

function joinPlan(
  flags: ChatFlags,
  options: RtOptions,
  target: Target,
  proxy: Socks5Proxy | undefined,
): JoinPlan {
  return {
    kind: "join",
    ...flags,
    target,
    ...(proxy ? { proxy } : {}),
    ...(options.tls ? { tls: options.ca ? { caFile: options.ca } : {} } : {}),
  };
}

/** `--proxy`, never with a password: the command line is visible to others. */
function proxyFlag(flag: string | undefined): Socks5Proxy | undefined {
  if (flag === undefined) return undefined;
  const proxy = parseProxyUrl(flag);
  if (proxy.password !== undefined) {
    throw new RtError(
      "usage",
      "Put the proxy password in RT_PROXY, not on the command line where others can see it",
    );
  }
  return proxy;
}

/** The TLS flags make sense together, and for hosting or joining. */
function checkTls(options: RtOptions, hosting: boolean): void {
  if ((options.tlsCert === undefined) !== (options.tlsKey === undefined)) {
    throw new RtError("usage", "--tls-cert and --tls-key go together");
  }
  if (hosting && (options.tls || options.ca)) {
    throw new RtError(
      "usage",
      "--tls and --ca are for joining; a host uses --tls-cert and --tls-key",
    );
  }
  if (!hosting && options.tlsCert) {
    throw new RtError(
      "usage",
      "--tls-cert and --tls-key are for hosting; to join with TLS use --tls",
    );
  }
  if (options.ca && !options.tls) throw new RtError("usage", "--ca goes with --tls");
}

/** Where Tor's control port is: `--tor-control HOST:PORT`, by default 127.0.0.1:9051. */
function torControl(flag: string | undefined): { host: string; port: number } {
  const [host, port] = (flag ?? "127.0.0.1:9051").split(/:(?=\d+$)/);
  const portNumber = Number(port ?? 9051);
  if (!host || !Number.isInteger(portNumber) || portNumber < 1 || portNumber > 65535) {
    throw new RtError("usage", `"${flag}" is not HOST:PORT for Tor's control port`);
  }
  return { host: host.replace(/^\[|\]$/g, ""), port: portNumber };
}

/**
 * What the command line asks rt to do: a plan for each subcommand, with its options checked, or
 * what to print and the exit status.
 *
 * @module
 */
import type { Target } from "../app/mod.ts";
import type { HostLimits } from "../host/mod.ts";
import type { Socks5Proxy } from "../transport/mod.ts";

/** The options that hosting, joining and `rt find` share: how the chat runs. */
export interface ChatFlags {
  /** `--json`: JSON events on stdout, typed lines on stdin. */
  json: boolean;
  /** Your name in the room (`--name`); when absent rt asks, offering the login name. */
  name?: string;
  /** Where the room password is read from (`--password-file`); else RT_PASSWORD or a prompt. */
  passwordFile?: string;
  /** `--handshake-timeout`, in ms. */
  handshakeTimeoutMs: number;
  /** `--downloads`: where accepted files go; default: in rt's folder. */
  downloads?: string;
  /** `--auto-accept-from`, every time it was given. */
  autoAcceptFrom: string[];
  /** Come back by itself when the connection drops (no `--no-reconnect`). */
  reconnect: boolean;
}

/** `rt`: host a room. */
export interface HostPlan extends ChatFlags {
  kind: "host";
  port?: number;
  bind?: string;
  /** `--tls-cert` and `--tls-key`: the files, read when the room opens. */
  tls?: { certFile: string; keyFile: string };
  /** `--tor`, with where Tor's control port is (`--tor-control`). */
  tor?: { host: string; port: number };
  limits: HostLimits;
  /** Look up the names of addresses in notices (no `--no-reverse-dns`). */
  reverseDns: boolean;
  /** Announce the room on the local network (no `--no-announce`). */
  announce: boolean;
  /** `--room`: the room's name in announcements. */
  roomName?: string;
  /** Ask the router to open the port (no `--no-upnp`). */
  upnp: boolean;
  /** `--keep-seats`: how long a dropped member's seat is kept for it, in ms. */
  keepSeatsMs: number;
}

/** `rt ADDRESS PORT`: join a room. */
export interface JoinPlan extends ChatFlags {
  kind: "join";
  target: Target;
  /** `--proxy` (never with a password); else RT_PROXY, read when joining. */
  proxy?: Socks5Proxy;
  /** `--tls`, with `--ca`'s file when given. */
  tls?: { caFile?: string };
}

/** `rt find`: listen for rooms, then list them (`--json`) or join one. */
export interface FindPlan extends ChatFlags {
  kind: "find";
  /** `--wait`: how long to listen. */
  waitSeconds: number;
}

/** `rt id`: your identity fingerprint. */
export interface IdPlan {
  kind: "id";
  json: boolean;
}

/** `rt peers`: the people rt has met, or `rt peers forget WHO`. */
export interface PeersPlan {
  kind: "peers";
  json: boolean;
  forget?: string;
}

/** `rt ipdb`: the offline IP database, or `rt ipdb update`. */
export interface IpdbPlan {
  kind: "ipdb";
  update: boolean;
}

/** Every plan the command line can give. */
export type Plan = HostPlan | JoinPlan | FindPlan | IdPlan | PeersPlan | IpdbPlan;

/** Exit status of a mistake on the command line. */
export const EXIT_USAGE = 2;

/** A mistake on the command line: rt says why (after `rt: `) and exits 2. */
export interface UsageError {
  kind: "usage";
  message: string;
  status: typeof EXIT_USAGE;
  /** Say it as a JSON error event on stdout (`--json` was given and understood), not on stderr. */
  json: boolean;
}

/** The help or the version: print it on stdout and exit 0. */
export interface Printed {
  kind: "print";
  text: string;
  status: 0;
}

/** What the command line asks for. */
export type Parsed = { kind: "plan"; plan: Plan } | UsageError | Printed;

/** A usage error saying `message`. */
export function usageError(message: string, json = false): UsageError {
  return { kind: "usage", message, status: EXIT_USAGE, json };
}

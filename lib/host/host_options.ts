/**
 * What a hosted room is started with: its options, its limits and their defaults, and the shape
 * of a notice to the host's operator.
 *
 * @module
 */
import type { Identity } from "../identity/mod.ts";
import type { Blocklist } from "../store/mod.ts";
import type { AddressInfo } from "./address_info.ts";
import type { GateLimits } from "./gate.ts";

/** What a member who came through the room's onion service is known by, instead of an address. */
export const ONION_ADDRESS = "onion";

/** Something the host's operator should know about a connection. */
export interface HostNotice {
  /**
   * Stable code: `wrong-password`, `denied`, `blocked`, `refused`, `banned`, `flood`,
   * `dropped`, `handshake-timeout`, `frame-too-large`, `guess-budget` (the room's budget of
   * wrong passwords ran out), `suppressed` (notices about connections left out), `internal` (a
   * bug in rt ended a connection)...
   */
  code: string;
  /** For people. */
  text: string;
  /** The peer's address (`onion` for a joiner through the room's onion service). */
  address: string;
  /** What is known about the address (reverse name, country, network owner). */
  info?: AddressInfo;
}

/**
 * The host's limits; each has a default fit for a room of friends on the Internet. Those of the
 * gate (connections in the handshake, wrong guesses) are {@link GateLimits}.
 */
export interface HostLimits extends GateLimits {
  /** Members at once. Default: 100. */
  maxMembers?: number;
  /** Messages per second one member may send, sustained. Default: 10. */
  messagesPerSecond?: number;
  /** Messages one member may send in a burst. Default: 30. */
  messageBurst?: number;
  /** Bytes waiting for one member before it is dropped as stalled. Default: 2 MiB. */
  maxQueueBytes?: number;
  /**
   * How long the relay of file chunks may wait for one recipient within 30 s before that
   * recipient is dropped, in ms. Default: 10 s.
   */
  relayWaitMs?: number;
}

/** Every limit, the defaults filled in. */
export function withDefaults(limits: HostLimits = {}): Required<HostLimits> {
  return {
    maxMembers: limits.maxMembers ?? 100,
    maxPending: limits.maxPending ?? 64,
    maxPendingPerAddress: limits.maxPendingPerAddress ?? 8,
    maxPendingOnion: limits.maxPendingOnion ?? 16,
    blockAfterGuesses: limits.blockAfterGuesses ?? 6,
    roomGuesses: limits.roomGuesses ?? 30,
    roomGuessIntervalMs: limits.roomGuessIntervalMs ?? 2 * 60_000,
    messagesPerSecond: limits.messagesPerSecond ?? 10,
    messageBurst: limits.messageBurst ?? 30,
    maxQueueBytes: limits.maxQueueBytes ?? 2 * 1024 * 1024,
    relayWaitMs: limits.relayWaitMs ?? 10_000,
  };
}

/** Options of a hosted room's listener. */
export interface HostOptions {
  /** The room password now. */
  password: () => string;
  /** The host's identity key. */
  identity: Identity;
  /** Address to bind; default: every interface. */
  bind?: string;
  /** Port; default: a free one. */
  port?: number;
  /** Listen with TLS, with this certificate chain and key (PEM). */
  tls?: { cert: string; key: string };
  /** Password tries per connection. Default: 3. */
  tries?: number;
  /** Deadline for each handshake message, in ms. Default: 60 s. */
  handshakeTimeoutMs?: number;
  /** Deadline for a joiner's first guess, in ms (at most the above). Default: 10 s. */
  firstGuessTimeoutMs?: number;
  /**
   * Also listen on a port of its own on 127.0.0.1 for the room's onion service (`onionPort`):
   * joiners there all come from Tor's loopback address, and are not judged by it.
   */
  onion?: boolean;
  /** Deadline for choosing a name once authenticated, in ms. Default: 5 min. */
  nameTimeoutMs?: number;
  /** Blocked addresses and banned keys. Default: an empty one in memory. */
  blocklist?: Blocklist;
  limits?: HostLimits;
  /** Describes an address for notices (reverse name, IP database). Default: nothing. */
  describe?: (address: string) => Promise<AddressInfo>;
  /** Called for each notice, in order. */
  onNotice: (notice: HostNotice) => void;
}

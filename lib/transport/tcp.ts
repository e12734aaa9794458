/**
 * The only code that opens TCP sockets: listening on every interface (dual-stack where the
 * system allows) and connecting with a deadline.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { describeError } from "../util/mod.ts";

/** An accepted or opened connection and the address of the other end. */
export interface Accepted {
  conn: Deno.Conn;
  /** The peer's address, IPv4-mapped IPv6 written as plain IPv4. */
  address: string;
  port: number;
}

/** A set of listening sockets sharing one port. */
export interface Listening {
  port: number;
  /** The addresses actually bound, e.g. `["::", "0.0.0.0"]`. */
  bound: string[];
  /** Accepted connections from every socket. */
  accept(): AsyncIterable<Accepted>;
  close(): void;
}

/** Writes an IPv4-mapped IPv6 address as IPv4; leaves others alone. */
export function normaliseAddress(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return mapped ? mapped[1]! : address;
}

/**
 * Listens on `bind` and `port` (0: the system picks a free port). Without `bind`, listens on
 * `::` and `0.0.0.0` on the same port, whichever the system allows (one dual-stack socket on
 * Linux, two sockets where `::` is IPv6-only).
 */
export function listenTcp(
  options: { bind?: string; port?: number; tls?: { cert: string; key: string } } = {},
): Listening {
  const listeners: Deno.Listener[] = [];
  let port = options.port ?? 0;
  const tryListen = (hostname: string) => {
    const listener = options.tls
      ? Deno.listenTls({ hostname, port, transport: "tcp", ...options.tls })
      : Deno.listen({ hostname, port, transport: "tcp" });
    listeners.push(listener);
    port = (listener.addr as Deno.NetAddr).port;
  };
  if (options.bind) tryListen(options.bind);
  else {
    try {
      tryListen("::");
    } catch {
      // No IPv6 here: IPv4 only.
    }
    try {
      tryListen("0.0.0.0");
    } catch (error) {
      // AddrInUse after a dual-stack `::` socket is expected: it already serves IPv4.
      if (listeners.length === 0) throw error;
    }
  }
  return {
    port,
    bound: listeners.map((l) => (l.addr as Deno.NetAddr).hostname),
    accept: () => mergeAccepts(listeners),
    close() {
      for (const l of listeners) {
        try {
          l.close();
        } catch {
          // Already closed.
        }
      }
    },
  };
}

/** A failed `accept()` that leaves the listener as it was: only that connection is lost. */
function lostOneConnection(error: unknown): boolean {
  return error instanceof Deno.errors.NotConnected ||
    error instanceof Deno.errors.ConnectionReset ||
    error instanceof Deno.errors.ConnectionAborted;
}

/** Pause before accepting again after a failure of the system (out of file descriptors). */
const ACCEPT_RETRY_MS = 100;

async function* mergeAccepts(listeners: Deno.Listener[]): AsyncIterable<Accepted> {
  type Next = { index: number; conn: Deno.Conn | null; error?: unknown };
  const pull = (index: number): Promise<Next> =>
    listeners[index]!.accept().then(
      (conn) => ({ index, conn }),
      (error) => ({ index, conn: null, error }),
    );
  const pending = new Map<number, Promise<Next>>(listeners.map((_, i) => [i, pull(i)]));
  while (pending.size > 0) {
    const { index, conn, error } = await Promise.race(pending.values());
    if (conn === null) {
      // Only a closed listener stops accepting. A connection reset while it waited to be
      // accepted (the system then fails `accept` with "not connected") is one lost connection,
      // not the end of the room: stopping there let one reset lock everyone out.
      if (error instanceof Deno.errors.BadResource) pending.delete(index);
      else if (lostOneConnection(error)) pending.set(index, pull(index));
      else {
        // Out of file descriptors or the like: try again shortly rather than spin.
        pending.set(
          index,
          new Promise((resolve) => setTimeout(resolve, ACCEPT_RETRY_MS)).then(() => pull(index)),
        );
      }
      continue;
    }
    pending.set(index, pull(index));
    setNoDelay(conn);
    const remote = conn.remoteAddr as Deno.NetAddr;
    yield { conn, address: normaliseAddress(remote.hostname), port: remote.port };
  }
}

/**
 * Chat frames are small and interactive: send them at once instead of letting Nagle's
 * algorithm hold one back for the peer's delayed ACK (measured: 44 ms added to every join).
 * Writes are coalesced by `FramedConnection` instead.
 */
function setNoDelay(conn: Deno.Conn): void {
  try {
    (conn as Deno.TcpConn).setNoDelay(true);
  } catch {
    // Not a TCP socket, or already closed.
  }
}

/** Connects to `hostname:port`, giving up after `timeoutMs`. */
export async function connectTcp(
  hostname: string,
  port: number,
  timeoutMs = 10_000,
): Promise<Deno.TcpConn> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const conn = await Deno.connect({
      hostname,
      port,
      transport: "tcp",
      signal: controller.signal,
    });
    setNoDelay(conn);
    return conn;
  } catch (error) {
    const why = controller.signal.aborted
      ? `no answer within ${Math.round(timeoutMs / 1000)} s`
      : error instanceof Deno.errors.ConnectionRefused
      ? "nothing is listening there (is the room open, and the port right?)"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new RtError("connect-failed", `Could not reach ${hostname} port ${port}: ${why}`, {
      cause: error,
    });
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Starts TLS on a connected socket (direct or through a proxy), checking the host's certificate against the system's roots (or `caCerts`)
 * and `hostname`. A certificate that does not verify is an error, with no way around it.
 */
export async function startTlsChecked(
  tcp: Deno.TcpConn,
  hostname: string,
  options: { caCerts?: string[]; timeoutMs?: number } = {},
): Promise<Deno.TlsConn> {
  const conn = await Deno.startTls(tcp, {
    hostname,
    ...(options.caCerts ? { caCerts: options.caCerts } : {}),
  });
  const timer = setTimeout(() => conn.close(), options.timeoutMs ?? 10_000);
  try {
    await conn.handshake();
    return conn;
  } catch (error) {
    try {
      conn.close();
    } catch {
      // Closed by the deadline.
    }
    const why = describeError(error);
    throw new RtError(
      "connect-failed",
      `The host's TLS certificate does not verify for "${hostname}" (${why}). rt will not ` +
        "talk to it: check the name you typed, or give the certificate authority with --ca FILE",
      { cause: error },
    );
  } finally {
    clearTimeout(timer);
  }
}

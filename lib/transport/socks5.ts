/**
 * A SOCKS5 client (RFC 1928, with RFC 1929 user/password authentication): the joiner's
 * connection through a proxy such as Tor's or any other. Names are handed to the proxy to
 * resolve (address type DOMAINNAME): this computer never looks them up.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { connectTcp } from "./tcp.ts";

/** A proxy, as given by `--proxy socks5://[user:password@]host:port` or `RT_PROXY`. */
export interface Socks5Proxy {
  host: string;
  port: number;
  username?: string;
  password?: string;
}

const REPLIES: Record<number, string> = {
  1: "general failure",
  2: "connection not allowed by its rules",
  3: "network unreachable",
  4: "host unreachable",
  5: "connection refused by the destination",
  6: "time to live expired",
  7: "command not supported",
  8: "address type not supported",
};

/** Parses a proxy URL; throws `RtError("usage")` with a reason. */
export function parseProxyUrl(text: string): Socks5Proxy {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new RtError("usage", `"${text}" is not a proxy address like socks5://127.0.0.1:9050`);
  }
  if (url.protocol !== "socks5:" && url.protocol !== "socks5h:") {
    throw new RtError("usage", `Only SOCKS5 proxies are supported, not "${url.protocol}"`);
  }
  const port = Number(url.port || 1080);
  if (!url.hostname || !Number.isInteger(port) || port < 1 || port > 65535) {
    throw new RtError("usage", `"${text}" needs a host and a port`);
  }
  const proxy: Socks5Proxy = { host: url.hostname.replace(/^\[|\]$/g, ""), port };
  if (url.username) proxy.username = decodeURIComponent(url.username);
  if (url.password) proxy.password = decodeURIComponent(url.password);
  return proxy;
}

async function readExact(conn: Deno.Conn, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    const n = await conn.read(out.subarray(offset));
    if (n === null) throw new RtError("connect-failed", "The proxy closed the connection");
    offset += n;
  }
  return out;
}

async function writeAll(conn: Deno.Conn, bytes: Uint8Array): Promise<void> {
  let offset = 0;
  while (offset < bytes.length) offset += await conn.write(bytes.subarray(offset));
}

function addressBytes(host: string): Uint8Array {
  const v4 = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(host);
  if (v4) return Uint8Array.from([1, ...v4.slice(1).map(Number)]);
  const name = new TextEncoder().encode(host);
  if (name.length === 0 || name.length > 255) {
    throw new RtError("usage", `"${host}" is too long a name for a proxy`);
  }
  // IPv6 literals and names alike go as DOMAINNAME: the proxy parses or resolves them.
  return Uint8Array.from([3, name.length, ...name]);
}

/**
 * Connects to `host:port` through the proxy. Rejects with `RtError("connect-failed")` saying
 * what went wrong: the proxy unreachable, its authentication, or its reply.
 */
export async function connectSocks5(
  proxy: Socks5Proxy,
  host: string,
  port: number,
  timeoutMs = 30_000,
): Promise<Deno.TcpConn> {
  const conn = await connectTcp(proxy.host, proxy.port, Math.min(timeoutMs, 10_000)).catch(
    (error) => {
      throw new RtError(
        "connect-failed",
        `Could not reach the proxy at ${proxy.host} port ${proxy.port}: ` +
          (error instanceof Error ? error.message.replace(/^Could not reach [^:]*: /, "") : ""),
      );
    },
  );
  const timer = setTimeout(() => conn.close(), timeoutMs);
  try {
    const withAuth = proxy.username !== undefined;
    await writeAll(conn, Uint8Array.from(withAuth ? [5, 2, 0, 2] : [5, 1, 0]));
    const [version, method] = await readExact(conn, 2);
    if (version !== 5) throw new RtError("connect-failed", "That is not a SOCKS5 proxy");
    if (method === 0xff) {
      throw new RtError(
        "connect-failed",
        withAuth
          ? "The proxy accepts none of rt's ways to log in"
          : "The proxy wants a user name and password (give them in RT_PROXY)",
      );
    }
    if (method === 2) {
      if (!withAuth) {
        throw new RtError("connect-failed", "The proxy wants a user name and password");
      }
      const user = new TextEncoder().encode(proxy.username!);
      const pass = new TextEncoder().encode(proxy.password ?? "");
      if (user.length > 255 || pass.length > 255) {
        throw new RtError("usage", "The proxy user name or password is too long");
      }
      await writeAll(conn, Uint8Array.from([1, user.length, ...user, pass.length, ...pass]));
      const [, status] = await readExact(conn, 2);
      if (status !== 0) {
        throw new RtError("connect-failed", "The proxy refused the user name or password");
      }
    } else if (method !== 0) {
      throw new RtError("connect-failed", `The proxy chose an unknown login method (${method})`);
    }
    const request = new Uint8Array([5, 1, 0, ...addressBytes(host), port >> 8, port & 255]);
    await writeAll(conn, request);
    const [v, reply, , type] = await readExact(conn, 4);
    if (v !== 5) throw new RtError("connect-failed", "The proxy answered nonsense");
    if (reply !== 0) {
      throw new RtError(
        "connect-failed",
        `The proxy could not connect to ${host} port ${port}: ${
          REPLIES[reply!] ?? `error ${reply}`
        }`,
      );
    }
    // The bound address, which rt does not need.
    const rest = type === 1
      ? 4
      : type === 4
      ? 16
      : type === 3
      ? (await readExact(conn, 1))[0]!
      : -1;
    if (rest < 0) throw new RtError("connect-failed", "The proxy answered nonsense");
    await readExact(conn, rest + 2);
    return conn;
  } catch (error) {
    try {
      conn.close();
    } catch {
      // Closed by the deadline.
    }
    if (error instanceof RtError) throw error;
    throw new RtError("connect-failed", `The proxy connection failed (${error})`);
  } finally {
    clearTimeout(timer);
  }
}

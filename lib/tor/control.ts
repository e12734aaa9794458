/**
 * Hosting as a Tor onion service: speaks Tor's control protocol to the local Tor, adds an
 * ephemeral onion service (ADD_ONION) that forwards to the room's port, and removes it when the
 * room closes (DEL_ONION). Nobody needs a public address or an open router port.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { toHex } from "../handshake/bytes.ts";
import { connectTcp } from "../transport/tcp.ts";

/** Where Tor's control port is, and a password when Tor is set up with one. */
export interface TorControlOptions {
  host?: string;
  port?: number;
  /** For `HashedControlPassword` set-ups. */
  password?: string;
  /** Reads the authentication cookie file Tor names. */
  readCookie?: (path: string) => Promise<Uint8Array>;
  timeoutMs?: number;
}

/** An onion service for the room, until `close()`. */
export interface OnionService {
  /** `xxxxxxxx….onion` */
  address: string;
  port: number;
  close(): Promise<void>;
}

/** How to get Tor, in one short paragraph per OS. */
export const GET_TOR = "rt could not reach Tor's control port. To host through Tor, install " +
  "and start Tor with its control port on: on Debian or Ubuntu `sudo apt install tor` (then " +
  "add `ControlPort 9051` and `CookieAuthentication 1` to /etc/tor/torrc and restart it); on " +
  "macOS `brew install tor`, with the same two lines in its torrc; on Windows, the Tor Expert " +
  "Bundle from torproject.org, started with `tor.exe --ControlPort 9051 " +
  "--CookieAuthentication 1`.";

class Control {
  readonly #conn: Deno.Conn;
  #buffer = "";
  readonly #decoder = new TextDecoder();

  constructor(conn: Deno.Conn) {
    this.#conn = conn;
  }

  /** Sends a command and returns the reply lines (all of them, up to the final `250 `). */
  async command(line: string): Promise<string[]> {
    const bytes = new TextEncoder().encode(line + "\r\n");
    let offset = 0;
    while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
    const lines: string[] = [];
    while (true) {
      const next = await this.#line();
      lines.push(next);
      if (/^\d{3} /.test(next)) break;
      if (lines.length > 1000) throw new RtError("connect-failed", "Tor answered too much");
    }
    const last = lines.at(-1)!;
    if (!last.startsWith("250")) {
      throw new RtError("connect-failed", `Tor refused "${line.split(" ")[0]}": ${last}`);
    }
    return lines;
  }

  async #line(): Promise<string> {
    const chunk = new Uint8Array(4096);
    while (!this.#buffer.includes("\r\n")) {
      if (this.#buffer.length > 64 * 1024) {
        throw new RtError("connect-failed", "Tor's line is too long");
      }
      const n = await this.#conn.read(chunk);
      if (n === null) throw new RtError("connect-failed", "Tor closed the control connection");
      this.#buffer += this.#decoder.decode(chunk.subarray(0, n), { stream: true });
    }
    const end = this.#buffer.indexOf("\r\n");
    const line = this.#buffer.slice(0, end);
    this.#buffer = this.#buffer.slice(end + 2);
    return line;
  }

  close(): void {
    try {
      this.#conn.close();
    } catch {
      // Already closed.
    }
  }
}

function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Adds an onion service forwarding `virtualPort` to `127.0.0.1:localPort`, through the Tor
 * control port. Rejects with `RtError("connect-failed")` saying why (no Tor: see `GET_TOR`).
 */
export async function addOnion(
  localPort: number,
  virtualPort: number,
  options: TorControlOptions = {},
): Promise<OnionService> {
  const host = options.host ?? "127.0.0.1";
  const port = options.port ?? 9051;
  let conn: Deno.Conn;
  try {
    conn = await connectTcp(host, port, options.timeoutMs ?? 5000);
  } catch {
    throw new RtError("connect-failed", GET_TOR);
  }
  const control = new Control(conn);
  try {
    const info = (await control.command("PROTOCOLINFO 1")).join("\n");
    const methods = /METHODS=([A-Z0-9,]+)/.exec(info)?.[1]?.split(",") ?? [];
    const cookieFile = /COOKIEFILE="((?:[^"\\]|\\.)*)"/.exec(info)?.[1]?.replace(/\\(.)/g, "$1");
    if (methods.includes("NULL")) await control.command("AUTHENTICATE");
    else if (methods.includes("COOKIE") && cookieFile && options.readCookie) {
      const cookie = await options.readCookie(cookieFile);
      await control.command(`AUTHENTICATE ${toHex(cookie)}`);
    } else if (methods.includes("HASHEDPASSWORD") && options.password !== undefined) {
      await control.command(`AUTHENTICATE ${quote(options.password)}`);
    } else {
      throw new RtError(
        "connect-failed",
        `Tor wants ${methods.join(" or ") || "an unknown method"} to log in, which rt cannot ` +
          "do here (a Tor control password goes in RT_TOR_PASSWORD)",
      );
    }
    const added = await control.command(
      `ADD_ONION NEW:ED25519-V3 Flags=DiscardPK Port=${virtualPort},127.0.0.1:${localPort}`,
    );
    const id = added.map((l) => /^250-ServiceID=([a-z2-7]{56})$/.exec(l)?.[1]).find(Boolean);
    if (!id) throw new RtError("connect-failed", "Tor did not say the onion address");
    let closed = false;
    return {
      address: `${id}.onion`,
      port: virtualPort,
      async close() {
        if (closed) return;
        closed = true;
        try {
          await control.command(`DEL_ONION ${id}`);
        } catch {
          // Tor removes it anyway when the control connection closes.
        }
        control.close();
      },
    };
  } catch (error) {
    control.close();
    throw error;
  }
}

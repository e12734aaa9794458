/**
 * Hosting as a Tor onion service: speaks Tor's control protocol to the local Tor, adds an
 * ephemeral onion service (ADD_ONION) that forwards to the room's port, and removes it when the
 * room closes (DEL_ONION). Nobody needs a public address or an open router port.
 *
 * @module
 */
import { RtError } from "../errors.ts";
import { concat, equalBytes, fromHex, toHex, withTimeout } from "../util/mod.ts";
import { connectTcp } from "../transport/mod.ts";

/** Where Tor's control port is, and a password when Tor is set up with one. */
export interface TorControlOptions {
  host?: string;
  port?: number;
  /**
   * For `HashedControlPassword` set-ups (from `RT_TOR_PASSWORD`). Sent only when Tor offers a
   * password and cannot do SAFECOOKIE here, since a password, unlike a cookie, cannot be checked
   * against what the other side proves.
   */
  password?: string;
  /**
   * Reads the authentication cookie file Tor names (default: {@link readCookieFile}). Whatever
   * it returns is used only as the key of SAFECOOKIE, and only when it is 32 bytes long.
   */
  readCookie?: (path: string) => Promise<Uint8Array>;
  /** How long to wait to connect, and for each answer (default 5 s and 10 s). */
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
  readonly #answerMs: number;
  #buffer = "";
  readonly #decoder = new TextDecoder();

  constructor(conn: Deno.Conn, answerMs: number) {
    this.#conn = conn;
    this.#answerMs = answerMs;
  }

  /**
   * Sends a command and returns the reply lines (all of them, up to the final `250 `). An
   * answer that does not come within the deadline closes the connection.
   */
  async command(line: string): Promise<string[]> {
    let late = false;
    const timer = setTimeout(() => {
      late = true;
      this.close();
    }, this.#answerMs);
    const lines: string[] = [];
    try {
      const bytes = new TextEncoder().encode(line + "\r\n");
      let offset = 0;
      while (offset < bytes.length) offset += await this.#conn.write(bytes.subarray(offset));
      while (true) {
        const next = await this.#line();
        lines.push(next);
        if (/^\d{3} /.test(next)) break;
        if (lines.length > 1000) throw new RtError("connect-failed", "Tor answered too much");
      }
    } catch (error) {
      if (!late) throw error;
      throw new RtError(
        "connect-failed",
        `Tor's control port did not answer "${line.split(" ")[0]}" within ` +
          `${Math.round(this.#answerMs / 1000)} s`,
      );
    } finally {
      clearTimeout(timer);
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

/** Tor's authentication cookie is 32 random bytes (control-spec, "AUTHENTICATE"). */
const COOKIE_BYTES = 32;

/** The HMAC-SHA256 keys of SAFECOOKIE (control-spec, "AUTHCHALLENGE"). */
const SERVER_HASH_KEY = "Tor safe cookie authentication server-to-controller hash";
const CLIENT_HASH_KEY = "Tor safe cookie authentication controller-to-server hash";

function notACookie(path: string, why: string): RtError {
  return new RtError(
    "connect-failed",
    `Tor's control port named "${path}" as its cookie file, but ${why}; rt sent nothing of it. ` +
      "Is the program on the control port really Tor?",
  );
}

/**
 * Reads Tor's cookie file: a regular file of exactly 32 bytes, else refused (never more than 33
 * bytes are read, and a device or a pipe is never opened).
 */
export async function readCookieFile(path: string): Promise<Uint8Array> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(path);
  } catch (error) {
    const why = error instanceof Deno.errors.NotFound
      ? "there is no such file"
      : error instanceof Error
      ? error.message
      : String(error);
    throw new RtError("connect-failed", `rt could not read Tor's cookie file "${path}" (${why})`, {
      cause: error,
    });
  }
  if (!info.isFile) throw notACookie(path, "it is not a file");
  if (info.size !== COOKIE_BYTES) {
    throw notACookie(path, `it holds ${info.size} bytes, and Tor's cookie holds ${COOKIE_BYTES}`);
  }
  using file = await Deno.open(path, { read: true });
  // The same file as the one looked at, not one put in its place meanwhile.
  const opened = await file.stat();
  if (!opened.isFile || opened.size !== COOKIE_BYTES) throw notACookie(path, "it changed");
  const cookie = new Uint8Array(COOKIE_BYTES + 1);
  let filled = 0;
  while (filled < cookie.length) {
    const n = await file.read(cookie.subarray(filled));
    if (n === null) break;
    filled += n;
  }
  if (filled !== COOKIE_BYTES) throw notACookie(path, "it changed");
  return cookie.subarray(0, COOKIE_BYTES);
}

async function hmacSha256(key: string, message: Uint8Array): Promise<Uint8Array> {
  const hmacKey = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(key),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  return new Uint8Array(await crypto.subtle.sign("HMAC", hmacKey, message as BufferSource));
}

/**
 * SAFECOOKIE (control-spec, "AUTHCHALLENGE"): rt sends a random nonce; the other side must
 * answer with HMAC-SHA256 of the cookie and both nonces, which only a program that knows the
 * cookie can compute; only then does rt send its own HMAC. The cookie never crosses the socket.
 */
async function safeCookie(control: Control, cookie: Uint8Array): Promise<void> {
  if (cookie.length !== COOKIE_BYTES) {
    throw new RtError("connect-failed", "Tor's cookie is not 32 bytes long; rt sent nothing of it");
  }
  const clientNonce = crypto.getRandomValues(new Uint8Array(32));
  const reply = (await control.command(`AUTHCHALLENGE SAFECOOKIE ${toHex(clientNonce)}`)).at(-1)!;
  const m = /^250 AUTHCHALLENGE SERVERHASH=([0-9A-Fa-f]{64}) SERVERNONCE=([0-9A-Fa-f]{2,256})$/
    .exec(reply);
  if (!m || m[2]!.length % 2 !== 0) {
    throw new RtError("connect-failed", "Tor's control port gave an answer rt cannot read");
  }
  const serverNonce = fromHex(m[2]!);
  const message = concat(cookie, clientNonce, serverNonce);
  const expected = await hmacSha256(SERVER_HASH_KEY, message);
  if (!equalBytes(fromHex(m[1]!), expected)) {
    throw new RtError(
      "connect-failed",
      "The program on Tor's control port did not prove it knows Tor's cookie, so it may not be " +
        "Tor; rt sent it nothing secret and did not log in",
    );
  }
  await control.command(`AUTHENTICATE ${toHex(await hmacSha256(CLIENT_HASH_KEY, message))}`);
}

/**
 * Logs in to the control port without handing anything secret to a program that merely
 * listens there: no authentication when Tor needs none; SAFECOOKIE when Tor offers it and
 * names a readable 32-byte cookie; the password of `RT_TOR_PASSWORD` only when the user set one
 * and Tor cannot do SAFECOOKIE. A password cannot be proven the way a cookie can (Tor's
 * `HASHEDPASSWORD` wants the password itself), so whatever answers on the configured port gets
 * it: that is why rt sends it only when asked to, and only there. A raw cookie (`COOKIE`) is
 * never sent: every Tor that offers it offers SAFECOOKIE too.
 */
async function authenticate(control: Control, options: TorControlOptions): Promise<void> {
  const info = (await control.command("PROTOCOLINFO 1")).join("\n");
  const methods = /METHODS=([A-Z0-9,]+)/.exec(info)?.[1]?.split(",") ?? [];
  const cookieFile = /COOKIEFILE="((?:[^"\\]|\\.)*)"/.exec(info)?.[1]?.replace(/\\(.)/g, "$1");
  const password = methods.includes("HASHEDPASSWORD") ? options.password : undefined;
  if (methods.includes("NULL")) {
    await control.command("AUTHENTICATE");
    return;
  }
  if (methods.includes("SAFECOOKIE") && cookieFile) {
    let cookie: Uint8Array;
    try {
      cookie = await withTimeout(
        (options.readCookie ?? readCookieFile)(cookieFile),
        options.timeoutMs ?? 10_000,
        () => notACookie(cookieFile, "it could not be read in time"),
      );
    } catch (error) {
      if (password === undefined) throw error;
      cookie = new Uint8Array(0);
    }
    if (cookie.length === COOKIE_BYTES) return await safeCookie(control, cookie);
    if (password === undefined) {
      throw notACookie(cookieFile, `it holds ${cookie.length} bytes, not ${COOKIE_BYTES}`);
    }
  }
  if (password !== undefined) {
    await control.command(`AUTHENTICATE ${quote(password)}`);
    return;
  }
  if (methods.includes("COOKIE") && !methods.includes("SAFECOOKIE")) {
    throw new RtError(
      "connect-failed",
      "The program on Tor's control port wants Tor's cookie itself, which would hand it to " +
        "whatever listens there; rt logs in only with SAFECOOKIE, which every Tor since 0.2.3 " +
        "offers. Is it really Tor?",
    );
  }
  throw new RtError(
    "connect-failed",
    methods.includes("HASHEDPASSWORD")
      ? "Tor wants its control password: put it in RT_TOR_PASSWORD"
      : `Tor wants ${methods.join(" or ") || "an unknown method"} to log in, which rt cannot ` +
        "do here (a Tor control password goes in RT_TOR_PASSWORD)",
  );
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
  const control = new Control(conn, options.timeoutMs ?? 10_000);
  try {
    await authenticate(control, options);
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

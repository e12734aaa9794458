/**
 * A fake Tor control port on loopback, for the tests of rt's Tor authentication: it says what
 * the test wants in `PROTOCOLINFO` (methods, a cookie file of its choosing), answers
 * `AUTHCHALLENGE SAFECOOKIE` with a server hash that is right only when it was given the
 * cookie, and keeps everything rt sent. The hashes are computed here with `node:crypto`, apart
 * from rt's own code, from Tor's control-spec (section "AUTHCHALLENGE").
 *
 * @module
 */
import { Buffer } from "node:buffer";
import { createHmac, randomBytes } from "node:crypto";

/** HMAC keys of Tor's control-spec for SAFECOOKIE. */
export const SERVER_TO_CONTROLLER = "Tor safe cookie authentication server-to-controller hash";
export const CONTROLLER_TO_SERVER = "Tor safe cookie authentication controller-to-server hash";

/** What the fake claims and knows. */
export interface FakeControlOptions {
  /** `METHODS=` of `PROTOCOLINFO`, e.g. `COOKIE,SAFECOOKIE`. */
  methods: string;
  /** `COOKIEFILE=` of `PROTOCOLINFO`, when any. */
  cookieFile?: string;
  /**
   * The cookie the fake knows, as the real Tor does: its server hash is right and it checks the
   * client's. Without it, the server hash is random (what a program that only names a file
   * can do).
   */
  cookie?: Uint8Array;
  /** The password a `HASHEDPASSWORD` set-up accepts. */
  password?: string;
  /** Never answers anything (a control port that hangs). */
  silent?: boolean;
}

/** A running fake control port. */
export interface FakeControl extends AsyncDisposable {
  port: number;
  /** Every line rt sent, in order, without line ends. */
  received: string[];
  /** Everything rt sent, as text. */
  transcript(): string;
  close(): Promise<void>;
}

function hmac(key: string, ...parts: Uint8Array[]): Buffer {
  const mac = createHmac("sha256", key);
  for (const part of parts) mac.update(part);
  return mac.digest();
}

/** Starts a fake control port on 127.0.0.1. */
export function fakeControl(options: FakeControlOptions): FakeControl {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const received: string[] = [];
  const conns = new Set<Deno.Conn>();
  const serving: Promise<void>[] = [];
  const serve = async (conn: Deno.Conn) => {
    conns.add(conn);
    const encoder = new TextEncoder(), decoder = new TextDecoder();
    const send = async (text: string) => {
      const bytes = encoder.encode(text);
      for (let at = 0; at < bytes.length;) at += await conn.write(bytes.subarray(at));
    };
    let pending = "";
    let nonces: { client: Uint8Array; server: Uint8Array } | null = null;
    let authenticated = false;
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await conn.read(buffer);
        if (n === null) break;
        pending += decoder.decode(buffer.subarray(0, n), { stream: true });
        let end: number;
        while ((end = pending.indexOf("\r\n")) >= 0) {
          const line = pending.slice(0, end);
          pending = pending.slice(end + 2);
          received.push(line);
          if (options.silent) continue;
          const [verb, ...args] = line.split(" ");
          if (verb === "PROTOCOLINFO") {
            const file = options.cookieFile === undefined
              ? ""
              : ` COOKIEFILE="${options.cookieFile.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
            await send(
              `250-PROTOCOLINFO 1\r\n250-AUTH METHODS=${options.methods}${file}\r\n` +
                `250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n`,
            );
          } else if (verb === "AUTHCHALLENGE" && args[0] === "SAFECOOKIE" && args[1]) {
            const client = Uint8Array.from(Buffer.from(args[1], "hex"));
            const server = Uint8Array.from(randomBytes(32));
            nonces = { client, server };
            const hash = options.cookie
              ? hmac(SERVER_TO_CONTROLLER, options.cookie, client, server)
              : randomBytes(32);
            await send(
              `250 AUTHCHALLENGE SERVERHASH=${hash.toString("hex").toUpperCase()} ` +
                `SERVERNONCE=${Buffer.from(server).toString("hex").toUpperCase()}\r\n`,
            );
          } else if (verb === "AUTHENTICATE") {
            const given = args.join(" ");
            const expected = options.cookie && nonces
              ? hmac(CONTROLLER_TO_SERVER, options.cookie, nonces.client, nonces.server)
                .toString("hex")
              : null;
            const password = options.password === undefined
              ? null
              : `"${options.password.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
            authenticated = (expected !== null && given.toLowerCase() === expected) ||
              (password !== null && given === password) ||
              (options.methods.split(",").includes("NULL") && given === "");
            await send(
              authenticated ? "250 OK\r\n" : "515 Authentication failed: bad credentials\r\n",
            );
          } else if (verb === "ADD_ONION") {
            if (!authenticated) await send("514 Authentication required.\r\n");
            else await send(`250-ServiceID=${"a".repeat(56)}\r\n250 OK\r\n`);
          } else if (verb === "DEL_ONION") {
            await send("250 OK\r\n");
          } else {
            await send(`510 Unrecognized command "${verb}"\r\n`);
          }
        }
      }
    } catch {
      // rt closed the connection.
    } finally {
      conns.delete(conn);
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
  };
  const accepting = (async () => {
    try {
      for await (const conn of listener) serving.push(serve(conn));
    } catch {
      // Closed.
    }
  })();
  const close = async () => {
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    for (const conn of conns) {
      try {
        conn.close();
      } catch {
        // Already closed.
      }
    }
    await accepting;
    await Promise.all(serving);
  };
  return {
    port: (listener.addr as Deno.NetAddr).port,
    received,
    transcript: () => received.join("\n"),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** Forwards connections to `target` (e.g. a real Tor's control port), keeping both directions. */
export function recordingRelay(target: number) {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const transcript = { fromRt: "", fromTor: "" };
  const pipes: Promise<void>[] = [];
  const pump = async (from: Deno.Conn, to: Deno.Conn, key: "fromRt" | "fromTor") => {
    const buffer = new Uint8Array(4096);
    try {
      while (true) {
        const n = await from.read(buffer);
        if (n === null) break;
        transcript[key] += new TextDecoder().decode(buffer.subarray(0, n));
        for (let at = 0; at < n;) at += await to.write(buffer.subarray(at, n));
      }
    } catch {
      // One side closed.
    }
    try {
      to.close();
    } catch {
      // Already closed.
    }
  };
  const accepting = (async () => {
    try {
      for await (const client of listener) {
        const tor = await Deno.connect({ hostname: "127.0.0.1", port: target });
        pipes.push(pump(client, tor, "fromRt"), pump(tor, client, "fromTor"));
      }
    } catch {
      // Closed.
    }
  })();
  const close = async () => {
    try {
      listener.close();
    } catch {
      // Already closed.
    }
    await accepting;
    await Promise.all(pipes);
  };
  return {
    port: (listener.addr as Deno.NetAddr).port,
    transcript,
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** A real `tor` that never touches the Tor network, with cookie authentication on. */
export async function startTor(dataDir: string): Promise<AsyncDisposable & { port: number }> {
  await Deno.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (probe.addr as Deno.NetAddr).port;
  probe.close();
  const tor = new Deno.Command("tor", {
    args: [
      "-f",
      "/dev/null",
      "--ignore-missing-torrc",
      "--DataDirectory",
      dataDir,
      "--ControlPort",
      `127.0.0.1:${port}`,
      "--CookieAuthentication",
      "1",
      "--DisableNetwork",
      "1",
      "--SocksPort",
      "0",
      "--Log",
      "err stderr",
    ],
    stdout: "null",
    stderr: "piped",
  }).spawn();
  const stop = async () => {
    try {
      tor.kill("SIGTERM");
    } catch {
      // Exited.
    }
    await tor.status;
    await tor.stderr.cancel();
  };
  for (let i = 0; i < 200; i++) {
    try {
      (await Deno.connect({ hostname: "127.0.0.1", port })).close();
      return { port, [Symbol.asyncDispose]: stop };
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  await stop();
  throw new Error("tor did not open its control port");
}

/**
 * One end of the raw TCP copy that rt's file transfers are compared with, in its own process:
 * no encryption, no framing, no hashing, just a file read into a socket and a socket written
 * to a file with plain `read`/`write` loops. Three roles, chosen by the arguments:
 *
 * - `receive FILE [PORT]`: listens on 127.0.0.1 (a free port; prints `{"t":"port"}`), or with
 *   PORT connects there (to a relay; prints `{"t":"connected"}`); writes everything read to
 *   FILE, then prints `{"t":"done"}` with the bytes and its own CPU seconds, and exits.
 * - `send FILE PORT`: prints `{"t":"ready"}`, waits for a line on stdin, then connects to PORT,
 *   copies FILE into the socket, closes it, prints `{"t":"done"}` and exits.
 * - `relay`: listens (prints `{"t":"port"}`), takes two connections, the first the receiver and
 *   the second the sender, pipes the sender's bytes to the receiver, prints `{"t":"done"}`.
 *
 * @module
 */
import { HOSTNAME, RAW_BUFFER_BYTES } from "./config.ts";
import { ownCpuSeconds } from "./cpu.ts";
import { readLines } from "./lines.ts";

/** What a raw peer prints, one JSON object a line. */
export type RawEvent =
  | { t: "port"; port: number }
  | { t: "connected" }
  | { t: "ready" }
  | { t: "done"; bytes: number; cpuS: number };

const encoder = new TextEncoder();

function emit(event: RawEvent): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));
}

interface Reader {
  read(buffer: Uint8Array): Promise<number | null>;
}
interface Writer {
  write(bytes: Uint8Array): Promise<number>;
}

/** Copies until `from` ends; returns the bytes copied. */
async function copy(from: Reader, to: Writer): Promise<number> {
  const buffer = new Uint8Array(RAW_BUFFER_BYTES);
  let total = 0;
  while (true) {
    const n = await from.read(buffer);
    if (n === null) return total;
    for (let offset = 0; offset < n;) offset += await to.write(buffer.subarray(offset, n));
    total += n;
  }
}

function listen(): Deno.TcpListener {
  const listener = Deno.listen({ hostname: HOSTNAME, port: 0 });
  emit({ t: "port", port: listener.addr.port });
  return listener;
}

const [role, ...rest] = Deno.args;
const cpuAtStart = ownCpuSeconds();
const done = (bytes: number) => emit({ t: "done", bytes, cpuS: ownCpuSeconds() - cpuAtStart });

if (role === "receive") {
  const [path, port] = rest;
  let conn: Deno.TcpConn;
  if (port === undefined) {
    using listener = listen();
    conn = await listener.accept();
  } else {
    conn = await Deno.connect({ hostname: HOSTNAME, port: Number(port) });
    emit({ t: "connected" });
  }
  const file = await Deno.open(path!, { write: true, create: true, truncate: true });
  const bytes = await copy(conn, file);
  file.close();
  conn.close();
  done(bytes);
} else if (role === "send") {
  const [path, port] = rest;
  emit({ t: "ready" });
  await readLines(Deno.stdin.readable).next();
  const conn = await Deno.connect({ hostname: HOSTNAME, port: Number(port) });
  const file = await Deno.open(path!, { read: true });
  const bytes = await copy(file, conn);
  file.close();
  await conn.closeWrite();
  // Wait for the other side to close, so no byte is cut off by a reset.
  await conn.read(new Uint8Array(1));
  conn.close();
  done(bytes);
} else if (role === "relay") {
  using listener = listen();
  const receiver = await listener.accept();
  const sender = await listener.accept();
  const bytes = await copy(sender, receiver);
  await receiver.closeWrite();
  await receiver.read(new Uint8Array(1));
  receiver.close();
  sender.close();
  done(bytes);
} else {
  console.error("usage: raw_peer.ts receive FILE [PORT] | send FILE PORT | relay");
  Deno.exit(2);
}

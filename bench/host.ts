/**
 * The host process of the benchmark: a Room behind a RoomHost on 127.0.0.1, a free port and
 * the fixed password. Writes one JSON `HostEvent` a line to stdout, the first `ready` with the
 * port; then one per host notice or dropped member, and one `cpu` for each `cpu` line read on
 * stdin. Closes the room and exits when stdin ends (the runner closes it, or dies) or after
 * `LIFETIME_MS` at the latest.
 *
 * @module
 */
import { generateIdentity } from "../lib/identity/keys.ts";
import { Room } from "../lib/room/mod.ts";
import { RoomHost } from "../lib/host/mod.ts";
import { HOSTNAME, PASSWORD } from "./config.ts";
import { type CpuSample, ownCpuSeconds, sampleNow } from "./cpu.ts";
import { readLines } from "./lines.ts";

/** What the host process writes, one JSON object a line. */
export type HostEvent =
  | { t: "ready"; port: number; deno: string }
  | { t: "notice"; code: string; text: string }
  | { t: "dropped"; name: string | null; why: string }
  | ({ t: "cpu" } & CpuSample);

const LIFETIME_MS = 5 * 60_000;
const encoder = new TextEncoder();

function emit(event: HostEvent): void {
  Deno.stdout.writeSync(encoder.encode(JSON.stringify(event) + "\n"));
}

async function serveStdin(): Promise<void> {
  for await (const line of readLines(Deno.stdin.readable)) {
    if (line === "cpu") emit({ t: "cpu", ...sampleNow(ownCpuSeconds()) });
  }
}

const room = new Room({
  onActivity: (a) => {
    if (a.kind === "dropped") emit({ t: "dropped", name: a.name, why: a.why });
  },
});
const host = RoomHost.start(room, {
  password: () => PASSWORD,
  identity: generateIdentity(),
  // The benchmark measures the relay itself: no per-member rate limit, generous caps.
  limits: {
    messagesPerSecond: 1_000_000,
    messageBurst: 1_000_000,
    maxPending: 1_000,
    maxPendingPerAddress: 1_000,
    maxMembers: 1_000,
  },
  bind: HOSTNAME,
  port: 0,
  onNotice: (n) => emit({ t: "notice", code: n.code, text: n.text }),
});
emit({ t: "ready", port: host.port, deno: Deno.version.deno });

let timer: ReturnType<typeof setTimeout> | undefined;
await Promise.race([
  serveStdin(),
  new Promise<void>((resolve) => timer = setTimeout(resolve, LIFETIME_MS)),
]);
clearTimeout(timer);
await host.close();
Deno.exit(0);

/**
 * `deno task bench:profile [MEMBERS] [RATE] [SECONDS]`: where the rt host's time goes. Starts
 * the real host with the V8 inspector on loopback, runs the chat load against it, records a
 * CPU profile of the host over the measured seconds, and prints the functions that took the
 * most time (self time, and with what they call), grouped by source file.
 *
 * @module
 */
import { LoadRoom } from "./load.ts";
import { RtHost } from "./rt_host.ts";

const arg = (i: number, fallback: number) => Number(Deno.args[i] ?? fallback);
const [members, rate, seconds] = [arg(0, 50), arg(1, 1000), arg(2, 8)];
const INSPECT_PORT = 9339;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** A Chrome DevTools Protocol session over the inspector's WebSocket. */
// deno-lint-ignore no-explicit-any
type Send = (method: string, params?: unknown) => Promise<any>;

async function inspector(port: number): Promise<Send> {
  const list = await (await fetch(`http://127.0.0.1:${port}/json/list`)).json();
  const socket = new WebSocket(list[0].webSocketDebuggerUrl);
  await new Promise((resolve, reject) => {
    socket.onopen = resolve;
    socket.onerror = reject;
  });
  let id = 0;
  const waiting = new Map<number, (result: unknown) => void>();
  socket.onmessage = (m) => {
    const message = JSON.parse(m.data);
    if (message.id !== undefined) waiting.get(message.id)?.(message.result);
  };
  return (method, params = {}) =>
    new Promise((resolve) => {
      waiting.set(++id, resolve);
      socket.send(JSON.stringify({ id, method, params }));
    });
}

function summarize(profile: Profile): void {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + profile.timeDeltas[i]!));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const label = (n: ProfileNode) =>
    `${n.callFrame.functionName || "(anonymous)"} ${
      n.callFrame.url.replace(/^.*\/(lib|bench|node_modules|ext:)/, "$1")
    }:${n.callFrame.lineNumber + 1}`;
  const selfBy = new Map<string, number>();
  const inclusiveBy = new Map<string, number>();
  for (const [id, t] of self) {
    selfBy.set(label(byId.get(id)!), (selfBy.get(label(byId.get(id)!)) ?? 0) + t);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const l = label(byId.get(at)!);
      if (seen.has(l)) continue;
      seen.add(l);
      inclusiveBy.set(l, (inclusiveBy.get(l) ?? 0) + t);
    }
  }
  const top = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n)
      .map(([l, t]) => `${(100 * t / total).toFixed(1).padStart(5)} %  ${l}`).join("\n");
  console.log(
    `profile: ${(total / 1e6).toFixed(1)} s of samples\n\nself time:\n${top(selfBy, 30)}`,
  );
  console.log(`\nwith callees:\n${top(inclusiveBy, 40)}`);
}

const host = await RtHost.start({
  rate: 100_000,
  maxMembers: members + 1,
  denoFlags: [`--inspect=127.0.0.1:${INSPECT_PORT}`],
});
try {
  const room = await LoadRoom.open(host, members);
  try {
    await room.run({ rate, warmupS: 2, measureS: 0, stopWhenLate: false });
    const send = await inspector(INSPECT_PORT);
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 200 });
    await send("Profiler.start");
    const step = await room.run({ rate, warmupS: 0, measureS: seconds, stopWhenLate: false });
    const { profile } = await send("Profiler.stop");
    console.log(
      `${members} members × ${rate}/s: p99 ${step.latency.p99.toFixed(1)} ms, ${step.losses} lost`,
    );
    summarize(profile as Profile);
  } finally {
    await room.close();
  }
} finally {
  await host.stop();
}
Deno.exit(0);

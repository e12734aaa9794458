/**
 * The sender's window against a simulated link: a bottleneck of a given rate, served in order,
 * with a fixed delay each way, on a virtual clock. A fast link opens the window all the way; a
 * slow one keeps the queue near the target instead of filling it with megabytes.
 */
import { assertOk } from "../assert.ts";
import { Pacing } from "../../lib/files/pacing.ts";

const CHUNK = 128 * 1024;
const MIB = 1024 * 1024;

/** Sends for `durationMs` over a link of `rate` bytes/ms with `oneWayMs` each way. */
function simulate(rate: number, oneWayMs: number, durationMs: number, fixedWindow?: number) {
  let now = 0;
  const pacing = new Pacing({
    minBytes: 2 * CHUNK,
    maxBytes: 8 * MIB,
    initialBytes: MIB,
    targetMs: 100,
    now: () => now,
  });
  let sent = 0, acked = 0, linkFree = 0, worstQueueMs = 0, ackedAtWarmup = 0;
  const warmup = durationMs / 2;
  const acks: { at: number; end: number }[] = [];
  while (now < durationMs) {
    while (sent + CHUNK - acked <= (fixedWindow ?? pacing.window)) {
      const arrives = now + oneWayMs;
      const starts = Math.max(arrives, linkFree);
      linkFree = starts + CHUNK / rate;
      if (now > warmup) worstQueueMs = Math.max(worstQueueMs, starts - arrives);
      sent += CHUNK;
      pacing.sent(sent);
      acks.push({ at: linkFree + oneWayMs, end: sent });
    }
    const next = acks.shift()!;
    if (now <= warmup && next.at > warmup) ackedAtWarmup = acked;
    now = next.at;
    acked = next.end;
    pacing.acked(acked);
  }
  return { rate: (acked - ackedAtWarmup) / (durationMs - warmup), worstQueueMs, pacing };
}

Deno.test("a fast link: the window opens all the way and the link is kept full", () => {
  const { rate, pacing } = simulate(1_000_000, 0.2, 2_000); // 1 GB/s, 0.4 ms round trip
  assertOk(pacing.window === 8 * MIB, `window ${pacing.window}`);
  assertOk(rate > 0.9 * 1_000_000, `rate ${rate}`);
});

Deno.test("a slow link: the queue stays near the target, the link stays busy", () => {
  // 10 MB/s, 40 ms round trip: a fixed 8 MiB window would queue most of a second.
  const fixed = simulate(10_000, 20, 20_000, 8 * MIB);
  assertOk(fixed.worstQueueMs > 700, `fixed window queued only ${fixed.worstQueueMs} ms`);
  const paced = simulate(10_000, 20, 20_000);
  assertOk(paced.worstQueueMs < 250, `queued ${paced.worstQueueMs} ms`);
  assertOk(paced.rate > 0.9 * 10_000, `rate ${paced.rate}`);
  assertOk(Math.abs(paced.pacing.baseMs - 40 - CHUNK / 10_000) < 1, `base ${paced.pacing.baseMs}`);
});

Deno.test("a very slow link: the window goes down to its floor, never below", () => {
  const { pacing, rate } = simulate(100, 50, 200_000); // 100 kB/s
  assertOk(pacing.window >= 2 * CHUNK && pacing.window < 4 * CHUNK, `window ${pacing.window}`);
  assertOk(rate > 0.9 * 100, `rate ${rate}`);
});

/**
 * Joining, timed: connect + CPace handshake + `join` until `welcome`, one member after the
 * other into an otherwise empty room, each leaving before the next comes.
 *
 * @module
 */
import { HANDSHAKE_RUNS, HANDSHAKE_TIMEOUT_MS, HANDSHAKE_WARMUP } from "./config.ts";
import { type HandshakeSteps, joinRoom } from "./member.ts";
import { summarize, type Summary } from "./stats.ts";

/** Timings of the measured joins, in ms. */
export interface HandshakeResult {
  runs: number;
  /** Connect, handshake and join until `welcome`. */
  total: Summary;
  /** The CPace handshake alone. */
  handshake: Summary;
  /** The TCP connect alone. */
  connect: Summary;
  /** From sending `join` to `welcome`. */
  welcome: Summary;
  /** The handshake's steps, as the joiner's socket sees them (see `HandshakeSteps`). */
  steps: Record<keyof HandshakeSteps, Summary>;
}

/** Joins `HANDSHAKE_WARMUP` + `HANDSHAKE_RUNS` times, stopping early after `budgetMs`. */
export async function benchHandshake(port: number, budgetMs: number): Promise<HandshakeResult> {
  const total: number[] = [];
  const handshake: number[] = [];
  const connect: number[] = [];
  const welcome: number[] = [];
  const steps: HandshakeSteps[] = [];
  const end = performance.now() + budgetMs;
  for (let i = 0; i < HANDSHAKE_WARMUP + HANDSHAKE_RUNS && performance.now() < end; i++) {
    const joined = await joinRoom(port, `joiner${i}`, HANDSHAKE_TIMEOUT_MS);
    await joined.session.close();
    if (i < HANDSHAKE_WARMUP) continue;
    total.push(joined.totalMs);
    handshake.push(joined.handshakeMs);
    connect.push(joined.connectMs);
    welcome.push(joined.welcomeMs);
    steps.push(joined.steps);
  }
  const step = (name: keyof HandshakeSteps) => summarize(steps.map((s) => s[name]));
  return {
    runs: total.length,
    total: summarize(total),
    handshake: summarize(handshake),
    connect: summarize(connect),
    welcome: summarize(welcome),
    steps: {
      greeting: step("greeting"),
      share: step("share"),
      reply: step("reply"),
      finish: step("finish"),
      identities: step("identities"),
    },
  };
}

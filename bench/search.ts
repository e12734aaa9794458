/**
 * The highest offered rate the room sustains: double from a start rate until a rate fails
 * (delivery p99 over the limit; a near miss, under twice the limit, is tried again, up to
 * `SEARCH_TRIES` tries), halve instead if the first rate fails, then bisect (geometrically)
 * between the last good and the first bad rate. Any lost delivery ends the search at once.
 *
 * @module
 */
import {
  P99_LIMIT_MS,
  SEARCH_MAX_RATE,
  SEARCH_MAX_STEPS,
  SEARCH_MEASURE_S,
  SEARCH_MIN_RATE,
  SEARCH_RESOLUTION,
  SEARCH_START_RATE,
  SEARCH_TRIES,
  SEARCH_WARMUP_S,
} from "./config.ts";
import type { LoadRoom, StepResult } from "./load.ts";

/** The outcome of the search. */
export interface SearchResult {
  /** Highest rate that passed, in messages/s; null when none did. */
  best: number | null;
  /** Lowest rate that failed; null when none did. */
  firstBad: number | null;
  /** Why the search ended. */
  ended: string;
  steps: StepResult[];
}

/** Runs the search; no step starts after `deadline` (a `performance.now()` time). */
export async function searchMaxRate(
  room: LoadRoom,
  deadline: number,
  onStep: (step: StepResult) => void,
): Promise<SearchResult> {
  const steps: StepResult[] = [];
  let good: number | null = null;
  let bad: number | null = null;
  let rate = SEARCH_START_RATE;
  const done = (ended: string) => ({ best: good, firstBad: bad, ended, steps });
  while (true) {
    let passed = false;
    for (let t = 0; t < SEARCH_TRIES && !passed; t++) {
      if (steps.length >= SEARCH_MAX_STEPS) return done(`step limit (${SEARCH_MAX_STEPS})`);
      if (performance.now() > deadline) return done("time budget spent");
      const step = await room.run({
        rate,
        warmupS: SEARCH_WARMUP_S,
        measureS: SEARCH_MEASURE_S,
        stopWhenLate: true,
      });
      steps.push(step);
      onStep(step);
      if (room.broken) return done(`the room broke: ${room.broken}`);
      if (step.losses > 0) {
        bad = rate;
        return done(`${step.losses} deliveries lost at ${rate}/s`);
      }
      passed = step.ok;
      if (!(step.latency.p99 < 2 * P99_LIMIT_MS)) break;
    }
    if (passed) good = rate;
    else bad = rate;
    if (bad === null) {
      rate *= 2;
      if (rate > SEARCH_MAX_RATE) return done(`reached the rate cap (${SEARCH_MAX_RATE}/s)`);
    } else if (good === null) {
      rate /= 2;
      if (rate < SEARCH_MIN_RATE) return done(`no rate down to ${SEARCH_MIN_RATE}/s passed`);
    } else {
      if (bad / good <= SEARCH_RESOLUTION) {
        return done(`bracketed within ${Math.round((SEARCH_RESOLUTION - 1) * 100)} %`);
      }
      rate = Math.round(Math.sqrt(good * bad) / 10) * 10;
    }
  }
}

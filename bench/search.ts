/**
 * The highest offered rate the room sustains. Each rate is tried up to `SEARCH_TRIES` times
 * and the median decides (so the tries stop once a majority agrees); a rate whose median passes
 * must then hold for a step as long as the fixed-rate one (the fixed step itself, at its
 * rate), or it fails. From a start rate: double until a rate fails, halve instead if the first
 * one fails, then bisect (geometrically) between the last good and the first bad rate. A lost
 * delivery, an invalid step (the load saturated) or a broken room ends the search at once.
 *
 * @module
 */
import {
  FIXED_MEASURE_S,
  FIXED_WARMUP_S,
  SEARCH_BUDGET_MS,
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
import { median } from "./stats.ts";

/** Everything measured at one rate. */
export interface RateTrial {
  rate: number;
  tries: StepResult[];
  /** The median of the tries' delivery p99, in ms. */
  medianP99: number;
  /** How many tries passed. */
  passedTries: number;
  /** The step as long as the fixed-rate one, run once the median passed (else null). */
  confirmation: StepResult | null;
  /** The median passed and the confirmation held. */
  passed: boolean;
}

/** The outcome of the search. */
export interface SearchResult {
  /** Highest rate that passed, in messages/s; null when none did. */
  best: number | null;
  /** Lowest rate that failed; null when none did. */
  firstBad: number | null;
  /** Why the search ended. */
  ended: string;
  trials: RateTrial[];
}

/** What the tries of one rate say so far: the median passes, fails, or is not known yet. */
export function verdict(tries: StepResult[], most = SEARCH_TRIES): "pass" | "fail" | "more" {
  const majority = Math.floor(most / 2) + 1;
  const passed = tries.filter((t) => t.ok).length;
  if (passed >= majority) return "pass";
  if (tries.length - passed >= majority || tries.length >= most) return "fail";
  return "more";
}

/** The next rate to try after the bracket `good`..`bad` moved, or why the search ends. */
export function nextRate(
  rate: number,
  good: number | null,
  bad: number | null,
): { rate: number } | { ended: string } {
  if (bad === null) {
    return rate * 2 > SEARCH_MAX_RATE
      ? { ended: `reached the rate cap (${SEARCH_MAX_RATE}/s)` }
      : { rate: rate * 2 };
  }
  if (good === null) {
    return rate / 2 < SEARCH_MIN_RATE
      ? { ended: `no rate down to ${SEARCH_MIN_RATE}/s passed` }
      : { rate: rate / 2 };
  }
  if (bad / good <= SEARCH_RESOLUTION) {
    return { ended: `bracketed within ${Math.round((SEARCH_RESOLUTION - 1) * 100)} %` };
  }
  return { rate: Math.round(Math.sqrt(good * bad) / 10) * 10 };
}

/** Why a step ends the search at once (and whether its rate failed), or null. */
function fatal(room: LoadRoom, step: StepResult): { why: string; failed: boolean } | null {
  if (room.broken) return { why: `the room broke: ${room.broken}`, failed: true };
  if (step.losses > 0) {
    return { why: `${step.losses} deliveries lost at ${step.rate}/s`, failed: true };
  }
  // The load, not the host, may be the limit: nothing is known of this rate.
  if (step.invalid) return { why: `invalid at ${step.rate}/s: ${step.invalid}`, failed: false };
  return null;
}

/**
 * Runs the search. `fixed` is the fixed-rate step measured before, which is the confirmation
 * of its own rate. No step starts after `SEARCH_BUDGET_MS` nor beyond `SEARCH_MAX_STEPS`.
 */
export async function searchMaxRate(
  room: LoadRoom,
  fixed: StepResult,
  onStep: (step: StepResult, what: string) => void,
): Promise<SearchResult> {
  const deadline = performance.now() + SEARCH_BUDGET_MS;
  const trials: RateTrial[] = [];
  let steps = 0;
  let good: number | null = null;
  let bad: number | null = null;
  let rate = SEARCH_START_RATE;
  const done = (ended: string): SearchResult => ({ best: good, firstBad: bad, ended, trials });
  const budgetLeft = () =>
    steps >= SEARCH_MAX_STEPS
      ? `step limit (${SEARCH_MAX_STEPS})`
      : performance.now() > deadline
      ? `time budget spent (${SEARCH_BUDGET_MS / 1000} s)`
      : null;
  while (true) {
    const trial: RateTrial = {
      rate,
      tries: [],
      medianP99: NaN,
      passedTries: 0,
      confirmation: null,
      passed: false,
    };
    trials.push(trial);
    while (verdict(trial.tries) === "more") {
      const spent = budgetLeft();
      if (spent) return done(spent);
      const step = await room.run({
        rate,
        warmupS: SEARCH_WARMUP_S,
        measureS: SEARCH_MEASURE_S,
        stopWhenLate: true,
      });
      steps++;
      trial.tries.push(step);
      trial.medianP99 = median(trial.tries.map((t) => t.latency.p99));
      trial.passedTries = trial.tries.filter((t) => t.ok).length;
      onStep(step, `try ${trial.tries.length}`);
      const end = fatal(room, step);
      if (end) {
        if (end.failed) bad = rate;
        return done(end.why);
      }
    }
    if (verdict(trial.tries) === "pass") {
      if (rate === fixed.rate) trial.confirmation = fixed;
      else {
        const spent = budgetLeft();
        if (spent) return done(spent);
        trial.confirmation = await room.run({
          rate,
          warmupS: FIXED_WARMUP_S,
          measureS: FIXED_MEASURE_S,
          stopWhenLate: true,
        });
        steps++;
        onStep(trial.confirmation, "confirmation");
        const end = fatal(room, trial.confirmation);
        if (end) {
          if (end.failed) bad = rate;
          return done(end.why);
        }
      }
      trial.passed = trial.confirmation.ok;
    }
    if (trial.passed) good = rate;
    else bad = rate;
    const next = nextRate(rate, good, bad);
    if ("ended" in next) return done(next.ended);
    rate = next.rate;
  }
}

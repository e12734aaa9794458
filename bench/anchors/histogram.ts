/**
 * A log histogram of durations (1 % wide buckets, like `../stats.ts`) that can be sent as JSON
 * from the load processes and merged in the benchmark's process.
 *
 * @module
 */
import type { Summary } from "../stats.ts";

const SMALLEST_MS = 0.001;
const GROWTH = 1.01;
const BUCKETS = Math.ceil(Math.log(600_000 / SMALLEST_MS) / Math.log(GROWTH)) + 1;

/** A histogram as JSON: non-empty buckets as [index, count] pairs, the sum and the max. */
export interface HistogramJson {
  buckets: [number, number][];
  sum: number;
  max: number;
}

/** Durations from 1 µs to 10 min; percentiles are bucket upper bounds (within 1 %). */
export class MergeableHistogram {
  readonly #counts = new Float64Array(BUCKETS);
  #count = 0;
  #sum = 0;
  #max = 0;

  /** Records one duration in ms. */
  add(ms: number): void {
    const i = ms <= SMALLEST_MS ? 0 : Math.ceil(Math.log(ms / SMALLEST_MS) / Math.log(GROWTH));
    this.#counts[Math.min(i, BUCKETS - 1)]!++;
    this.#count++;
    this.#sum += ms;
    if (ms > this.#max) this.#max = ms;
  }

  /** Adds the durations of a histogram sent as JSON. */
  merge(other: HistogramJson): void {
    for (const [i, n] of other.buckets) {
      this.#counts[i]! += n;
      this.#count += n;
    }
    this.#sum += other.sum;
    this.#max = Math.max(this.#max, other.max);
  }

  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, i) => n > 0 && buckets.push([i, n]));
    return { buckets, sum: this.#sum, max: this.#max };
  }

  /** Percentile `q` (0..1). */
  quantile(q: number): number {
    const target = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= target) return Math.min(SMALLEST_MS * GROWTH ** i, this.#max);
    }
    return NaN;
  }

  /** The summary, in the shape of the rest of the benchmark's figures. */
  summary(): Summary {
    return {
      count: this.#count,
      p50: this.quantile(0.5),
      p99: this.quantile(0.99),
      max: this.#max,
      mean: this.#sum / this.#count,
    };
  }
}

/**
 * Percentiles: exact ones over a small sample, and a fixed-size log histogram (1 % wide
 * buckets) for the millions of deliveries of a load step, which the load processes send as
 * JSON and the runner merges.
 *
 * @module
 */

/** Summary of a set of durations, in ms. */
export interface Summary {
  count: number;
  p50: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile `q` (0..1) of ascending `sorted`. */
function rank(sorted: ArrayLike<number>, q: number): number {
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? NaN;
}

/** Exact summary of a sample. */
export function summarize(samples: number[]): Summary {
  const sorted = Float64Array.from(samples).sort();
  const sum = samples.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    p50: rank(sorted, 0.5),
    p99: rank(sorted, 0.99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sum / sorted.length,
  };
}

const SMALLEST_MS = 0.001;
const GROWTH = 1.01;
const BUCKETS = Math.ceil(Math.log(600_000 / SMALLEST_MS) / Math.log(GROWTH)) + 1;

/** A histogram as JSON: the non-empty buckets as [index, count] pairs, the sum and the max. */
export interface HistogramJson {
  buckets: [number, number][];
  sum: number;
  max: number;
}

/** Durations from 1 µs to 10 min in buckets 1 % wide; percentiles are bucket upper bounds. */
export class Histogram {
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

  /** Adds the durations of a histogram sent as JSON (from another process). */
  merge(other: HistogramJson): void {
    for (const [i, n] of other.buckets) {
      this.#counts[Math.min(i, BUCKETS - 1)]! += n;
      this.#count += n;
    }
    this.#sum += other.sum;
    this.#max = Math.max(this.#max, other.max);
  }

  /** The histogram as JSON, for {@link merge} elsewhere. */
  toJSON(): HistogramJson {
    const buckets: [number, number][] = [];
    this.#counts.forEach((n, i) => n > 0 && buckets.push([i, n]));
    return { buckets, sum: this.#sum, max: this.#max };
  }

  /** Recorded durations. */
  get count(): number {
    return this.#count;
  }

  /** Percentile `q` (0..1), within 1 % (NaN when empty). */
  quantile(q: number): number {
    if (this.#count === 0) return NaN;
    const target = Math.max(1, Math.ceil(q * this.#count));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.#counts[i]!;
      if (seen >= target) return Math.min(SMALLEST_MS * GROWTH ** i, this.#max);
    }
    return NaN;
  }

  /** The summary so far. */
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

/** The median of `values` (the mean of the middle two for an even count; NaN when empty). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  if (sorted.length === 0) return NaN;
  return Number.isInteger(mid) ? (sorted[mid - 1]! + sorted[mid]!) / 2 : sorted[Math.floor(mid)]!;
}

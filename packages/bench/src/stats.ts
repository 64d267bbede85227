/**
 * Summary statistics of recorded latencies, and the ratio formatting every table uses. Pure functions, so the unit
 * tests can check them on known arrays.
 */

/** Latency percentiles of one cell, in microseconds. */
export interface LatencySummary {
  /** Number of recorded operations. */
  readonly n: number;
  /** Median, microseconds. */
  readonly p50: number;
  /** 99th percentile, microseconds. */
  readonly p99: number;
}

/**
 * The `p`-th percentile (0 < p <= 100) of an ascending array by the nearest-rank method: the smallest value with at
 * least p% of the values at or below it. Nearest-rank never invents a value that was not measured, which matters for
 * a tail figure such as p99 taken from a few thousand samples.
 */
export function percentile(sortedAscending: ArrayLike<number>, p: number): number {
  const n = sortedAscending.length;
  if (n === 0) throw new RangeError('percentile of an empty sample');
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1] as number;
}

/** p50 and p99 of latencies given in nanoseconds, reported in microseconds. The input is not modified. */
export function summarizeNanos(latenciesNs: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(latenciesNs).sort();
  return { n: sorted.length, p50: percentile(sorted, 50) / 1000, p99: percentile(sorted, 99) / 1000 };
}

/** `value / baseline`, or NaN when either is missing or the baseline is not positive. */
export function ratio(value: number | undefined, baseline: number | undefined): number {
  if (value === undefined || baseline === undefined || !(baseline > 0) || !Number.isFinite(value)) return Number.NaN;
  return value / baseline;
}

/** A ratio as `1.07x` (two decimals), or `n/a` when it could not be computed. */
export function formatRatio(value: number): string {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}

/** A latency in microseconds with a unit that keeps three significant figures: `87.4 µs`, `1.23 ms`. */
export function formatMicros(us: number): string {
  if (!Number.isFinite(us)) return 'n/a';
  if (us < 1000) return `${us < 100 ? us.toFixed(1) : us.toFixed(0)} µs`;
  const ms = us / 1000;
  return `${ms < 10 ? ms.toFixed(2) : ms < 100 ? ms.toFixed(1) : ms.toFixed(0)} ms`;
}

/** Operations per second, rounded, with thousands separators: `12,345/s`. */
export function formatRate(opsPerSecond: number): string {
  if (!Number.isFinite(opsPerSecond)) return 'n/a';
  return `${Math.round(opsPerSecond).toLocaleString('en-US')}/s`;
}

/** Bytes as KiB with one decimal (`3.4 KiB`). */
export function formatKiB(bytes: number): string {
  return Number.isFinite(bytes) ? `${(bytes / 1024).toFixed(1)} KiB` : 'n/a';
}

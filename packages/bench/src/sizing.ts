/**
 * How many operations each cell runs. Latency cells run the `--ops` count (a share of it on the emulators). A
 * throughput cell of a fast backend would be over in a few milliseconds at that count, short enough for one
 * descheduling of this process to swing the figure, so throughput cells run about two seconds per contender at the
 * pace the warm-up saw (never fewer than the latency count, never more than ten times it). With `--seconds`, both
 * counts come from the warm-up's pace instead.
 */
import type { WarmUpPace } from './runner';

/** Inputs of {@link cellSizes}. */
export interface SizingOptions {
  /** Operations per latency cell requested with `--ops`; undefined when `seconds` decides. */
  readonly ops?: number;
  /** Seconds of measurement wanted for the backend (`--seconds`). */
  readonly seconds?: number;
  /** Fraction of `ops` this backend runs (the emulators run fewer). */
  readonly share: number;
  /** Whether the backend has a throughput phase. */
  readonly throughput: boolean;
  /** Operations per contender (set, get, take). */
  readonly operations: number;
}

/** Fewest operations in a cell: below this p99 is not a percentile of anything. */
export const MIN_OPS = 50;
/** Seconds a throughput cell should last per contender, at the warm-up's pace. */
export const THROUGHPUT_CELL_SECONDS = 2;
/** Share of `--seconds` given to the latency phase when there is a throughput phase too. */
const LATENCY_SHARE = 0.6;

function harmonicMean(values: readonly number[]): number {
  const positive = values.filter((value) => value > 0);
  if (positive.length === 0) return 0;
  return positive.length / positive.reduce((sum, value) => sum + 1 / value, 0);
}

/** Operations per latency cell and per throughput cell (0 when there is no throughput phase). */
export function cellSizes(pace: WarmUpPace, options: SizingOptions): { ops: number; throughputOps: number } {
  const sumMeanNs = pace.meanNs.reduce((sum, value) => sum + value, 0);
  let ops: number;
  if (options.ops !== undefined) {
    ops = Math.max(MIN_OPS, Math.round(options.ops * options.share));
  } else {
    const budgetNs = (options.seconds ?? 10) * 1e9 * (options.throughput ? LATENCY_SHARE : 1);
    ops = Math.max(MIN_OPS, Math.floor(budgetNs / Math.max(1, sumMeanNs * options.operations)));
  }
  if (!options.throughput) return { ops, throughputOps: 0 };
  const rate = harmonicMean(pace.rate);
  let throughputOps: number;
  if (options.ops !== undefined) {
    throughputOps = Math.min(10 * ops, Math.max(ops, Math.round(rate * THROUGHPUT_CELL_SECONDS)));
  } else {
    const secondsPerIndex = pace.rate.reduce((sum, value) => sum + (value > 0 ? 1 / value : 0), 0) * options.operations;
    throughputOps = Math.max(
      MIN_OPS,
      Math.floor(((options.seconds ?? 10) * (1 - LATENCY_SHARE)) / Math.max(1e-9, secondsPerIndex)),
    );
  }
  return { ops, throughputOps };
}

/**
 * The measurement loop. Contenders of one backend are interleaved round-robin in small blocks (the starting contender
 * rotates every block), so a burst of load from another process on this shared machine lands on all of them alike
 * instead of on whichever happened to run at that moment.
 *
 * Per operation, the set phase writes keys 0..n-1, the get phase reads those keys, and the take phase consumes them,
 * so every get and take hits an existing entry and each contender ends with its namespace empty.
 */
import { hrtime } from 'node:process';
import { type Contender, invoke, type Operation } from './contender';
import { heapAllocated } from './memory';
import { type LatencySummary, summarizeNanos } from './stats';

/** How much to run. */
export interface RunPlan {
  /** Operations per contender per cell at concurrency 1. */
  readonly ops: number;
  /** Operations per contender per cell at the throughput concurrency. */
  readonly throughputOps: number;
  /** Warm-up operations per contender per operation, at concurrency 1 and again at the throughput concurrency. */
  readonly warmup: number;
  /** Operations per contender per block at concurrency 1. */
  readonly latencyBlock: number;
  /** Operations per contender per block at the throughput concurrency. */
  readonly throughputBlock: number;
  /** Concurrency of the throughput phase; 0 skips it. */
  readonly concurrency: number;
}

/** Everything measured for one contender. */
export interface ContenderResult {
  /** p50/p99 at concurrency 1, per operation. */
  readonly latency: Partial<Record<Operation, LatencySummary>>;
  /** Operations per second at the throughput concurrency, per operation. */
  readonly throughput: Partial<Record<Operation, number>>;
  /** JavaScript heap bytes allocated per operation at concurrency 1, per operation. */
  readonly heapPerOp: Partial<Record<Operation, number>>;
}

/** Results of one backend, in the order of its contenders. */
export interface BackendResult {
  /** One entry per contender, same order as given. */
  readonly contenders: readonly ContenderResult[];
  /** Operations per contender per cell run at concurrency 1. */
  readonly ops: number;
  /** Operations per contender per cell run at the throughput concurrency. */
  readonly throughputOps: number;
  /** Wall time of the measured phases (warm-up excluded), in seconds. */
  readonly seconds: number;
}

/** The key of operation `index` in a phase; contenders add their own namespace. About the length of an OAuth code. */
export function benchKey(runTag: string, phase: string, index: number): string {
  return `${runTag}.${phase}.${String(index).padStart(8, '0')}`;
}

function blocks(ops: number, size: number): Array<[number, number]> {
  const result: Array<[number, number]> = [];
  for (let start = 0; start < ops; start += size) result.push([start, Math.min(ops, start + size)]);
  return result;
}

/** Runs keys [start, end) with `concurrency` workers pulling the next index, like a busy server's request handlers. */
export async function runConcurrently(
  contender: Contender,
  operation: Operation,
  keyOf: (index: number) => string,
  start: number,
  end: number,
  concurrency: number,
): Promise<void> {
  let next = start;
  const worker = async () => {
    while (next < end) {
      const index = next++;
      await invoke(contender, operation, keyOf(index));
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, end - start) }, worker));
}

/** What the warm-up saw, per contender (same order): used to size the measured phases. */
export interface WarmUpPace {
  /** Mean nanoseconds per operation at concurrency 1. */
  readonly meanNs: readonly number[];
  /** Operations per second at the throughput concurrency (0 when that phase is off). */
  readonly rate: readonly number[];
}

/**
 * Warm-up: JIT, connection pools, server-side caches (prepared scripts, plans). Each contender runs its own
 * set/get/take on keys no measurement uses, first one at a time, then twice at the throughput concurrency.
 */
export async function warmUp(
  contenders: readonly Contender[],
  operations: readonly Operation[],
  plan: Pick<RunPlan, 'warmup' | 'concurrency'>,
  runTag: string,
): Promise<WarmUpPace> {
  const meanNs: number[] = [];
  const rate: number[] = [];
  for (const [position, contender] of contenders.entries()) {
    const keyOf = (index: number) => benchKey(runTag, `warm${position}`, index);
    let started = hrtime.bigint();
    for (const operation of operations) {
      for (let index = 0; index < plan.warmup; index++) await invoke(contender, operation, keyOf(index));
    }
    meanNs.push(Number(hrtime.bigint() - started) / Math.max(1, plan.warmup * operations.length));
    if (plan.concurrency > 0) {
      // Twice: the first pass also opens the pool's connections, so only the second one tells the pace.
      for (const pass of [1, 2]) {
        started = hrtime.bigint();
        for (const operation of operations) {
          await runConcurrently(
            contender,
            operation,
            keyOf,
            pass * plan.warmup,
            (pass + 1) * plan.warmup,
            plan.concurrency,
          );
        }
      }
      rate.push((plan.warmup * operations.length) / (Number(hrtime.bigint() - started) / 1e9));
    } else {
      rate.push(0);
    }
  }
  return { meanNs, rate };
}

/** Measures every contender of a backend; see the module comment for the order and interleaving. */
export async function measureBackend(
  contenders: readonly Contender[],
  operations: readonly Operation[],
  plan: RunPlan,
  runTag: string,
): Promise<BackendResult> {
  const results = contenders.map((): ContenderResult => ({ latency: {}, throughput: {}, heapPerOp: {} }));
  const started = hrtime.bigint();

  // Concurrency 1: each operation's latency on its own, recorded with the monotonic high-resolution clock.
  for (const operation of operations) {
    const latencies = contenders.map(() => new Float64Array(plan.ops));
    const heap = contenders.map(() => 0);
    for (const [blockIndex, [start, end]] of blocks(plan.ops, plan.latencyBlock).entries()) {
      for (let turn = 0; turn < contenders.length; turn++) {
        const position = (blockIndex + turn) % contenders.length;
        const contender = contenders[position] as Contender;
        const recorded = latencies[position] as Float64Array;
        const keyOf = (index: number) => benchKey(runTag, `c1.${position}`, index);
        heap[position] =
          (heap[position] as number) +
          (await heapAllocated(async () => {
            for (let index = start; index < end; index++) {
              const t0 = hrtime.bigint();
              await invoke(contender, operation, keyOf(index));
              recorded[index] = Number(hrtime.bigint() - t0);
            }
          }));
      }
    }
    results.forEach((result, position) => {
      result.latency[operation] = summarizeNanos(latencies[position] as Float64Array);
      result.heapPerOp[operation] = (heap[position] as number) / plan.ops;
    });
  }

  // Throughput: wall time of each block with `concurrency` operations in flight; ops/s = operations / total time.
  if (plan.concurrency > 0) {
    for (const operation of operations) {
      const elapsedNs = contenders.map(() => 0);
      for (const [blockIndex, [start, end]] of blocks(plan.throughputOps, plan.throughputBlock).entries()) {
        for (let turn = 0; turn < contenders.length; turn++) {
          const position = (blockIndex + turn) % contenders.length;
          const keyOf = (index: number) => benchKey(runTag, `c${plan.concurrency}.${position}`, index);
          const t0 = hrtime.bigint();
          await runConcurrently(contenders[position] as Contender, operation, keyOf, start, end, plan.concurrency);
          elapsedNs[position] = (elapsedNs[position] as number) + Number(hrtime.bigint() - t0);
        }
      }
      results.forEach((result, position) => {
        result.throughput[operation] = plan.throughputOps / ((elapsedNs[position] as number) / 1e9);
      });
    }
  }

  return {
    contenders: results,
    ops: plan.ops,
    throughputOps: plan.throughputOps,
    seconds: Number(hrtime.bigint() - started) / 1e9,
  };
}

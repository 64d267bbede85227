/**
 * Where a contender's JavaScript heap allocation comes from, measured rather than argued: each operation runs under
 * V8's sampling heap profiler (the inspector's `HeapProfiler` domain, in this process), which records the stack of
 * about one allocation per {@link SAMPLING_INTERVAL_BYTES} bytes allocated. Objects a garbage collection has freed by
 * the time the profile stops are kept in it (`includeObjectsCollectedByMajorGC/MinorGC`), so the profile counts what
 * was allocated, as the JS heap / op column does, not what is still alive. The sampled bytes are summed per category
 * of code (the CPU profile's categories, profile.ts) and per function, and divided by the operations run.
 *
 * A missed heap target's explanation is the difference of two such profiles (ours minus raw), per category.
 */
import type { Contender, Operation } from './contender';
import { categoryOf, notableDeltas, withInspector } from './profile';
import { benchKey, runConcurrently } from './runner';

/** Mean bytes between two samples: small against the 1-10 KiB per operation being explained. */
const SAMPLING_INTERVAL_BYTES = 128;

/** One operation's allocation profile, per operation run. */
export interface AllocationProfile {
  /** Operations profiled. */
  readonly ops: number;
  /** Sampled JS heap bytes allocated per operation, in all. */
  readonly bytesPerOp: number;
  /** The same by category of code (see `categoryOf` in profile.ts), largest first. */
  readonly byCategory: Readonly<Record<string, number>>;
  /** The functions that allocated most, bytes per operation. */
  readonly top: ReadonlyArray<{ readonly fn: string; readonly bytesPerOp: number }>;
}

/** A contender's allocation profiles per operation. */
export type ContenderAllocations = Partial<Record<Operation, AllocationProfile>>;

/** A node of V8's sampling heap profile: a call stack position and the bytes sampled with it on top. */
export interface HeapProfileNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapProfileNode[];
}

function label(node: HeapProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  return `${functionName || '(anonymous)'} ${url.slice(url.lastIndexOf('/') + 1)}:${lineNumber + 1}`;
}

/**
 * Sums a sampling heap profile's bytes per category and per function, per operation. A frame without a script (V8's
 * own allocations, a builtin such as `push`) counts toward the nearest caller that has one, so an array grown by our
 * code is charged to our code, not to `native`.
 */
export function summarizeAllocations(head: HeapProfileNode, ops: number): Omit<AllocationProfile, 'ops'> {
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  let total = 0;
  const visit = (node: HeapProfileNode, owner: HeapProfileNode | undefined) => {
    const charged = node.callFrame.url === '' && owner ? owner : node;
    if (node.selfSize > 0) {
      total += node.selfSize;
      const category = categoryOf(charged.callFrame.functionName, charged.callFrame.url);
      byCategory.set(category, (byCategory.get(category) ?? 0) + node.selfSize);
      const fn = label(charged);
      byFunction.set(fn, (byFunction.get(fn) ?? 0) + node.selfSize);
    }
    for (const child of node.children) visit(child, charged.callFrame.url === '' ? owner : charged);
  };
  visit(head, undefined);
  const perOp = (bytes: number) => bytes / Math.max(1, ops);
  return {
    bytesPerOp: perOp(total),
    byCategory: Object.fromEntries([...byCategory].sort((a, b) => b[1] - a[1]).map(([name, b]) => [name, perOp(b)])),
    top: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 6)
      .map(([fn, bytes]) => ({ fn, bytesPerOp: perOp(bytes) })),
  };
}

/**
 * Profiles the allocations of `ops` operations of each of `operations` on the contender, one at a time (the pattern
 * of the JS heap / op column: concurrency 1), on keys of its own.
 */
export async function allocationProfileContender(
  contender: Contender,
  operations: readonly Operation[],
  ops: number,
  runTag: string,
  position: number,
): Promise<ContenderAllocations> {
  return withInspector(async (session) => {
    await session.post('HeapProfiler.enable');
    const result: ContenderAllocations = {};
    for (const operation of operations) {
      const keyOf = (index: number) => benchKey(runTag, `heap${position}`, index);
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: SAMPLING_INTERVAL_BYTES,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      });
      await runConcurrently(contender, operation, keyOf, 0, ops, 1);
      const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: HeapProfileNode } };
      result[operation] = { ops, ...summarizeAllocations(profile.head, ops) };
    }
    await session.post('HeapProfiler.disable');
    return result;
  });
}

/** Allocation categories whose per-operation bytes differ by at least this much are named in a comparison. */
const NOTABLE_BYTES = 64;

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

/**
 * How `profile` differs from `baseline`, in words: the sampled bytes per operation of each, the categories that
 * allocate notably more or less, largest first, then ours' heaviest allocating functions.
 */
export function describeAllocationDifference(
  label: string,
  baselineLabel: string,
  profile: AllocationProfile | undefined,
  baseline: AllocationProfile | undefined,
): string | undefined {
  if (!profile || !baseline) return undefined;
  const deltas = notableDeltas(profile.byCategory, baseline.byCategory, NOTABLE_BYTES);
  const signed = (bytes: number) => `${bytes >= 0 ? '+' : '−'}${kib(Math.abs(bytes))}`;
  const heaviest = profile.top
    .slice(0, 4)
    .map((entry) => `${entry.fn} ${kib(entry.bytesPerOp)}`)
    .join(', ');
  return (
    `${label} ${kib(profile.bytesPerOp)}/op vs ${baselineLabel} ${kib(baseline.bytesPerOp)}/op sampled; ` +
    `by category: ${deltas.map(([category, delta]) => `${category} ${signed(delta)}`).join(', ') || 'no notable difference'}` +
    (heaviest ? `; ${label}'s heaviest allocating functions: ${heaviest}` : '')
  );
}

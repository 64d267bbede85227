/**
 * Where a contender's time goes, measured rather than argued: each operation runs under V8's sampling CPU profiler
 * (the inspector's `Profiler` domain, in this process, every 50 µs), and the samples' self time is summed per
 * category of code (our core runtime, the adapter's driver, the envelope, each client library, Node's internals,
 * garbage collection) and divided by the operations run. Time the process spent with nothing to run is `idle`: at
 * concurrency 1 that is the wait for the server, so a difference there is server-side (or network) work.
 *
 * A missed target's explanation in the report is the difference of two such profiles (ours minus raw, or the envelope
 * minus ours), per category: the categories that grew are where the extra time went.
 */
import { Session } from 'node:inspector/promises';
import type { Contender, Operation } from './contender';
import { benchKey, runConcurrently } from './runner';

/** Sampling interval of the profiler, microseconds: fine enough for operations of 20-100 µs. */
const SAMPLING_INTERVAL_US = 50;

/** One operation's profile, per operation run. */
export interface OperationProfile {
  /** Operations profiled. */
  readonly ops: number;
  /** Wall time per operation in the profiled loop, microseconds (the profiler itself adds a little). */
  readonly wallUsPerOp: number;
  /** Self time per operation by category (see {@link categoryOf}), microseconds; sums to about `wallUsPerOp`. */
  readonly usPerOp: Readonly<Record<string, number>>;
  /** The functions with the most self time (excluding idle), microseconds per operation. */
  readonly top: ReadonlyArray<{ readonly fn: string; readonly usPerOp: number }>;
}

/** A contender's profiles per operation. */
export type ContenderProfile = Partial<Record<Operation, OperationProfile>>;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/**
 * The category of a profile node: `idle`, `gc`, `program` (V8's own work outside JavaScript), `core runtime`,
 * `adapter (<package>)`, `envelope`, `bench harness`, `library <npm package>`, `node internals` or `native`.
 */
export function categoryOf(functionName: string, url: string): string {
  if (url === '') {
    if (functionName === '(idle)') return 'idle';
    if (functionName === '(garbage collector)') return 'gc';
    if (functionName === '(program)' || functionName === '(root)') return 'program';
    return 'native';
  }
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const parts = url.slice(modules + '/node_modules/'.length).split('/');
    const name = parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
    return `library ${name}`;
  }
  const ours = /\/packages\/([^/]+)\//.exec(url);
  if (ours) {
    const name = ours[1];
    if (name === 'core') return 'core runtime';
    if (name === 'envelope') return 'envelope';
    if (name === 'bench') return 'bench harness';
    return `adapter (${name})`;
  }
  return 'other';
}

function functionLabel(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  if (url === '') return functionName || '(anonymous)';
  const file = url.slice(url.lastIndexOf('/') + 1);
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}`;
}

/** Sums a profile's self time per category and per function, in microseconds. */
export function summarizeProfile(
  profile: CpuProfile,
  ops: number,
): Pick<OperationProfile, 'usPerOp' | 'top' | 'wallUsPerOp'> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const byCategory = new Map<string, number>();
  const byFunction = new Map<string, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (let index = 0; index < samples.length; index++) {
    // timeDeltas[i] is the time before sample i; the time a sample stands for is the gap to the next one.
    const micros = deltas[index + 1] ?? 0;
    const node = byId.get(samples[index]!);
    if (!node) continue;
    const category = categoryOf(node.callFrame.functionName, node.callFrame.url);
    byCategory.set(category, (byCategory.get(category) ?? 0) + micros);
    if (category !== 'idle') {
      const label = functionLabel(node);
      byFunction.set(label, (byFunction.get(label) ?? 0) + micros);
    }
  }
  const perOp = (micros: number) => micros / Math.max(1, ops);
  return {
    wallUsPerOp: perOp(profile.endTime - profile.startTime),
    usPerOp: Object.fromEntries([...byCategory].sort((a, b) => b[1] - a[1]).map(([name, us]) => [name, perOp(us)])),
    top: [...byFunction]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 8)
      .map(([fn, us]) => ({ fn, usPerOp: perOp(us) })),
  };
}

/**
 * Profiles `ops` operations of each of `operations` on the contender, `concurrency` at a time: 1 is the latency
 * phase's pattern, 64 the throughput phase's (workers pulling the next key). The set phase writes keys the get phase
 * reads and the take phase consumes; each concurrency gets keys of its own.
 */
export async function profileContender(
  contender: Contender,
  operations: readonly Operation[],
  ops: number,
  runTag: string,
  position: number,
  concurrency = 1,
): Promise<ContenderProfile> {
  return withInspector(async (session) => {
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: SAMPLING_INTERVAL_US });
    const result: ContenderProfile = {};
    for (const operation of operations) {
      const keyOf = (index: number) => benchKey(runTag, `prof${position}c${concurrency}`, index);
      await session.post('Profiler.start');
      await runConcurrently(contender, operation, keyOf, 0, ops, concurrency);
      const { profile } = (await session.post('Profiler.stop')) as { profile: CpuProfile };
      result[operation] = { ops, ...summarizeProfile(profile, ops) };
    }
    await session.post('Profiler.disable');
    return result;
  });
}

/**
 * The categories in which `profile` differs from `baseline` by at least `notable` (either way), as [category, profile
 * minus baseline], largest difference first. Shared by the CPU and the allocation comparisons.
 */
export function notableDeltas(
  profile: Readonly<Record<string, number>>,
  baseline: Readonly<Record<string, number>>,
  notable: number,
): Array<readonly [string, number]> {
  const categories = new Set([...Object.keys(profile), ...Object.keys(baseline)]);
  return [...categories]
    .map((category) => [category, (profile[category] ?? 0) - (baseline[category] ?? 0)] as const)
    .filter(([, delta]) => Math.abs(delta) >= notable)
    .sort((a, b) => Math.abs(b[1]) - Math.abs(a[1]));
}

/** Runs `work` with an inspector session on this process, connected for it and disconnected after, whatever happens. */
export async function withInspector<T>(work: (session: Session) => Promise<T>): Promise<T> {
  const session = new Session();
  session.connect();
  try {
    return await work(session);
  } finally {
    session.disconnect();
  }
}

/** Categories whose per-operation time differs by at least this much are named in a comparison, microseconds. */
const NOTABLE_US = 0.3;

/**
 * How `profile` differs from `baseline`, in words: the wall time per operation of each, then each category that grew
 * or shrank by a notable amount, largest first, then ours' heaviest functions.
 */
export function describeDifference(
  label: string,
  baselineLabel: string,
  profile: OperationProfile | undefined,
  baseline: OperationProfile | undefined,
): string | undefined {
  if (!profile || !baseline) return undefined;
  const deltas = notableDeltas(profile.usPerOp, baseline.usPerOp, NOTABLE_US);
  const signed = (us: number) => `${us >= 0 ? '+' : '−'}${Math.abs(us).toFixed(1)} µs`;
  const heaviest = profile.top
    .slice(0, 4)
    .map((entry) => `${entry.fn} ${entry.usPerOp.toFixed(1)} µs`)
    .join(', ');
  return (
    `${label} ${profile.wallUsPerOp.toFixed(1)} µs/op vs ${baselineLabel} ${baseline.wallUsPerOp.toFixed(1)} µs/op; ` +
    `by category: ${deltas.map(([category, delta]) => `${category} ${signed(delta)}`).join(', ') || 'no notable difference'}` +
    (heaviest ? `; ${label}'s heaviest functions (self time): ${heaviest}` : '')
  );
}

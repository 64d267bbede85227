/** The per-backend results table (Markdown, which also reads well in a terminal), and per-backend detail lines. */
import type { BackendRun } from './run-backend';

/** A backend that could not be soaked at all (its server did not start, a worker could not start...). */
export interface BackendError {
  backend: string;
  error: string;
}

const HEADER = [
  'backend',
  'ops',
  'faults',
  'double takes',
  'lost writes',
  'stale reads',
  'applied after failure',
  'errors by code',
  'untyped / slow errors (late)',
  'recovered',
  'p50 ms',
  'p99 ms',
  'peak heap MB',
  'heap slope MB/min',
  'verdict',
];

function errorsByCode(codes: Record<string, number>): string {
  const entries = Object.entries(codes).sort((a, b) => b[1] - a[1]);
  return entries.length ? entries.map(([code, count]) => `${code} ${count}`).join(', ') : 'none';
}

function row(run: BackendRun): string[] {
  const f = run.findings;
  const longLived = f.heap.filter((h) => h.samples >= 10);
  const slope = longLived.length ? Math.max(...longLived.map((h) => h.slopeMbPerMin)).toFixed(2) : 'n/a';
  const recovered = run.faults.length - f.unrecovered;
  return [
    run.backend,
    String(f.ops),
    String(run.faults.length),
    String(f.doubleTakes),
    `${f.lostWrites} of ${f.checkedWrites}${f.excusedWrites ? ` (+${f.excusedWrites} excused)` : ''}${f.unverifiedWrites ? `, ${f.unverifiedWrites} unreadable` : ''}`,
    `${f.staleReads} of ${f.expiredReads}`,
    `${f.appliedAfterFailure} of ${f.checkedFailedWrites}${f.lateUnknownWrites ? ` (${f.lateUnknownWrites} unknown-outcome writes landed late)` : ''}`,
    errorsByCode(f.errorsByCode),
    `${f.untypedErrors} / ${f.slowFailures}${f.lateFailures ? ` (${f.lateFailures})` : ''}`,
    `${recovered}/${run.faults.length}${run.faults.length ? `, ≤ ${(f.maxRecoveryMs / 1000).toFixed(1)} s` : ''}`,
    String(f.latencyMs.p50),
    String(f.latencyMs.p99),
    f.heap.length ? Math.max(...f.heap.map((h) => h.peakMb)).toFixed(1) : 'n/a',
    slope,
    run.passed ? 'PASS' : `FAIL${run.hungWorkers ? ` (${run.hungWorkers} hung)` : ''}`,
  ];
}

/** The results table as Markdown. */
export function resultsTable(runs: BackendRun[], errors: BackendError[] = []): string {
  const lines = [`| ${HEADER.join(' | ')} |`, `|${HEADER.map(() => '---').join('|')}|`];
  for (const run of runs) lines.push(`| ${row(run).join(' | ')} |`);
  for (const { backend, error } of errors) {
    lines.push(
      `| ${[backend, ...HEADER.slice(1, -1).map(() => '-'), `ERROR: ${error.replaceAll('|', '/')}`].join(' | ')} |`,
    );
  }
  return lines.join('\n');
}

/** Per-backend details: what ran, durability, each fault with its timing, each worker's heap. */
export function details(run: BackendRun): string {
  const f = run.findings;
  const lines = [
    `### ${run.backend}`,
    '',
    `- server: ${run.description}`,
    `- durability: ${run.durability}`,
    `- workload: ${(run.durationMs / 1000).toFixed(1)} s, ${run.workersStarted} worker processes started (replacements included), ${f.ops} operations, ${f.failedOps} failed`,
    `- longest failed adapter call: ${f.maxFailureMs} ms; longest event-loop delay in a worker: ${f.maxLagMs} ms${f.lateFailures ? `; ${f.lateFailures} failed calls overran the bound while their worker's event loop was blocked at least as long` : ''}`,
  ];
  if (run.faults.length) {
    lines.push('- faults:');
    for (const fault of run.faults) {
      lines.push(
        `  - ${fault.name} at +${((fault.t0 - run.startedAt) / 1000).toFixed(1)} s, ${fault.t1 - fault.t0} ms until back${fault.losesData ? ' (loses data: earlier writes excused)' : ''}${fault.error ? `; FAILED: ${fault.error}` : ''}`,
      );
    }
  }
  lines.push('- worker heaps (MB, start / peak / end, slope of the second half in MB/min):');
  for (const h of f.heap) {
    lines.push(
      `  - ${h.worker}: ${h.startMb.toFixed(1)} / ${h.peakMb.toFixed(1)} / ${h.endMb.toFixed(1)}, ${h.slopeMbPerMin.toFixed(2)} (${h.samples} samples)`,
    );
  }
  return lines.join('\n');
}

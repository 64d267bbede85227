/**
 * The checkers: pure functions from the workers' logs (plus the faults injected and the final read-back) to
 * findings. Each one states what the store must have done, whatever the faults, and counts where it did not.
 */
import type { CallFailureRecord, HeapRecord, LogRecord, OpRecord } from './log';

/** A fault as it was injected: when it started and when the backend (or the replacement worker) was back. */
export interface FaultRecord {
  name: string;
  t0: number;
  t1: number;
  /** The backend was expected to forget acknowledged writes (an in-memory server restarted). */
  losesData: boolean;
  /** Set when injecting the fault itself failed (for example the server did not come back). */
  error?: string;
}

/** What the final read-back found for one client id. */
export type ReadBack = 'found' | 'missing' | 'error';

/** What the final read-back found under a probe key whose first write failed (see {@link failedWrites}). */
export type ProbeReadBack = 'first' | 'overwrite' | 'missing' | 'error';

/** Tolerances of the checks, in ms. */
export interface CheckLimits {
  /** The adapters' bound on one operation. */
  timeoutMs: number;
  /** Scheduling lag tolerated on top of `timeoutMs` before a failure counts as slow. */
  slackMs: number;
  /** Tolerated lag between an entry's expiry and the store no longer returning it. */
  clockSlackMs: number;
}

/** One worker process's heap over its life. */
export interface HeapSummary {
  worker: string;
  samples: number;
  startMb: number;
  peakMb: number;
  endMb: number;
  /** Least-squares slope over the second half of its samples, MB per minute (warm-up left out). */
  slopeMbPerMin: number;
}

/** Everything the checkers found for one backend. */
export interface Findings {
  ops: number;
  failedOps: number;
  errorsByCode: Record<string, number>;
  /** Extra receipts of a code's grant: a grant received twice counts 1. */
  doubleTakes: number;
  /** Client registrations acknowledged, never deleted, and not readable at the end. */
  lostWrites: number;
  /** Registrations the lost-write check covered. */
  checkedWrites: number;
  /** Registrations acknowledged before an expected data loss (in-memory restart), so not checked. */
  excusedWrites: number;
  /** Registrations the final read-back could not read (the store kept failing). */
  unverifiedWrites: number;
  /** Reads that returned a token set after its expiry (plus clock slack). */
  staleReads: number;
  /** Reads of token sets started after their expiry (the chances to return a stale entry). */
  expiredReads: number;
  /**
   * Writes the store reported failed with `outcomeUnknown: false` ("certainly not applied") whose value was found
   * stored at the end: applied after they were reported failed (a resend after a reconnect).
   */
  appliedAfterFailure: number;
  /** Failed writes with `outcomeUnknown: false` the read-back checked. */
  checkedFailedWrites: number;
  /**
   * Writes that failed with `outcomeUnknown: true` (allowed to have landed) whose value was found over a LATER
   * acknowledged overwrite: they landed after another write had succeeded. Reported, not a failure of the contract.
   */
  lateUnknownWrites: number;
  /** Failures that were not an OAuthStoreError. */
  untypedErrors: number;
  /**
   * Failed adapter calls that took longer than the timeout plus slack, when the worker's event loop was not blocked
   * long enough to explain it: the store did not honour its bound.
   */
  slowFailures: number;
  /**
   * Failed adapter calls that overran the bound while the worker's event loop was blocked (a starved CPU, a
   * synchronous SDK start-up) at least as long as the overrun: no timer can fire then, so they are reported apart.
   */
  lateFailures: number;
  maxFailureMs: number;
  /** Longest event-loop delay any worker saw. */
  maxLagMs: number;
  /** Faults after which no operation succeeded. */
  unrecovered: number;
  /** Longest time from a fault's end to the first operation that succeeded after it. */
  maxRecoveryMs: number;
  unhandled: number;
  /** What each unhandled rejection or uncaught exception was (name and code, never a message). */
  unhandledKinds: string[];
  latencyMs: { p50: number; p99: number };
  heap: HeapSummary[];
}

const isOp = (record: LogRecord): record is OpRecord => record.k === 'op';

/** Client ids whose registration was acknowledged and that no worker ever tried to delete. */
export function expectedClients(records: LogRecord[]): string[] {
  const deleted = new Set(records.flatMap((r) => (r.k === 'intent' ? [r.key] : [])));
  return records.flatMap((r) =>
    isOp(r) && r.op === 'register-client' && r.ok && r.key && !deleted.has(r.key) ? [r.key] : [],
  );
}

/** Every issue of a code carries a unique nonce: receiving the same nonce twice is a code redeemed twice. */
export function countDoubleTakes(records: LogRecord[]): number {
  const received = new Map<string, number>();
  for (const r of records) {
    if (isOp(r) && r.op === 'code' && r.ok && r.r === 'ok' && r.n) received.set(r.n, (received.get(r.n) ?? 0) + 1);
  }
  let extra = 0;
  for (const count of received.values()) extra += count - 1;
  return extra;
}

/**
 * Acknowledged, undeleted registrations the read-back did not find. A registration that started before the end of a
 * fault that loses data (an in-memory server restarted) is excused: the backend never promised to keep it.
 */
export function lostWrites(
  records: LogRecord[],
  faults: FaultRecord[],
  readBack: Map<string, ReadBack>,
): Pick<Findings, 'lostWrites' | 'checkedWrites' | 'excusedWrites' | 'unverifiedWrites'> {
  const registeredAt = new Map<string, number>();
  for (const r of records) if (isOp(r) && r.op === 'register-client' && r.ok && r.key) registeredAt.set(r.key, r.t0);
  const lossEnds = faults.filter((f) => f.losesData).map((f) => f.t1);
  const result = { lostWrites: 0, checkedWrites: 0, excusedWrites: 0, unverifiedWrites: 0 };
  for (const id of expectedClients(records)) {
    const t0 = registeredAt.get(id) as number;
    if (lossEnds.some((end) => t0 < end)) {
      result.excusedWrites++;
      continue;
    }
    result.checkedWrites++;
    const found = readBack.get(id);
    if (found === 'missing') result.lostWrites++;
    else if (found !== 'found') result.unverifiedWrites++;
  }
  return result;
}

/**
 * Token sets written with `expiresAt`: the store derives the TTL from it when called (at or after t0, never below
 * 1 s) and starts counting when the write lands (by t1), so the entry is gone by t1 + max(exp - t0, 1000). A read
 * that STARTED later than that plus the clock slack and still returned the token set is a stale read.
 */
export function staleReads(records: LogRecord[], clockSlackMs: number): Pick<Findings, 'staleReads' | 'expiredReads'> {
  const deadline = new Map<string, number>();
  for (const r of records) {
    if (isOp(r) && r.op === 'token-put' && r.ok && r.key && r.exp !== undefined) {
      deadline.set(r.key, r.t1 + Math.max(r.exp - r.t0, 1_000) + clockSlackMs);
    }
  }
  const result = { staleReads: 0, expiredReads: 0 };
  for (const r of records) {
    if (!isOp(r) || r.op !== 'token-get' || !r.ok || !r.key) continue;
    const gone = deadline.get(r.key);
    if (gone === undefined || r.t0 <= gone) continue;
    result.expiredReads++;
    if (r.r === 'found') result.staleReads++;
  }
  return result;
}

/** Probe keys whose first write failed: the keys the final read-back must look at. */
export function failedProbeKeys(records: LogRecord[]): string[] {
  return records.flatMap((r) => (isOp(r) && r.op === 'probe-write' && !r.ok && r.key ? [r.key] : []));
}

/**
 * Failed writes applied after all. Each probe writes a fresh key; when that write fails, a later probe overwrites the
 * key (acknowledged). At the end, a key whose first write failed with `outcomeUnknown: false` must not hold the first
 * value: the store said it was not applied, and neither before the overwrite (which would have replaced it) nor after
 * may it be. A first write that failed with `outcomeUnknown: true` may have landed, but finding it over an
 * acknowledged overwrite means it landed after that overwrite (`lateUnknownWrites`, reported apart).
 */
export function failedWrites(
  records: LogRecord[],
  probes: Map<string, ProbeReadBack>,
): Pick<Findings, 'appliedAfterFailure' | 'checkedFailedWrites' | 'lateUnknownWrites'> {
  const overwritten = new Set(
    records.flatMap((r) => (isOp(r) && r.op === 'probe-overwrite' && r.ok && r.key ? [r.key] : [])),
  );
  const result = { appliedAfterFailure: 0, checkedFailedWrites: 0, lateUnknownWrites: 0 };
  for (const r of records) {
    if (!isOp(r) || r.op !== 'probe-write' || r.ok || !r.key) continue;
    const found = probes.get(r.key);
    if (r.unk === false) {
      if (found === undefined || found === 'error') continue;
      result.checkedFailedWrites++;
      if (found === 'first') result.appliedAfterFailure++;
    } else if (found === 'first' && overwritten.has(r.key)) {
      result.lateUnknownWrites++;
    }
  }
  return result;
}

/** How often a worker samples its heap and loop delay (worker.ts). */
const SAMPLE_INTERVAL_MS = 1_000;

/** Failed operations by code, failures that were not typed, and failed adapter calls slower than the bound. */
export function failures(
  records: LogRecord[],
  limits: CheckLimits,
): Pick<
  Findings,
  'failedOps' | 'errorsByCode' | 'untypedErrors' | 'slowFailures' | 'lateFailures' | 'maxFailureMs' | 'maxLagMs'
> {
  const errorsByCode: Record<string, number> = {};
  let failedOps = 0;
  let untypedErrors = 0;
  let slowFailures = 0;
  let lateFailures = 0;
  let maxFailureMs = 0;
  const lags = records.filter((r): r is HeapRecord => r.k === 'heap');
  // A worker samples every second; two samples further apart than that mean its timers could not fire in between
  // (the process was not scheduled on the loaded host), which the loop-delay histogram does not always record.
  const previous = new Map<string, number>();
  const stalls = new Map<HeapRecord, number>();
  for (const s of lags) {
    const before = previous.get(s.w);
    stalls.set(s, Math.max(s.lag ?? 0, before === undefined ? 0 : s.t - before - SAMPLE_INTERVAL_MS));
    previous.set(s.w, s.t);
  }
  // Each sample covers the second before it, so a sample up to a second after the call can describe it.
  const worstLag = (w: string, from: number, to: number) =>
    lags.reduce(
      (max, s) => (s.w === w && s.t >= from && s.t <= to + 1_000 ? Math.max(max, stalls.get(s) ?? 0) : max),
      0,
    );
  for (const r of records) {
    if (isOp(r) && !r.ok) {
      failedOps++;
      const code = r.err ?? 'untyped:none';
      errorsByCode[code] = (errorsByCode[code] ?? 0) + 1;
      if (code.startsWith('untyped:')) untypedErrors++;
    } else if (r.k === 'call-fail') {
      const call = r as CallFailureRecord;
      if (call.err.startsWith('untyped:')) untypedErrors++;
      maxFailureMs = Math.max(maxFailureMs, call.ms);
      // A set whose outcome is unknown reads the entry back with its own bound to find out whether it landed, so the
      // contract bounds it by twice timeoutMs (ByteStore in packages/core/src/contract.ts); every other call by one.
      const bound = call.m === 'set' ? 2 * limits.timeoutMs : limits.timeoutMs;
      if (call.ms <= bound + limits.slackMs) continue;
      const overrun = call.ms - bound;
      if (worstLag(call.w, call.t0, call.t0 + call.ms) + limits.slackMs >= overrun) lateFailures++;
      else slowFailures++;
    }
  }
  const maxLagMs = lags.reduce((max, s) => Math.max(max, stalls.get(s) ?? 0), 0);
  return { failedOps, errorsByCode, untypedErrors, slowFailures, lateFailures, maxFailureMs, maxLagMs };
}

/**
 * A fault is recovered from when an operation started after its end succeeded; a fault that ended after the
 * workload stopped counts as recovered when the final read-back read everything without error.
 */
export function recovery(
  records: LogRecord[],
  faults: FaultRecord[],
  runEnd: number,
  readBackClean: boolean,
): Pick<Findings, 'unrecovered' | 'maxRecoveryMs'> {
  const successes = records
    .filter((r): r is OpRecord => isOp(r) && r.ok)
    .map((r) => [r.t0, r.t1] as const)
    .sort((a, b) => a[0] - b[0]);
  let unrecovered = 0;
  let maxRecoveryMs = 0;
  for (const fault of faults) {
    if (fault.error) {
      unrecovered++;
      continue;
    }
    const firstEnd = successes.filter(([t0]) => t0 >= fault.t1).reduce((min, [, t1]) => Math.min(min, t1), Infinity);
    if (firstEnd < Infinity) maxRecoveryMs = Math.max(maxRecoveryMs, firstEnd - fault.t1);
    else if (!(fault.t1 >= runEnd && readBackClean)) unrecovered++;
  }
  return { unrecovered, maxRecoveryMs };
}

function slope(points: Array<[number, number]>): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0);
  return sxx === 0 ? 0 : sxy / sxx;
}

/** Start, peak and end heap of each worker process, and the slope of its second half. */
export function heapSummaries(records: LogRecord[]): HeapSummary[] {
  const byWorker = new Map<string, HeapRecord[]>();
  for (const r of records) {
    if (r.k !== 'heap') continue;
    const samples = byWorker.get(r.w) ?? [];
    samples.push(r);
    byWorker.set(r.w, samples);
  }
  const mb = (bytes: number) => bytes / 1024 / 1024;
  return [...byWorker.entries()].map(([worker, samples]) => {
    samples.sort((a, b) => a.t - b.t);
    const half = samples.slice(Math.floor(samples.length / 2));
    return {
      worker,
      samples: samples.length,
      startMb: mb(samples[0]!.heap),
      peakMb: mb(Math.max(...samples.map((s) => s.heap))),
      endMb: mb(samples.at(-1)!.heap),
      slopeMbPerMin: slope(half.map((s) => [s.t / 60_000, mb(s.heap)])),
    };
  });
}

/** Nearest-rank percentile of successful operation durations. */
export function latency(records: LogRecord[]): Findings['latencyMs'] {
  const durations = records
    .filter((r): r is OpRecord => isOp(r) && r.ok)
    .map((r) => r.t1 - r.t0)
    .sort((a, b) => a - b);
  const at = (p: number) => (durations.length ? durations[Math.ceil((p / 100) * durations.length) - 1]! : 0);
  return { p50: at(50), p99: at(99) };
}

/** Runs every checker. */
export function check(input: {
  records: LogRecord[];
  faults: FaultRecord[];
  readBack: Map<string, ReadBack>;
  /** Read-back of the probe keys whose first write failed; none read when absent. */
  probes?: Map<string, ProbeReadBack>;
  runEnd: number;
  limits: CheckLimits;
}): Findings {
  const { records, faults, readBack, runEnd, limits } = input;
  const writes = lostWrites(records, faults, readBack);
  return {
    ops: records.filter(isOp).length,
    ...failures(records, limits),
    doubleTakes: countDoubleTakes(records),
    ...writes,
    ...staleReads(records, limits.clockSlackMs),
    ...failedWrites(records, input.probes ?? new Map()),
    ...recovery(records, faults, runEnd, writes.unverifiedWrites === 0),
    unhandled: records.filter((r) => r.k === 'unhandled').length,
    unhandledKinds: records.flatMap((r) => (r.k === 'unhandled' ? [r.what] : [])),
    latencyMs: latency(records),
    heap: heapSummaries(records),
  };
}

/** True when the findings show no violation of the store's promises. */
export function passed(findings: Findings, hungWorkers = 0): boolean {
  return (
    findings.doubleTakes === 0 &&
    findings.lostWrites === 0 &&
    findings.unverifiedWrites === 0 &&
    findings.staleReads === 0 &&
    findings.appliedAfterFailure === 0 &&
    findings.untypedErrors === 0 &&
    findings.slowFailures === 0 &&
    findings.unrecovered === 0 &&
    findings.unhandled === 0 &&
    hungWorkers === 0
  );
}

/**
 * The project's performance targets, checked against a run. Latency targets are judged on p50 (on a shared, loaded
 * machine p99 mostly measures the neighbours); the p99 ratios are in the tables.
 *
 * When a target is missed, the check attaches the measured reason: how the profile of ours (or of the envelope)
 * differs from the raw client's (or from ours without it), per category of code, taken in the same run. Latency
 * targets are explained by the CPU profiles at concurrency 1, throughput targets by CPU profiles taken at the
 * throughput concurrency (profile.ts), heap targets by sampled allocation profiles (allocation-profile.ts).
 */

import { describeAllocationDifference } from './allocation-profile';
import type { Operation, Role } from './contender';
import type { LoginResult } from './login';
import { describeDifference } from './profile';
import type { BackendReport, ContenderRow, RunReport } from './report';
import { growth, retainedGrowth, type ScaleResult } from './scale-result';
import { formatRatio, ratio } from './stats';

/** One target and its verdict. */
export interface TargetCheck {
  /** Stable id for scripts, for example `redis/adapter-latency`. */
  readonly id: string;
  /** The target in words. */
  readonly target: string;
  /** What the figures were compared with: `<=` a ratio limit, `>=` a ratio floor, or `<=` a byte budget. */
  readonly limit: {
    readonly comparison: '<=' | '>=';
    readonly value: number;
    readonly unit: 'ratio' | 'bytes' | 'loads';
  };
  /** The measured value per operation (ratios, or bytes over the budget's baseline), as compared with the limit. */
  readonly values: Readonly<Record<string, number>>;
  /** `values` in words, as the Markdown table shows them. */
  readonly measured: string;
  readonly met: boolean;
  /** Why it falls short; only when it does. */
  readonly why?: string;
}

/**
 * The limits of issue 16 ("Performance at the limit"), each judged on every operation of the backend. SQLite and
 * MySQL/MariaDB, which the issue predates, get the rule it gives "the other backends" (ours within 1.10x of raw).
 */
export const LIMITS = {
  envelopeLatency: 1.15,
  envelopeThroughput: 0.85,
  redisLatency: 1.1,
  redisThroughput: 0.8,
  postgresLatency: 1.05,
  postgresThroughput: 0.95,
  otherLatency: 1.1,
  /** JS heap per operation: ours at most the raw client's plus this many bytes. */
  heapOverRawBytes: 2048,
  /** Listing/migrating 10x more clients may raise the heap peak by at most this factor ("flat"). */
  scaleHeapGrowth: 2,
  /** The shared store's login p50 at most this times per-instance memory's. */
  loginP50: 1.3,
} as const;
/** Back-compat names. */
export const ADAPTER_LATENCY_LIMIT = LIMITS.otherLatency;
export const ENVELOPE_LATENCY_LIMIT = LIMITS.envelopeLatency;
/** Key-source loads allowed in the fixed-size run. */
export const KEY_LOADS_LIMIT = 1;

function row(backend: BackendReport, role: Role): ContenderRow | undefined {
  return backend.rows.find((candidate) => candidate.role === role);
}

function latencyRatio(backend: BackendReport, role: Role, baseline: Role, operation: Operation): number {
  return ratio(
    row(backend, role)?.result.latency[operation]?.p50,
    row(backend, baseline)?.result.latency[operation]?.p50,
  );
}

function throughputRatio(backend: BackendReport, role: Role, baseline: Role, operation: Operation): number {
  return ratio(row(backend, role)?.result.throughput[operation], row(backend, baseline)?.result.throughput[operation]);
}

/**
 * Why the missed operations fall short, from the run's CPU profiles (see profile.ts): per operation, how `role`'s
 * profile differs from `baseline`'s by category of code, at concurrency 1 (latency targets) or at the throughput
 * concurrency (throughput targets). Without profiles (`--no-profile`), it says so.
 */
export function explain(
  backend: BackendReport,
  role: Role,
  baseline: Role,
  missed: readonly Operation[],
  phase: 'latency' | 'throughput' = 'latency',
): string {
  const label = role === 'envelope' ? 'envelope' : 'ours';
  const baselineLabel = baseline === 'raw' ? 'raw' : 'ours';
  const profiles = phase === 'latency' ? backend.profiles : backend.throughputProfiles;
  const parts = missed.flatMap((operation) => {
    const text = describeDifference(
      label,
      baselineLabel,
      profiles?.[role]?.[operation],
      profiles?.[baseline]?.[operation],
    );
    return text ? [`${operation}: ${text}.`] : [];
  });
  const concurrency = phase === 'latency' ? 1 : backend.concurrency;
  return parts.length > 0
    ? `CPU profile, concurrency ${concurrency}, per operation: ${parts.join(' ')}`
    : 'see the tables (no CPU profile in this run: run without --no-profile for the breakdown).';
}

/**
 * Why ours allocates more JS heap per operation than the raw client, from the run's sampled allocation profiles (see
 * allocation-profile.ts), per missed operation and category of code.
 */
export function explainAllocations(backend: BackendReport, missed: readonly Operation[]): string {
  const parts = missed.flatMap((operation) => {
    const text = describeAllocationDifference(
      'ours',
      'raw',
      backend.allocations?.adapter?.[operation],
      backend.allocations?.raw?.[operation],
    );
    return text ? [`${operation}: ${text}.`] : [];
  });
  return parts.length > 0
    ? `Allocation profile (V8 sampling heap profiler, concurrency 1), per operation: ${parts.join(' ')}`
    : 'see the JS heap / op column of the tables (no allocation profile in this run: run without --no-profile).';
}

function check(
  id: string,
  target: string,
  limit: TargetCheck['limit'],
  operations: readonly Operation[],
  value: (operation: Operation) => number,
  why: (missed: readonly Operation[]) => string,
  format: (value: number) => string = formatRatio,
): TargetCheck {
  const values = operations.map((operation) => [operation, value(operation)] as const);
  const passes = (measured: number) =>
    Number.isFinite(measured) && (limit.comparison === '<=' ? measured <= limit.value : measured >= limit.value);
  const missed = values.filter(([, measured]) => !passes(measured)).map(([operation]) => operation);
  return {
    id,
    target,
    limit,
    values: Object.fromEntries(values),
    measured: values.map(([operation, measured]) => `${operation} ${format(measured)}`).join(', '),
    met: missed.length === 0,
    ...(missed.length > 0 ? { why: why(missed) } : {}),
  };
}

const ratioLimit = (comparison: '<=' | '>=', value: number) => ({ comparison, value, unit: 'ratio' }) as const;

/** Latency and throughput limits of ours against raw, per backend (issue 16; SQLite/MySQL: the "other" rule). */
const ADAPTER_LIMITS: Record<string, { latency: number; throughput?: number }> = {
  redis: { latency: LIMITS.redisLatency, throughput: LIMITS.redisThroughput },
  postgres: { latency: LIMITS.postgresLatency, throughput: LIMITS.postgresThroughput },
};

/** Backends whose envelope targets issue 16 sets. */
const ENVELOPE_BACKENDS = ['redis', 'postgres'];

/** Every target the run has data for, in a stable order (per backend: adapter, envelope, heap; then key loads). */
export function checkTargets(report: RunReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const backend of report.backends) {
    if (!row(backend, 'adapter') || !row(backend, 'raw')) continue;
    const limits = ADAPTER_LIMITS[backend.name] ?? { latency: LIMITS.otherLatency };
    checks.push(
      check(
        `${backend.name}/adapter-latency`,
        `${backend.title}: ours at most ${limits.latency.toFixed(2)}x the raw client's p50 at concurrency 1`,
        ratioLimit('<=', limits.latency),
        backend.operations,
        (operation) => latencyRatio(backend, 'adapter', 'raw', operation),
        (missed) => explain(backend, 'adapter', 'raw', missed),
      ),
    );
    if (backend.throughput && limits.throughput !== undefined) {
      checks.push(
        check(
          `${backend.name}/adapter-throughput`,
          `${backend.title}: ours at least ${limits.throughput.toFixed(2)}x the raw client's throughput at concurrency ${backend.concurrency}`,
          ratioLimit('>=', limits.throughput),
          backend.operations,
          (operation) => throughputRatio(backend, 'adapter', 'raw', operation),
          (missed) => explain(backend, 'adapter', 'raw', missed, 'throughput'),
        ),
      );
    }
    if (ENVELOPE_BACKENDS.includes(backend.name) && row(backend, 'envelope')) {
      checks.push(
        check(
          `${backend.name}/envelope-latency`,
          `${backend.title}: envelope at most ${LIMITS.envelopeLatency.toFixed(2)}x the same store without it (p50, concurrency 1)`,
          ratioLimit('<=', LIMITS.envelopeLatency),
          backend.operations,
          (operation) => latencyRatio(backend, 'envelope', 'adapter', operation),
          (missed) => explain(backend, 'envelope', 'adapter', missed),
        ),
      );
      if (backend.throughput) {
        checks.push(
          check(
            `${backend.name}/envelope-throughput`,
            `${backend.title}: envelope at least ${LIMITS.envelopeThroughput.toFixed(2)}x the same store's throughput without it at concurrency ${backend.concurrency}`,
            ratioLimit('>=', LIMITS.envelopeThroughput),
            backend.operations,
            (operation) => throughputRatio(backend, 'envelope', 'adapter', operation),
            (missed) => explain(backend, 'envelope', 'adapter', missed, 'throughput'),
          ),
        );
      }
    }
    const raw = row(backend, 'raw');
    const ours = row(backend, 'adapter');
    checks.push(
      check(
        `${backend.name}/heap`,
        `${backend.title}: JS heap per operation at most the raw client's + ${LIMITS.heapOverRawBytes / 1024} KiB (ours − raw shown)`,
        { comparison: '<=', value: LIMITS.heapOverRawBytes, unit: 'bytes' },
        backend.operations,
        (operation) =>
          (ours?.result.heapPerOp[operation] ?? Number.NaN) - (raw?.result.heapPerOp[operation] ?? Number.NaN),
        (missed) => explainAllocations(backend, missed),
        (bytes) => (Number.isFinite(bytes) ? `${bytes >= 0 ? '+' : ''}${(bytes / 1024).toFixed(1)} KiB` : 'n/a'),
      ),
    );
  }
  if (report.keyLoads) {
    const { loads, ops } = report.keyLoads;
    checks.push({
      id: 'envelope/key-loads',
      target: `Key-source loads in a ${ops.toLocaleString('en-US')}-operation encrypted run: at most ${KEY_LOADS_LIMIT}`,
      limit: { comparison: '<=', value: KEY_LOADS_LIMIT, unit: 'loads' },
      values: { loads },
      measured: `${loads} load${loads === 1 ? '' : 's'}`,
      met: loads <= KEY_LOADS_LIMIT,
      ...(loads > KEY_LOADS_LIMIT
        ? { why: 'the wrapper reloaded keys during the run; see its refresh interval.' }
        : {}),
    });
  }
  if (report.scale) checks.push(...scaleChecks(report.scale));
  if (report.logins) checks.push(loginCheck(report.logins));
  if (report.loginError) {
    checks.push({
      id: 'demo/login-p50',
      target: `A login (the demo): p50 on the shared store at most ${LIMITS.loginP50}x that on per-instance memory`,
      limit: ratioLimit('<=', LIMITS.loginP50),
      values: {},
      measured: 'not measured: the demo failed',
      met: false,
      why: report.loginError,
    });
  }
  return checks;
}

const MIB = 1024 * 1024;

/**
 * Flat heap: the retained peak (after a forced full collection) above the start grows by at most
 * {@link LIMITS.scaleHeapGrowth}x for 10x the clients. Judged on what the phase retains, not on the peak between
 * collections: that one measures when V8 chose to collect (the same code gave +15 to +48 MiB for the full size over
 * three runs), while a phase that held every client would raise the retained peak by the clients' size. Both are shown.
 */
function scaleChecks(scale: ScaleResult): TargetCheck[] {
  return (['list', 'migrate'] as const).map((phase) => {
    const small = retainedGrowth(scale.small[phase]);
    const full = retainedGrowth(scale.full[phase]);
    // Below 8 MiB the growth is noise of the sampler and the JIT, not data held: judge against that floor.
    const factor = full / Math.max(small, 8 * MIB);
    const count = scale.full.clients.toLocaleString('en-US');
    const complete =
      phase === 'list' ? scale.full.listed === scale.full.clients : scale.full.migrated === scale.full.clients;
    const met = factor <= LIMITS.scaleHeapGrowth && complete;
    return {
      id: `scale/${phase}-heap`,
      target: `${phase === 'list' ? 'Listing' : 'Migrating'} ${count} clients keeps the heap flat: its retained peak growth at most ${LIMITS.scaleHeapGrowth}x that for a tenth of them`,
      limit: { comparison: '<=', value: LIMITS.scaleHeapGrowth, unit: 'ratio' },
      values: {
        smallGrowthBytes: small,
        fullGrowthBytes: full,
        factor,
        smallPeakGrowthBytes: growth(scale.small[phase]),
        fullPeakGrowthBytes: growth(scale.full[phase]),
      },
      measured: `retained peak +${(full / MIB).toFixed(1)} MiB over ${(scale.full[phase].startBytes / MIB).toFixed(1)} MiB (a tenth: +${(small / MIB).toFixed(1)} MiB); peak between collections +${(growth(scale.full[phase]) / MIB).toFixed(1)} MiB (a tenth: +${(growth(scale.small[phase]) / MIB).toFixed(1)} MiB)${complete ? '' : '; NOT every client was seen'}`,
      met,
      ...(met
        ? {}
        : {
            why: complete
              ? 'the heap grows with the number of clients: something holds them.'
              : 'the run did not see every client.',
          }),
    };
  });
}

/** The demo's login p50 on the shared store, pinned and balanced, against per-instance memory's (pinned). */
function loginCheck(logins: LoginResult): TargetCheck {
  const pinned = logins.sharedPinnedP50Ms / logins.memoryPinnedP50Ms;
  const balanced = logins.sharedBalancedP50Ms / logins.memoryPinnedP50Ms;
  const met = pinned <= LIMITS.loginP50 && balanced <= LIMITS.loginP50 && logins.sharedSucceeded === logins.logins;
  return {
    id: 'demo/login-p50',
    target: `A login (the demo): p50 on the shared store at most ${LIMITS.loginP50}x that on per-instance memory`,
    limit: ratioLimit('<=', LIMITS.loginP50),
    values: { pinned, balanced },
    measured: `pinned ${formatRatio(pinned)} (${logins.sharedPinnedP50Ms} vs ${logins.memoryPinnedP50Ms} ms), balanced ${formatRatio(balanced)} (${logins.sharedBalancedP50Ms} ms; ${logins.sharedSucceeded}/${logins.logins} succeeded); ${logins.roundTripsPerLogin} store round trips per login`,
    met,
    ...(met
      ? {}
      : {
          why: `each login makes ${logins.roundTripsPerLogin} store round trips on the shared store, waiting ${logins.storeMsPerLogin} ms in them (summed).`,
        }),
  };
}

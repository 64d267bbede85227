/**
 * The project's performance targets, checked against a run. Latency targets are judged on p50 (on a shared, loaded
 * machine p99 mostly measures the neighbours); the p99 ratios are in the tables.
 *
 * When a target is missed, the check attaches the reason for that backend and operation: each reason is a fact about
 * the code path (what our adapter sends that the raw call does not), so it holds whatever the exact figures are.
 */
import type { Operation, Role } from './contender';
import type { BackendReport, ContenderRow, RunReport } from './report';
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
} as const;
/** Back-compat names. */
export const ADAPTER_LATENCY_LIMIT = LIMITS.otherLatency;
export const ENVELOPE_LATENCY_LIMIT = LIMITS.envelopeLatency;
/** Key-source loads allowed in the fixed-size run. */
export const KEY_LOADS_LIMIT = 1;

/** Why a target is missed: per operation, plus what applies to every missed operation. */
export interface Reasons {
  readonly byOperation: Partial<Record<Operation, string>>;
  readonly always?: string;
}

const REDIS_CLIENT_WORK =
  'per call, the runtime validates collection and key, frames the record (a random 16-byte version and the absolute expiry) and arms a deadline timer; ours hashes the key (FNV-1a, to pick its index bucket) and builds the key names; set and take are one EVALSHA each (conditions checked on the 25-byte header, plus index upkeep); node-redis gets an AbortSignal only when its offline queue is on; the reply is copied out of the socket buffer';
const POSTGRES_CLIENT_WORK =
  'ours sends the same statement on a pool of the same size; what it adds is per-call JavaScript: validation and framing (core's runtime), UTF-8 encoding of collection and key, two timers per statement (our own bound, raced against the query, and pg’s query_timeout), and, for get and take, a copy of the returned bytea.';

const WHY: Record<string, Reasons> = {
  'redis/adapter-latency': {
    byOperation: {
      set: 'ours runs one EVALSHA whose Lua script prunes up to 16 expired members, does SET … PXAT and adds the key to two sorted sets (the list index that `list` pages through, and the expiry index that keeps it clean); raw is a bare SET. That server-side work is the price of `list` and of index cleanup.',
      get: 'both send one GET, so the whole gap is client-side.',
      take: 'ours runs one EVALSHA whose Lua script does GETDEL and removes the key from both sorted-set indexes; raw is a bare GETDEL.',
    },
    always: `On top, on every operation: ${REDIS_CLIENT_WORK}.`,
  },
  'redis/adapter-throughput': {
    byOperation: {
      set: 'ours is one script doing several times the server work of a single SET (index upkeep).',
      get: 'both send one GET.',
      take: 'ours is one atomic script with index upkeep; raw is a bare GETDEL.',
    },
    always:
      'With 64 in flight the client’s CPU is the bottleneck on this 2-core machine (shared with the Redis server and other engineers’ tests), so the per-call client work listed under the latency target weighs fully.',
  },
  'postgres/adapter-latency': {
    byOperation: {},
    always: POSTGRES_CLIENT_WORK,
  },
  'postgres/adapter-throughput': {
    byOperation: {
      set: 'both send the same upsert per call; what differs is client-side work.',
      get: 'both send one SELECT per call.',
      take: 'both send one DELETE … RETURNING.',
    },
    always: `With 64 in flight on 2 cores that also run PostgreSQL, client CPU per call counts: ${POSTGRES_CLIENT_WORK}`,
  },
  'redis/envelope-latency': {
    byOperation: {
      set: 'each write draws 56 random bytes (data key and two nonces), derives the payload key and key commitment (HKDF-SHA256), encrypts the value and wraps the data key (two AES-256-GCM calls).',
      get: 'each read parses the envelope, unwraps the data key (AES-256-GCM), derives the payload key and commitment (HKDF-SHA256), compares the commitment and decrypts the value (AES-256-GCM); the stored value is also larger by the envelope header.',
      take: 'as get, after the take script.',
    },
    always:
      'All of it runs synchronously on the event loop, and each Node crypto call has a fixed set-up cost that dominates for a 1 KiB value: hkdfSync is the largest (it costs more than an AES-GCM pass over the whole value).',
  },
};

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

/** The reasons for the missed operations, one sentence per distinct reason, then what applies to all. */
export function explain(reasons: Reasons | undefined, missed: readonly Operation[]): string {
  const parts: string[] = [];
  for (const operation of missed) {
    const reason = reasons?.byOperation[operation];
    if (reason) parts.push(`${operation}: ${reason}`);
  }
  if (reasons?.always) parts.push(reasons.always);
  return parts.length > 0 ? parts.join(' ') : 'see the tables.';
}

function check(
  id: string,
  target: string,
  limit: TargetCheck['limit'],
  operations: readonly Operation[],
  value: (operation: Operation) => number,
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
    ...(missed.length > 0 ? { why: explain(WHY[id], missed) } : {}),
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
  return checks;
}

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
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
  /** Why it falls short; only when it does. */
  readonly why?: string;
}

/** Adapter latency at concurrency 1, at most this multiple of the raw client's. */
export const ADAPTER_LATENCY_LIMIT = 1.1;
/** Envelope wrapper latency on Redis at concurrency 1, at most this multiple of the bare adapter's. */
export const ENVELOPE_LATENCY_LIMIT = 1.15;
/** Key-source loads allowed in the fixed-size run. */
export const KEY_LOADS_LIMIT = 1;

const WHY: Record<string, Partial<Record<Operation, string>>> = {
  'redis/adapter-latency': {
    get: 'ours sends the same single GET; the difference is per-call JavaScript: argument validation and UTF-8 length checks (defineStore), a deadline (setTimeout + AbortController per call) and copying the reply out of the socket buffer.',
    set: 'ours runs one EVALSHA whose Lua script, besides SET … PXAT, prunes expired members and adds the key to two sorted sets (the list index and the expiry index) that `list` and cleanup need; raw is a bare SET. More work on the server for every write, by design.',
    take: 'ours runs one EVALSHA whose Lua script does GETDEL and removes the key from both sorted-set indexes; raw is a bare GETDEL.',
  },
  'redis/adapter-throughput': {
    set: 'at 64 in flight Redis itself is the bottleneck, and our set script does several times the server work of Keyv’s single SET (index upkeep).',
    take: 'our take is one atomic script with index upkeep; Keyv’s get-then-delete is two plain commands, not atomic: faster but lets two concurrent redemptions of one code both succeed.',
    get: 'both send one GET; the difference is client-side JavaScript per call.',
  },
  'postgres/adapter-latency': {
    get: 'ours sends the same statement on the same pool size; the extra is per-call JavaScript (validation, UTF-8 encoding of collection and key, a timeout timer of our own plus pg’s query_timeout timer, copying the bytea).',
    set: 'the same statement; the extra is per-call JavaScript (validation, two timeout timers per statement).',
    take: 'the same statement; the extra is per-call JavaScript (validation, two timeout timers per statement, copying the value).',
  },
  'postgres/adapter-throughput': {
    get: 'both are one SELECT per call; the difference is client-side JavaScript per call on a 2-core machine that also runs the server.',
    set: 'both are one upsert per call; ours also maintains the expiry index (a second B-tree) on each write.',
    take: 'ours is one DELETE … RETURNING; Keyv’s get-then-delete is three statements (SELECT, SELECT, DELETE) and not atomic.',
  },
  'redis/envelope-latency': {
    get: 'each read parses the envelope, checks the key commitment, derives the record key with HKDF and decrypts with AES-256-GCM, synchronously on the event loop; the stored value is also ~100 bytes larger.',
    set: 'each write draws fresh random bytes, derives a data key with HKDF, encrypts with AES-256-GCM and wraps the data key (a second GCM call), synchronously on the event loop.',
    take: 'as for get: envelope parsing, key commitment, HKDF and AES-256-GCM decryption on every take.',
  },
};

function row(backend: BackendReport, role: Role): ContenderRow | undefined {
  return backend.rows.find((candidate) => candidate.role === role);
}

function latencyRatio(
  backend: BackendReport,
  role: Role,
  baseline: Role,
  operation: Operation,
  p: 'p50' | 'p99' = 'p50',
): number {
  return ratio(
    row(backend, role)?.result.latency[operation]?.[p],
    row(backend, baseline)?.result.latency[operation]?.[p],
  );
}

function throughputRatio(backend: BackendReport, role: Role, baseline: Role, operation: Operation): number {
  return ratio(row(backend, role)?.result.throughput[operation], row(backend, baseline)?.result.throughput[operation]);
}

function check(
  target: string,
  key: string,
  operations: readonly Operation[],
  value: (operation: Operation) => number,
  passes: (value: number) => boolean,
): TargetCheck {
  const values = operations.map((operation) => [operation, value(operation)] as const);
  const missed = values.filter(([, measured]) => !passes(measured));
  const reasons = missed.map(([operation]) => WHY[key]?.[operation]).filter((reason) => reason !== undefined);
  return {
    target,
    measured: values.map(([operation, measured]) => `${operation} ${formatRatio(measured)}`).join(', '),
    met: missed.length === 0,
    ...(missed.length > 0
      ? {
          why: missed.map(([operation], index) => `${operation}: ${reasons[index] ?? 'see the tables.'}`).join(' '),
        }
      : {}),
  };
}

/** Every target the run has data for. */
export function checkTargets(report: RunReport): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const backend of report.backends) {
    if (!row(backend, 'adapter') || !row(backend, 'raw') || !row(backend, 'keyv')) continue;
    checks.push(
      check(
        `${backend.title}: ours within ${ADAPTER_LATENCY_LIMIT.toFixed(2)}x of the raw client's p50 latency at concurrency 1`,
        `${backend.name}/adapter-latency`,
        backend.operations,
        (operation) => latencyRatio(backend, 'adapter', 'raw', operation),
        (value) => value <= ADAPTER_LATENCY_LIMIT,
      ),
    );
    if (backend.throughput) {
      checks.push(
        check(
          `${backend.title}: ours at least Keyv's throughput at concurrency ${backend.concurrency} (ours ÷ Keyv ≥ 1.00x)`,
          `${backend.name}/adapter-throughput`,
          backend.operations,
          (operation) => throughputRatio(backend, 'adapter', 'keyv', operation),
          (value) => value >= 1,
        ),
      );
    }
    if (backend.name === 'redis' && row(backend, 'envelope')) {
      checks.push(
        check(
          `Redis: envelope wrapper at most ${ENVELOPE_LATENCY_LIMIT.toFixed(2)}x the same store without it (p50, concurrency 1)`,
          'redis/envelope-latency',
          backend.operations,
          (operation) => latencyRatio(backend, 'envelope', 'adapter', operation),
          (value) => value <= ENVELOPE_LATENCY_LIMIT,
        ),
      );
    }
  }
  if (report.keyLoads) {
    const { loads, ops } = report.keyLoads;
    checks.push({
      target: `Key-source loads in a ${ops.toLocaleString('en-US')}-operation encrypted run: at most ${KEY_LOADS_LIMIT}`,
      measured: `${loads} load${loads === 1 ? '' : 's'}`,
      met: loads <= KEY_LOADS_LIMIT,
      ...(loads > KEY_LOADS_LIMIT
        ? { why: 'the wrapper reloaded keys during the run; see its refresh interval.' }
        : {}),
    });
  }
  return checks;
}

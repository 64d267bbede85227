/**
 * The machine-readable report of `pnpm bench --json FILE`: the same figures as the Markdown (docs/benchmarks.md), in
 * a stable shape a script can check (per backend, contender, operation: p50, p99, ops/s, ratio to raw), plus every
 * target with its verdict. Exact numbers: the Markdown shows these rounded. Bump `schema` on any breaking change.
 */
import type { Operation, Role } from './contender';
import type { BackendReport, ContenderRow, RunReport } from './report';
import { ratio } from './stats';
import type { TargetCheck } from './targets';

/** One operation of one contender. Absent figures (not measured) are null. */
export interface OperationFigures {
  /** Median latency at concurrency 1, microseconds. */
  readonly p50Us: number | null;
  /** 99th percentile latency at concurrency 1, microseconds. */
  readonly p99Us: number | null;
  /** Operations per second at the backend's concurrency (null when the backend has no throughput phase). */
  readonly opsPerSec: number | null;
  /** JavaScript heap allocated per operation at concurrency 1, bytes. */
  readonly heapBytesPerOp: number | null;
  /** Each figure divided by the raw client's in the same run. */
  readonly ratioToRaw: {
    readonly p50: number | null;
    readonly p99: number | null;
    readonly opsPerSec: number | null;
    readonly heapBytesPerOp: number | null;
  };
  /** False when the contender's take is not one atomic operation (Keyv: get then delete). */
  readonly atomic: boolean;
}

/** One contender of one backend. */
export interface ContenderFigures {
  readonly label: string;
  readonly role: Role;
  readonly operations: Readonly<Partial<Record<Operation, OperationFigures>>>;
  /** Key-source loads over the backend's section (envelope contenders). */
  readonly keyLoads?: number;
}

/** The whole file. */
export interface BenchJson {
  readonly schema: 'oauth-store-bench/1';
  readonly date: string;
  readonly command: string;
  readonly machine: RunReport['machine'];
  /** Load averages (1, 5, 15 min) before and after the run, as `os.loadavg()` gave them. */
  readonly loadAverage: { readonly before: number[]; readonly after: number[] };
  readonly seconds: number;
  readonly backends: Readonly<
    Record<
      string,
      {
        readonly title: string;
        readonly server: string;
        readonly versions: Record<string, string>;
        readonly concurrency: number;
        readonly latencyOps: number;
        readonly throughputOps: number;
        /** Keyed by role: raw, adapter (ours), envelope (ours + envelope encryption), keyv. */
        readonly contenders: Readonly<Partial<Record<Role, ContenderFigures>>>;
        /**
         * CPU profiles at concurrency 1 by role and operation: wall and self time per operation (µs) by category of
         * code (profile.ts). Absent with `--no-profile`. Added in schema 1 without breaking it (a new optional field).
         */
        readonly profiles?: BackendReport['profiles'];
        /** CPU profiles at the throughput concurrency, same shape as `profiles`. Added in schema 1 (optional). */
        readonly throughputProfiles?: BackendReport['throughputProfiles'];
        /**
         * Sampled JS heap allocation per operation (bytes) by role and operation, by category of code and top
         * functions (allocation-profile.ts). Added in schema 1 (optional).
         */
        readonly allocations?: BackendReport['allocations'];
      }
    >
  >;
  readonly targets: readonly (TargetCheck & { readonly verdict: 'met' | 'missed' })[];
  readonly keyLoads?: RunReport['keyLoads'];
  /** The listing/migration heap run (bytes and seconds per phase), when it ran. */
  readonly scale?: RunReport['scale'];
  /** The demo's login comparison (ms), when it ran. */
  readonly logins?: RunReport['logins'];
}

const finite = (value: number | undefined): number | null =>
  value !== undefined && Number.isFinite(value) ? value : null;

function operationFigures(row: ContenderRow, raw: ContenderRow | undefined, operation: Operation): OperationFigures {
  const latency = row.result.latency[operation];
  const rawLatency = raw?.result.latency[operation];
  const rate = row.result.throughput[operation];
  const heap = row.result.heapPerOp[operation];
  return {
    p50Us: finite(latency?.p50),
    p99Us: finite(latency?.p99),
    opsPerSec: finite(rate),
    heapBytesPerOp: finite(heap),
    ratioToRaw: {
      p50: finite(ratio(latency?.p50, rawLatency?.p50)),
      p99: finite(ratio(latency?.p99, rawLatency?.p99)),
      opsPerSec: finite(ratio(rate, raw?.result.throughput[operation])),
      heapBytesPerOp: finite(ratio(heap, raw?.result.heapPerOp[operation])),
    },
    atomic: !(operation === 'take' && row.takeNote),
  };
}

function backendFigures(backend: BackendReport): BenchJson['backends'][string] {
  const raw = backend.rows.find((row) => row.role === 'raw');
  const contenders: Partial<Record<Role, ContenderFigures>> = {};
  for (const row of backend.rows) {
    contenders[row.role] = {
      label: row.label,
      role: row.role,
      operations: Object.fromEntries(
        backend.operations.map((operation) => [operation, operationFigures(row, raw, operation)]),
      ),
      ...(row.keyLoads !== undefined ? { keyLoads: row.keyLoads } : {}),
    };
  }
  return {
    title: backend.title,
    server: backend.server,
    versions: backend.versions,
    concurrency: backend.concurrency,
    latencyOps: backend.ops,
    throughputOps: backend.throughputOps,
    contenders,
    ...(backend.profiles ? { profiles: backend.profiles } : {}),
    ...(backend.throughputProfiles ? { throughputProfiles: backend.throughputProfiles } : {}),
    ...(backend.allocations ? { allocations: backend.allocations } : {}),
  };
}

const loads = (text: string): number[] => text.split(',').map((part) => Number(part.trim()));

/** Builds the JSON document of a run and its target checks. */
export function benchJson(report: RunReport, checks: readonly TargetCheck[]): BenchJson {
  return {
    schema: 'oauth-store-bench/1',
    date: report.date,
    command: report.command,
    machine: report.machine,
    loadAverage: { before: loads(report.loadBefore), after: loads(report.loadAfter) },
    seconds: report.seconds,
    backends: Object.fromEntries(report.backends.map((backend) => [backend.name, backendFigures(backend)])),
    targets: checks.map((check) => ({
      ...check,
      values: Object.fromEntries(Object.entries(check.values).map(([key, value]) => [key, finite(value) as number])),
      verdict: check.met ? 'met' : 'missed',
    })),
    ...(report.keyLoads ? { keyLoads: report.keyLoads } : {}),
    ...(report.scale ? { scale: report.scale } : {}),
    ...(report.logins ? { logins: report.logins } : {}),
  };
}

import { describe, expect, it } from '@jest/globals';
import { ADAPTERS } from '@oauth-store/cli';
import { BACKENDS } from '../src/args';
import { benchJson } from '../src/bench-json';
import type { Operation, Role } from '../src/contender';
import type { BackendReport, ContenderRow, RunReport } from '../src/report';
import type { ContenderResult } from '../src/runner';
import { formatMicros, formatRate, formatRatio } from '../src/stats';
import { latencyTable, throughputTable } from '../src/table';
import { checkTargets } from '../src/targets';

const OPS: Operation[] = ['set', 'get', 'take'];

function row(label: string, role: Role, p50: number, rate: number, heap: number, takeNote?: string): ContenderRow {
  const result: ContenderResult = { latency: {}, throughput: {}, heapPerOp: {} };
  OPS.forEach((operation, index) => {
    result.latency[operation] = { n: 100, p50: p50 + index * 3.3, p99: 2.7 * p50 };
    result.throughput[operation] = rate - index * 111;
    result.heapPerOp[operation] = heap;
  });
  return { label, role, result, ...(takeNote ? { takeNote } : {}) };
}

const postgres: BackendReport = {
  name: 'postgres',
  title: 'PostgreSQL',
  server: 'test',
  operations: OPS,
  throughput: true,
  concurrency: 64,
  ops: 100,
  throughputOps: 1000,
  seconds: 1,
  rows: [
    row('pg (raw)', 'raw', 101.7, 9_876, 900),
    row('ours', 'adapter', 104.1, 9_500, 1800),
    row('ours + envelope', 'envelope', 150.2, 7_000, 4000),
    row('keyv', 'keyv', 170.9, 5_000, 3000, 'get then delete'),
  ],
  versions: {},
  notes: [],
};

const run: RunReport = {
  date: '2026-01-01T00:00:00.000Z',
  machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 4, os: 'linux', node: 'v20.0.0' },
  loadBefore: '12.50, 10.00, 9.25',
  loadAfter: '14.00, 11.00, 9.50',
  command: 'pnpm bench --json x.json',
  warmup: 10,
  backends: [postgres],
  seconds: 60,
};

describe('pnpm bench --json', () => {
  const json = benchJson(run, checkTargets(run));

  it('has the stable shape: backend -> contender role -> operation -> p50, p99, ops/s, ratios to raw', () => {
    const ours = json.backends.postgres?.contenders.adapter?.operations.get;
    expect(ours).toEqual({
      p50Us: 104.1 + 3.3,
      p99Us: 2.7 * 104.1,
      opsPerSec: 9_500 - 111,
      heapBytesPerOp: 1800,
      ratioToRaw: {
        p50: (104.1 + 3.3) / (101.7 + 3.3),
        p99: 104.1 / 101.7,
        opsPerSec: (9_500 - 111) / (9_876 - 111),
        heapBytesPerOp: 2,
      },
      atomic: true,
    });
    expect(json.backends.postgres?.contenders.keyv?.operations.take?.atomic).toBe(false);
    expect(json.loadAverage).toEqual({ before: [12.5, 10, 9.25], after: [14, 11, 9.5] });
    expect(json.schema).toBe('oauth-store-bench/1');
  });

  it('holds the same figures as the Markdown tables', () => {
    const latency = latencyTable(postgres);
    const throughput = throughputTable(postgres);
    for (const contender of Object.values(json.backends.postgres?.contenders ?? {})) {
      for (const [operation, figures] of Object.entries(contender.operations)) {
        const star = operation === 'take' && !figures.atomic ? '*' : '';
        expect(latency).toContain(
          `${formatRatio(figures.ratioToRaw.p50 as number)} (${formatMicros(figures.p50Us as number)})${star}`,
        );
        expect(latency).toContain(
          `${formatRatio(figures.ratioToRaw.p99 as number)} (${formatMicros(figures.p99Us as number)})${star}`,
        );
        expect(throughput).toContain(
          `${formatRatio(figures.ratioToRaw.opsPerSec as number)} (${formatRate(figures.opsPerSec as number)})${star}`,
        );
      }
    }
  });

  it('gives every issue 16 target a verdict a script can check', () => {
    expect(json.targets.map((target) => [target.id, target.verdict])).toEqual([
      ['postgres/adapter-latency', 'met'],
      ['postgres/adapter-throughput', 'met'],
      ['postgres/envelope-latency', 'missed'],
      ['postgres/envelope-throughput', 'missed'],
      ['postgres/heap', 'met'],
    ]);
    const throughput = json.targets[1];
    expect(throughput?.limit).toEqual({ comparison: '>=', value: 0.95, unit: 'ratio' });
    expect(throughput?.values.set).toBeCloseTo(9_500 / 9_876);
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });
});

describe('the bench follows the adapter registry', () => {
  it('has a bench row for every registry backend but memory', () => {
    expect([...BACKENDS].sort()).toEqual(
      ADAPTERS.map((adapter) => adapter.name)
        .filter((name) => name !== 'memory')
        .sort(),
    );
  });
});

import { describe, expect, it } from '@jest/globals';
import type { Operation, Role } from '../src/contender';
import type { BackendReport, ContenderRow, RunReport } from '../src/report';
import type { ContenderResult } from '../src/runner';
import { cellSizes } from '../src/sizing';
import { latencyTable, markdownTable, ratioCell, renderReport, throughputTable } from '../src/table';
import { checkTargets, explain } from '../src/targets';

const OPS: Operation[] = ['set', 'get', 'take'];

/** A contender whose p50 is `p50` µs (p99 twice that), throughput `rate` ops/s and heap `heap` bytes for every op. */
function row(label: string, role: Role, p50: number, rate: number, heap = 1024, takeNote?: string): ContenderRow {
  const result: ContenderResult = { latency: {}, throughput: {}, heapPerOp: {} };
  for (const operation of OPS) {
    result.latency[operation] = { n: 100, p50, p99: 2 * p50 };
    result.throughput[operation] = rate;
    result.heapPerOp[operation] = heap;
  }
  return { label, role, result, ...(takeNote ? { takeNote } : {}) };
}

function backend(name: string, rows: ContenderRow[]): BackendReport {
  return {
    name,
    title: name === 'redis' ? 'Redis' : name,
    server: 'test server',
    operations: OPS,
    throughput: true,
    concurrency: 64,
    ops: 100,
    throughputOps: 1000,
    seconds: 1,
    rows,
    versions: { redis: '5.0.0' },
    notes: ['a note'],
  };
}

function report(backends: BackendReport[]): RunReport {
  return {
    date: '2026-01-01T00:00:00.000Z',
    machine: { cpuModel: 'Test CPU', cores: 2, memoryGiB: 4, os: 'linux', node: 'v20.0.0' },
    loadBefore: '1.00, 1.00, 1.00',
    loadAfter: '2.00, 2.00, 2.00',
    command: 'pnpm bench',
    warmup: 10,
    backends,
    keyLoads: { ops: 10_000, loads: 1, seconds: 1 },
    seconds: 60,
  };
}

describe('markdown building blocks', () => {
  it('renders a table with a separator row and escapes pipes', () => {
    expect(markdownTable(['a', 'b'], [['1', 'x|y']])).toBe('| a | b |\n| --- | --- |\n| 1 | x\\|y |');
  });

  it('puts the ratio first, then the absolute figure', () => {
    expect(ratioCell(1.071, '195 µs')).toBe('1.07x (195 µs)');
  });
});

describe('backend tables', () => {
  const redis = backend('redis', [
    row('raw', 'raw', 100, 10_000, 1024),
    row('ours', 'adapter', 105, 9_000, 2048),
    row('keyv', 'keyv', 150, 8_000, 1024, 'get then delete'),
  ]);

  it('divides every latency by the raw row of the same run', () => {
    const table = latencyTable(redis);
    expect(table).toContain('| raw | 1.00x (100 µs) | 1.00x (200 µs) |');
    expect(table).toContain('| ours | 1.05x (105 µs) | 1.05x (210 µs) |');
    expect(table).toContain('| 2.00x (2.0 KiB) |');
  });

  it('marks Keyv take cells, whose take is two calls', () => {
    expect(latencyTable(redis)).toContain('1.50x (150 µs)* | 1.50x (300 µs)*');
    expect(throughputTable(redis)).toContain('| keyv | 0.80x (8,000/s) | 0.80x (8,000/s) | 0.80x (8,000/s)* |');
  });
});

describe('targets', () => {
  it('judges issue 16 targets: Redis ours vs raw, envelope vs ours, heap budget, key loads', () => {
    const checks = checkTargets(
      report([
        backend('redis', [
          row('raw', 'raw', 100, 10_000),
          row('ours', 'adapter', 109, 9_000),
          row('env', 'envelope', 130, 8_000),
          row('keyv', 'keyv', 150, 8_000),
        ]),
      ]),
    );
    expect(checks.map((check) => [check.id, check.met])).toEqual([
      ['redis/adapter-latency', true],
      ['redis/adapter-throughput', true],
      ['redis/envelope-latency', false],
      ['redis/envelope-throughput', true],
      ['redis/heap', true],
      ['envelope/key-loads', true],
    ]);
    const envelope = checks[2];
    // The envelope is judged against our bare adapter (130 / 109), not against raw.
    expect(envelope?.measured).toBe('set 1.19x, get 1.19x, take 1.19x');
    expect(checks[5]?.measured).toBe('1 load');
  });

  it('fails and explains a missed latency target per operation from the CPU profiles', () => {
    const redis = backend('redis', [
      row('raw', 'raw', 100, 10_000),
      row('ours', 'adapter', 200, 20_000),
      row('keyv', 'keyv', 150, 8_000),
    ]);
    const profile = (runtime: number) => ({
      ops: 100,
      wallUsPerOp: 20 + runtime,
      usPerOp: { idle: 15, 'core runtime': runtime, 'library redis': 5 },
      top: [{ fn: 'frame runtime.ts:10', usPerOp: runtime }],
    });
    const withProfiles: BackendReport = {
      ...redis,
      profiles: {
        raw: { set: profile(0), get: profile(0), take: profile(0) },
        adapter: { set: profile(7), get: profile(2), take: profile(0) },
      },
    };
    const checks = checkTargets(report([withProfiles]));
    expect(checks[0]?.met).toBe(false);
    expect(checks[0]?.measured).toBe('set 2.00x, get 2.00x, take 2.00x');
    expect(checks[0]?.why).toContain('set: ours 27.0 µs/op vs raw 20.0 µs/op; by category: core runtime +7.0 µs');
    expect(checks[0]?.why).toContain("ours's heaviest functions (self time): frame runtime.ts:10 7.0 µs");
    expect(checks[0]?.why).toContain('get: ours 22.0 µs/op vs raw 20.0 µs/op; by category: core runtime +2.0 µs');
    expect(checks[0]?.why).toContain('take: ours 20.0 µs/op vs raw 20.0 µs/op; by category: no notable difference');
  });

  it('says how to get a breakdown when the run took no profiles', () => {
    const redis = backend('redis', [row('raw', 'raw', 100, 10_000), row('ours', 'adapter', 200, 20_000)]);
    expect(explain(redis, 'adapter', 'raw', ['set'])).toMatch(/no CPU profile in this run/);
  });

  it('renders the report with the run facts and the missed targets', () => {
    const run = report([
      backend('redis', [
        row('raw', 'raw', 100, 10_000),
        row('ours', 'adapter', 200, 20_000),
        row('keyv', 'keyv', 150, 8_000),
      ]),
    ]);
    const markdown = renderReport(run, checkTargets(run));
    expect(markdown).toContain('Test CPU, 2 cores, 4 GiB memory');
    expect(markdown).toContain('Node.js v20.0.0');
    expect(markdown).toContain('### Where it falls short, and why');
    expect(markdown).toContain('| **no** |');
    expect(markdown.endsWith('\n')).toBe(true);
  });
});

describe('cell sizes', () => {
  const pace = { meanNs: [100_000, 200_000], rate: [10_000, 5_000] };

  it('runs the requested latency count and about two seconds per contender of throughput', () => {
    expect(cellSizes(pace, { ops: 2000, share: 1, throughput: true, operations: 3 })).toEqual({
      ops: 2000,
      // Harmonic mean of 10,000 and 5,000 ops/s over two seconds.
      throughputOps: 13_333,
    });
  });

  it('keeps throughput cells between the latency count and ten times it', () => {
    const slow = { meanNs: [1e6], rate: [100] };
    expect(cellSizes(slow, { ops: 2000, share: 1, throughput: true, operations: 3 }).throughputOps).toBe(2000);
    const fast = { meanNs: [1e4], rate: [1e6] };
    expect(cellSizes(fast, { ops: 2000, share: 1, throughput: true, operations: 3 }).throughputOps).toBe(20_000);
  });

  it('scales emulator cells by their share, and sizes from --seconds', () => {
    expect(cellSizes(pace, { ops: 2000, share: 0.1, throughput: false, operations: 2 })).toEqual({
      ops: 200,
      throughputOps: 0,
    });
    // 10 s over (0.1 + 0.2) ms per index x 2 operations.
    expect(cellSizes(pace, { seconds: 10, share: 1, throughput: false, operations: 2 }).ops).toBe(16_666);
  });
});

describe('scale and login targets', () => {
  const MIB = 1024 * 1024;
  // The peak between collections is noise here (30 MiB above the start whatever the size): only the retained peak judges.
  const phase = (growthMiB: number) => ({
    startBytes: 20 * MIB,
    peakBytes: 50 * MIB,
    retainedPeakBytes: (20 + growthMiB) * MIB,
    seconds: 1,
  });
  const size = (clients: number, growthMiB: number, seen = clients) => ({
    clients,
    listed: seen,
    migrated: seen,
    list: phase(growthMiB),
    migrate: phase(growthMiB),
  });

  it('calls a heap flat when ten times the clients do not raise the peak more than twofold', () => {
    const flat = checkTargets({ ...report([]), scale: { small: size(10, 6), full: size(100, 9), pageSize: 200 } });
    expect(flat.filter((check) => check.id.startsWith('scale/')).map((check) => check.met)).toEqual([true, true]);
    const growing = checkTargets({ ...report([]), scale: { small: size(10, 10), full: size(100, 95), pageSize: 200 } });
    const list = growing.find((check) => check.id === 'scale/list-heap');
    expect(list?.met).toBe(false);
    expect(list?.why).toMatch(/grows with the number of clients/);
    const incomplete = checkTargets({
      ...report([]),
      scale: { small: size(10, 1), full: size(100, 1, 99), pageSize: 200 },
    });
    expect(incomplete.find((check) => check.id === 'scale/migrate-heap')?.met).toBe(false);
  });

  it('judges the login p50 both pinned and balanced against per-instance memory', () => {
    const logins = {
      logins: 50,
      memoryPinnedP50Ms: 100,
      sharedPinnedP50Ms: 120,
      sharedBalancedP50Ms: 125,
      sharedSucceeded: 50,
      roundTripsPerLogin: 16.5,
      storeMsPerLogin: 9,
      store: 'embedded PostgreSQL',
    };
    const met = checkTargets({ ...report([]), logins }).find((check) => check.id === 'demo/login-p50');
    expect(met?.met).toBe(true);
    const slow = checkTargets({ ...report([]), logins: { ...logins, sharedBalancedP50Ms: 140 } });
    expect(slow.find((check) => check.id === 'demo/login-p50')?.met).toBe(false);
    const failing = checkTargets({ ...report([]), logins: { ...logins, sharedSucceeded: 49 } });
    expect(failing.find((check) => check.id === 'demo/login-p50')?.met).toBe(false);
    const markdown = renderReport({ ...report([]), logins }, checkTargets({ ...report([]), logins }));
    expect(markdown).toContain('| shared store, balanced | 125 ms (50/50 succeeded) |');
  });
});

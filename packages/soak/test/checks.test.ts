// The checkers on hand-written logs: each one counts exactly the violation it exists for, and nothing in a clean log.
import { describe, expect, it } from '@jest/globals';
import {
  type CheckLimits,
  check,
  countDoubleTakes,
  expectedClients,
  type FaultRecord,
  failedProbeKeys,
  failedWrites,
  failures,
  heapSummaries,
  type LogRecord,
  lostWrites,
  type OpRecord,
  type ProbeReadBack,
  passed,
  type ReadBack,
  recovery,
  staleReads,
} from '../src/index';

const limits: CheckLimits = { timeoutMs: 2_000, slackMs: 1_000, clockSlackMs: 250 };

function op(fields: Partial<OpRecord> & Pick<OpRecord, 'op'>): OpRecord {
  return { k: 'op', w: 'w1', t0: 1_000, t1: 1_010, ok: true, ...fields };
}

const register = (key: string, t0 = 1_000, ok = true) => op({ op: 'register-client', key, t0, t1: t0 + 10, ok });
const consume = (w: string, n: string | undefined, r = 'ok') =>
  op({ op: 'code', key: 'code-1', w, r, ...(n ? { n } : {}) });

describe('double takes', () => {
  it('counts every extra receipt of one grant, across workers', () => {
    const records = [consume('w1', 'g1'), consume('w2', 'g1'), consume('w3', 'g1'), consume('w1', 'g2')];
    expect(countDoubleTakes(records)).toBe(2);
  });

  it('is zero when each grant is received once, however many consumers lost', () => {
    const records = [consume('w1', 'g1'), consume('w2', undefined, 'already_used'), consume('w2', 'g2')];
    expect(countDoubleTakes(records)).toBe(0);
  });

  it('ignores failed consumes', () => {
    expect(countDoubleTakes([consume('w1', 'g1'), { ...consume('w2', 'g1'), ok: false, err: 'unavailable' }])).toBe(0);
  });
});

describe('lost writes', () => {
  const readBack = (entries: Record<string, ReadBack>) => new Map(Object.entries(entries));

  it('counts acknowledged, undeleted registrations that are missing at the end', () => {
    const records = [register('a'), register('b'), register('c', 1_000, false)];
    expect(lostWrites(records, [], readBack({ a: 'found', b: 'missing' }))).toEqual({
      lostWrites: 1,
      checkedWrites: 2,
      excusedWrites: 0,
      unverifiedWrites: 0,
    });
  });

  it('leaves out clients a worker tried to delete, even if the delete never finished', () => {
    const records: LogRecord[] = [register('a'), { k: 'intent', w: 'w1', op: 'delete-client', key: 'a', t: 2_000 }];
    expect(expectedClients(records)).toEqual([]);
  });

  it('excuses writes started before a data-losing fault ended, and checks later ones', () => {
    const restart: FaultRecord = { name: 'in-memory restart', t0: 5_000, t1: 6_000, losesData: true };
    const records = [register('before', 1_000), register('during', 5_500), register('after', 7_000)];
    const result = lostWrites(records, [restart], readBack({ before: 'missing', during: 'missing', after: 'missing' }));
    expect(result).toMatchObject({ lostWrites: 1, checkedWrites: 1, excusedWrites: 2 });
  });

  it('counts an unreadable client as unverified, not lost', () => {
    expect(lostWrites([register('a')], [], readBack({ a: 'error' }))).toMatchObject({
      lostWrites: 0,
      unverifiedWrites: 1,
    });
  });
});

describe('stale reads', () => {
  // Written at 1000-1010 with expiresAt 2500: gone by 1010 + 1500 = 2510, plus 250 ms slack.
  const put = op({ op: 'token-put', key: 't', t0: 1_000, t1: 1_010, exp: 2_500 });
  const get = (t0: number, r: string) => op({ op: 'token-get', key: 't', t0, t1: t0 + 5, r });

  it('counts a token set returned by a read that started after its expiry plus slack', () => {
    expect(staleReads([put, get(2_761, 'found'), get(3_000, 'missing')], 250)).toEqual({
      staleReads: 1,
      expiredReads: 2,
    });
  });

  it('does not count reads within the expiry plus slack', () => {
    expect(staleReads([put, get(2_000, 'found'), get(2_760, 'found')], 250)).toEqual({
      staleReads: 0,
      expiredReads: 0,
    });
  });

  it('uses the 1 s floor the store applies to token TTLs', () => {
    const late = op({ op: 'token-put', key: 't', t0: 1_000, t1: 1_010, exp: 1_500 });
    expect(staleReads([late, get(2_200, 'found')], 250).staleReads).toBe(0);
    expect(staleReads([late, get(2_300, 'found')], 250).staleReads).toBe(1);
  });
});

describe('failures', () => {
  const failed = (err: string) => op({ op: 'get-client', ok: false, err });
  const call = (ms: number, err = 'unavailable', w = 'w1', m = 'get'): LogRecord => ({
    k: 'call-fail',
    w,
    m,
    t0: 1_000,
    ms,
    err,
  });
  const heap = (t: number, lag: number, w = 'w1'): LogRecord => ({ k: 'heap', w, t, heap: 1e7, lag });

  it('counts errors by code and flags anything that is not an OAuthStoreError', () => {
    const result = failures([failed('unavailable'), failed('unavailable'), failed('untyped:TypeError')], limits);
    expect(result.errorsByCode).toEqual({ unavailable: 2, 'untyped:TypeError': 1 });
    expect(result.untypedErrors).toBe(1);
    expect(failures([call(10, 'untyped:Error')], limits).untypedErrors).toBe(1);
  });

  it('flags a failed call slower than the bound plus slack', () => {
    expect(failures([call(3_000), call(3_001)], limits)).toMatchObject({ slowFailures: 1, lateFailures: 0 });
  });

  it('bounds a set by twice the timeout (a write of unknown outcome reads back with its own bound)', () => {
    const set = (ms: number) => call(ms, 'unavailable', 'w1', 'set');
    expect(failures([set(5_000), set(5_001)], limits)).toMatchObject({ slowFailures: 1, lateFailures: 0 });
  });

  it('reports an overrun explained by a blocked event loop in that worker apart from slow failures', () => {
    expect(failures([call(6_000), heap(5_000, 4_000)], limits)).toMatchObject({ slowFailures: 0, lateFailures: 1 });
    // Lag in another worker, or too short to explain the overrun, does not excuse it.
    expect(failures([call(6_000), heap(5_000, 4_000, 'w2')], limits).slowFailures).toBe(1);
    expect(failures([call(6_000), heap(5_000, 1_000)], limits).slowFailures).toBe(1);
  });

  it('counts a gap between a worker’s once-a-second samples as a stall (its timers could not fire)', () => {
    // Samples at 1 s and 6 s: the worker's timers were held for about 4 s, enough to explain a 4 s overrun.
    const gap = [heap(1_000, 0), call(6_000), heap(6_000, 10)];
    expect(failures(gap, limits)).toMatchObject({ slowFailures: 0, lateFailures: 1 });
    // Regular samples do not excuse it.
    const regular = [heap(1_000, 0), call(6_000), ...[2, 3, 4, 5, 6].map((s) => heap(s * 1_000, 10))];
    expect(failures(regular, limits).slowFailures).toBe(1);
  });
});

describe('writes applied after they were reported failed', () => {
  const probe = (key: string, ok: boolean, unk?: boolean) =>
    op({ op: 'probe-write', key, ok, ...(ok ? {} : { err: 'unavailable' }), ...(unk === undefined ? {} : { unk }) });
  const overwrite = (key: string, ok = true) => op({ op: 'probe-overwrite', key, ok, t0: 2_000, t1: 2_010 });
  const probes = (entries: Record<string, ProbeReadBack>) => new Map(Object.entries(entries));

  it('reads back only probes whose first write failed', () => {
    expect(failedProbeKeys([probe('a', true), probe('b', false, false), probe('c', false, true)])).toEqual(['b', 'c']);
  });

  it('counts a write reported "not applied" (outcomeUnknown false) whose value is stored at the end', () => {
    const records = [probe('a', false, false), overwrite('a'), probe('b', false, false), probe('c', false, false)];
    expect(failedWrites(records, probes({ a: 'first', b: 'first', c: 'missing' }))).toEqual({
      appliedAfterFailure: 2,
      checkedFailedWrites: 3,
      lateUnknownWrites: 0,
    });
  });

  it('accepts the overwrite or nothing; leaves out keys it could not read', () => {
    const records = [probe('a', false, false), overwrite('a'), probe('b', false, false), probe('c', false, false)];
    expect(failedWrites(records, probes({ a: 'overwrite', b: 'missing', c: 'error' }))).toEqual({
      appliedAfterFailure: 0,
      checkedFailedWrites: 2,
      lateUnknownWrites: 0,
    });
  });

  it('reports apart an unknown-outcome write found over a later acknowledged overwrite, and fails nothing for it', () => {
    const records = [probe('a', false, true), overwrite('a'), probe('b', false, true)];
    const found = failedWrites(records, probes({ a: 'first', b: 'first' }));
    expect(found).toEqual({ appliedAfterFailure: 0, checkedFailedWrites: 0, lateUnknownWrites: 1 });
  });
});

describe('recovery', () => {
  const fault: FaultRecord = { name: 'restart', t0: 2_000, t1: 3_000, losesData: false };

  it('is the time from the end of a fault to the first success started after it', () => {
    const records = [op({ op: 'get-client', t0: 3_100, t1: 3_400 }), op({ op: 'get-client', t0: 3_500, t1: 3_600 })];
    expect(recovery(records, [fault], 10_000, true)).toEqual({ unrecovered: 0, maxRecoveryMs: 400 });
  });

  it('counts a fault after which nothing succeeded, or whose injection failed', () => {
    const records = [op({ op: 'get-client', t0: 3_100, t1: 3_400, ok: false, err: 'unavailable' })];
    expect(recovery(records, [fault], 10_000, true).unrecovered).toBe(1);
    expect(recovery([], [{ ...fault, error: 'did not restart' }], 10_000, true).unrecovered).toBe(1);
  });

  it('accepts a clean final read-back for a fault that ended after the workload', () => {
    expect(recovery([], [fault], 2_500, true).unrecovered).toBe(0);
    expect(recovery([], [fault], 2_500, false).unrecovered).toBe(1);
  });
});

describe('heap', () => {
  it('reports start, peak, end and the slope of the second half per worker', () => {
    const mb = 1024 * 1024;
    const samples: LogRecord[] = [10, 30, 20, 21, 22, 23].map((heap, i) => ({
      k: 'heap',
      w: 'w1',
      t: i * 60_000,
      heap: heap * mb,
      lag: 0,
    }));
    expect(heapSummaries(samples)).toEqual([
      { worker: 'w1', samples: 6, startMb: 10, peakMb: 30, endMb: 23, slopeMbPerMin: expect.closeTo(1, 6) },
    ]);
  });
});

describe('check', () => {
  it('passes a clean log and fails on any one violation', () => {
    const clean = [register('a'), consume('w1', 'g1'), op({ op: 'get-client', t0: 3_000, t1: 3_010 })];
    const run = (records: LogRecord[], readBack: Record<string, ReadBack> = { a: 'found' }) =>
      check({ records, faults: [], readBack: new Map(Object.entries(readBack)), runEnd: 5_000, limits });
    expect(passed(run(clean))).toBe(true);
    expect(passed(run([...clean, consume('w2', 'g1')]))).toBe(false);
    expect(passed(run(clean, { a: 'missing' }))).toBe(false);
    expect(passed(run([...clean, { k: 'unhandled', w: 'w1', t: 1, what: 'TypeError' }]))).toBe(false);
    expect(passed(run(clean), 1)).toBe(false);
    const failedProbe = op({ op: 'probe-write', key: 'p', ok: false, err: 'unavailable', unk: false });
    const withProbe = (found: ProbeReadBack) =>
      check({
        records: [...clean, failedProbe],
        faults: [],
        readBack: new Map(Object.entries({ a: 'found' as ReadBack })),
        probes: new Map([['p', found]]),
        runEnd: 5_000,
        limits,
      });
    expect(passed(withProbe('missing'))).toBe(true);
    expect(passed(withProbe('first'))).toBe(false);
  });
});

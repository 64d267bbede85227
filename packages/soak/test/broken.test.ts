// Each checker catches the fault it exists for: deliberately broken stores, first on a MemoryStore in-process, then
// under a real short soak (worker processes on Redis), which must report the violation (and only that one).
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { type BackendRun, BROKEN_KINDS, type BrokenKind, breakStore, DEFAULT_OPTIONS, soakBackend } from '../src/index';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('the broken stores (in-process, on MemoryStore)', () => {
  it('non-atomic-take: two concurrent takers both receive the value', async () => {
    const store = breakStore(new MemoryStore(), 'non-atomic-take');
    await store.set('c', 'k', bytes('v'));
    const taken = await Promise.all([store.take('c', 'k'), store.take('c', 'k')]);
    expect(taken.filter(Boolean)).toHaveLength(2);
    // The contract it breaks, on the unbroken store: exactly one.
    const control = new MemoryStore();
    await control.set('c', 'k', bytes('v'));
    expect((await Promise.all([control.take('c', 'k'), control.take('c', 'k')])).filter(Boolean)).toHaveLength(1);
  });

  it('drop-writes: acknowledges every fifth durable write without storing it', async () => {
    const store = breakStore(new MemoryStore(), 'drop-writes');
    for (let i = 1; i <= 10; i++) expect(await store.set('c', `k${i}`, bytes('v'))).toBe(true);
    const missing = [];
    for (let i = 1; i <= 10; i++) if (!(await store.get('c', `k${i}`))) missing.push(i);
    expect(missing).toEqual([5, 10]);
  });

  it('stale-reads: returns an entry after its TTL', async () => {
    let now = 1_000_000;
    const store = breakStore(new MemoryStore({ now: () => now }), 'stale-reads');
    await store.set('c', 'k', bytes('v'), { ttlMs: 1_000 });
    now += 5_000;
    expect(await store.get('c', 'k')).toEqual(bytes('v'));
  });

  it('applies-failed-writes: a write rejected as "not applied" is stored a moment later', async () => {
    const store = breakStore(new MemoryStore(), 'applies-failed-writes');
    const results = [];
    for (let i = 1; i <= 4; i++) {
      results.push(
        await store.set('c', `k${i}`, bytes('v')).then(
          () => 'ok',
          (error: { code?: string; outcomeUnknown?: boolean }) => `${error.code} ${error.outcomeUnknown}`,
        ),
      );
    }
    expect(results).toEqual(['ok', 'ok', 'ok', 'unavailable false']);
    expect(await store.get('c', 'k4')).toBeUndefined(); // not applied when it was reported failed...
    // Wait for the condition (the resend landing), not for a fixed time.
    while ((await store.get('c', 'k4')) === undefined) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.get('c', 'k4')).toEqual(bytes('v')); // ...but applied afterwards
  });
});

describe('a short real soak reports each broken store (worker processes, Redis)', () => {
  const runs = new Map<BrokenKind, BackendRun>();

  beforeAll(async () => {
    // Concurrently, each against its own Redis: most of a soak is waiting, and the test budget is small.
    const options = { ...DEFAULT_OPTIONS, seconds: 4, workers: 2, faults: 0 };
    const results = await Promise.all(
      BROKEN_KINDS.map(async (broken) => [broken, await soakBackend('redis', { ...options, broken })] as const),
    );
    for (const [broken, run] of results) runs.set(broken, run);
  }, 120_000);
  afterAll(() => {
    for (const [kind, { findings: f }] of runs) {
      process.stdout.write(
        `broken store ${kind}: ${f.ops} ops, double takes ${f.doubleTakes}, lost writes ${f.lostWrites} of ${f.checkedWrites}, stale reads ${f.staleReads} of ${f.expiredReads}, applied after failure ${f.appliedAfterFailure} of ${f.checkedFailedWrites}\n`,
      );
    }
  });

  const findings = (kind: BrokenKind) => {
    const run = runs.get(kind);
    if (!run) throw new Error(`the ${kind} soak did not run`);
    expect(run.passed).toBe(false);
    return run.findings;
  };

  it('non-atomic take: double takes', () => {
    const f = findings('non-atomic-take');
    expect(f.doubleTakes).toBeGreaterThan(0);
    expect({ lost: f.lostWrites, stale: f.staleReads }).toEqual({ lost: 0, stale: 0 });
  });

  it('writes acknowledged but dropped: lost writes', () => {
    const f = findings('drop-writes');
    expect(f.lostWrites).toBeGreaterThan(0);
    expect({ double: f.doubleTakes, stale: f.staleReads }).toEqual({ double: 0, stale: 0 });
  });

  it('expired entries returned: stale reads', () => {
    const f = findings('stale-reads');
    expect(f.staleReads).toBeGreaterThan(0);
    expect({ double: f.doubleTakes, lost: f.lostWrites }).toEqual({ double: 0, lost: 0 });
  });

  it('writes reported failed (outcomeUnknown false) but applied later: applied after failure', () => {
    const f = findings('applies-failed-writes');
    expect(f.appliedAfterFailure).toBeGreaterThan(0);
    expect({ double: f.doubleTakes, lost: f.lostWrites, stale: f.staleReads }).toEqual({
      double: 0,
      lost: 0,
      stale: 0,
    });
  });
});

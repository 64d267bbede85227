// The published attack suite (@oauth-store/contract-tests runAttackSuite) on the envelope over MemoryStore, real
// Redis (PERSIST to strip expiry) and real PostgreSQL (expires_at = NULL), plus proof that the suite catches a wrapper
// that lacks each defence: one that ignores the namespace, and one that does not enforce its authenticated expiry.
import { afterAll, describe, expect, it } from '@jest/globals';
import { type AttackSuiteOptions, runAttackSuite } from '@oauth-store/contract-tests';
import { type ByteStore, MemoryStore } from '@oauth-store/core';
import { withEnvelopeEncryption } from '../src/index';
import { BACKENDS, dropLocation, type Location, newLocation, openInner, stripBackendExpiry } from './support/backends';

const locations = new Map<ByteStore, Location>();
afterAll(async () => {
  await Promise.allSettled([...locations.values()].map(dropLocation));
});

runAttackSuite({
  name: 'envelope over memory',
  runner: { describe, it },
  createInner: () => new MemoryStore(),
  wrap: (inner, { keys, namespace, now }) => withEnvelopeEncryption(inner, { keyring: keys, namespace, now }),
});

for (const backend of BACKENDS) {
  runAttackSuite({
    name: `envelope over ${backend}`,
    runner: { describe, it },
    createInner: async () => {
      const location = newLocation(backend);
      const inner = await openInner(location);
      locations.set(inner, location);
      return inner;
    },
    wrap: (inner, { keys, namespace, now }) => withEnvelopeEncryption(inner, { keyring: keys, namespace, now }),
    // The backend's own tool: PERSIST in Redis, UPDATE ... SET expires_at = NULL in PostgreSQL.
    stripExpiry: (inner, collection, key) => stripBackendExpiry(locations.get(inner)!, collection, key),
  });
}

/** Runs the suite through a collecting runner and returns the titles of the tests that failed. */
async function failingTitles(wrap: AttackSuiteOptions['wrap']): Promise<string[]> {
  const tests: Array<{ title: string; body: () => Promise<void> }> = [];
  const path: string[] = [];
  runAttackSuite({
    name: 'weakened',
    createInner: () => new MemoryStore(),
    wrap,
    log: () => undefined,
    runner: {
      describe: (title: string, body: () => void) => {
        path.push(title);
        body();
        path.pop();
      },
      it: (title: string, body: () => Promise<void>) => tests.push({ title: [...path, title].join(' > '), body }),
    },
  });
  const failed: string[] = [];
  for (const test of tests) {
    await test.body().catch(() => failed.push(test.title));
  }
  return failed;
}

describe('runAttackSuite catches a wrapper without each defence', () => {
  it('the real envelope passes all of it (through the collecting runner too)', async () => {
    expect(
      await failingTitles((inner, { keys, namespace, now }) =>
        withEnvelopeEncryption(inner, { keyring: keys, namespace, now }),
      ),
    ).toEqual([]);
  });

  it('a wrapper that drops the namespace fails the replay attacks', async () => {
    const failed = await failingTitles((inner, { keys, now }) => withEnvelopeEncryption(inner, { keyring: keys, now }));
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/replay across namespaces > a record copied byte for byte/),
        expect.stringMatching(/replay across namespaces > the default namespace and a named one/),
      ]),
    );
    expect(failed.every((title) => title.includes('replay across namespaces'))).toBe(true);
  });

  it('a wrapper that does not enforce its authenticated expiry fails the resurrection attacks', async () => {
    // Its clock never moves: the suite's "two TTLs later" never comes for it, as for a wrapper with no expiry check.
    const failed = await failingTitles((inner, { keys, namespace }) =>
      withEnvelopeEncryption(inner, { keyring: keys, namespace, now: () => 0 }),
    );
    expect(failed).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/expiry resurrection > get and take/),
        expect.stringMatching(/expiry resurrection > getEntry/),
        expect.stringMatching(/expiry resurrection > set\(onlyIfAbsent\)/),
      ]),
    );
  });
});

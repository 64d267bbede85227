// The lifecycle rule helper, checked against what the store really writes (through the SDK, to the GCS fake): the rule
// must match every object written with a TTL, by prefix and by Custom-Time, and no object written without one.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { gcsLifecycleRule, objectName } from '../src/index';
import { bytes, freshBucket, newStorage, newStore, randomCollection } from './support';

let bucket: string;
beforeAll(async () => {
  bucket = await freshBucket();
});

describe('gcsLifecycleRule', () => {
  it('builds a Delete rule on daysSinceCustomTime, limited to the prefix', () => {
    expect(gcsLifecycleRule()).toEqual({
      action: { type: 'Delete' },
      condition: { daysSinceCustomTime: 1, matchesPrefix: ['oauth-store/'] },
    });
    expect(gcsLifecycleRule({ prefix: 'tenant-a/', graceDays: 0 }).condition).toEqual({
      daysSinceCustomTime: 0,
      matchesPrefix: ['tenant-a/'],
    });
    expect(gcsLifecycleRule({ prefix: '' }).condition).toEqual({ daysSinceCustomTime: 1 });
    expect(() => gcsLifecycleRule({ graceDays: -1 })).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => gcsLifecycleRule({ prefix: 'no-slash' })).toThrow(expect.objectContaining({ code: 'configuration' }));
  });

  it('matches what the store writes: TTL entries carry Custom-Time under the prefix, others none', async () => {
    const prefix = 'lc/';
    const rule = gcsLifecycleRule({ prefix });
    const store = newStore(bucket, { prefix });
    const collection = randomCollection();
    await store.set(collection, 'ttl', bytes('v'), { ttlMs: 1000 });
    await store.set(collection, 'forever', bytes('v'));
    const meta = async (key: string) =>
      (
        await newStorage()
          .bucket(bucket)
          .file(objectName(prefix, collection, key))
          .getMetadata()
      )[0];
    const ttl = await meta('ttl');
    expect(ttl.name?.startsWith(rule.condition.matchesPrefix![0]!)).toBe(true);
    expect(Date.parse(String(ttl.customTime))).toBe(Number(ttl.metadata?.['expires-at']));
    expect((await meta('forever')).customTime).toBeUndefined();
  });
});

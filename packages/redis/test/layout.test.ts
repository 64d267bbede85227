import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import { type BucketKeys, bucketHash, KeyLayout } from '../src/key-layout';
import { type BucketRead, readPage } from '../src/list-page';
import { resolveOptions } from '../src/options';

/**
 * The Cluster hash tag of a key, by the Redis rule: between the first `{` and the next `}`, when non-empty. Applied to
 * the JavaScript string: braces are ASCII, and no byte of a multi-byte UTF-8 sequence is, so it finds what Redis finds
 * in the key's bytes.
 */
function hashTag(text: string): string {
  const open = text.indexOf('{');
  const close = open < 0 ? -1 : text.indexOf('}', open + 1);
  return close > open + 1 ? text.slice(open + 1, close) : text;
}

describe('key layout', () => {
  const tricky = [
    'a',
    'a:b',
    'a}b',
    '{a}',
    'a{',
    '}',
    ':',
    'e:',
    'i',
    'x',
    '.',
    'a.1',
    '\0',
    'é',
    '🔑',
    'a'.repeat(300),
  ];

  it('maps every distinct (collection, key) pair to a distinct entry key', () => {
    const layout = new KeyLayout('p:', 16);
    const seen = new Map<string, string>();
    for (const collection of tricky) {
      for (const key of [...tricky, `${collection}:x`, `x}e:${collection}`]) {
        const entry = layout.entryKeys(collection, key).entry;
        const pair = JSON.stringify([collection, key]);
        expect(seen.get(entry) ?? pair).toBe(pair);
        seen.set(entry, pair);
      }
    }
    // Entry keys never equal an index key either.
    for (const collection of tricky) {
      for (const bucket of layout.bucketKeys(collection)) {
        expect(seen.has(bucket.index)).toBe(false);
        expect(seen.has(bucket.expiry)).toBe(false);
      }
    }
  });

  it('puts an entry and its bucket indexes in one hash slot, whatever braces the collection or key hold', () => {
    const layout = new KeyLayout('p:', 16);
    for (const collection of tricky) {
      for (const key of tricky) {
        const keys = layout.entryKeys(collection, key);
        const tag = hashTag(keys.entry);
        expect(hashTag(keys.index)).toBe(tag);
        expect(hashTag(keys.expiry)).toBe(tag);
        expect(tag).toMatch(/^[A-Za-z0-9_-]+\.\d+$/);
      }
    }
  });

  it('spreads one collection over its buckets and keeps the bucket of a key stable', () => {
    const layout = new KeyLayout('p:', 16);
    const tags = new Set<string>();
    for (let i = 0; i < 500; i++) tags.add(hashTag(layout.entryKeys('codes', `key-${i}`).entry));
    expect(tags.size).toBe(16);
    expect(layout.entryKeys('codes', 'abc').entry).toEqual(new KeyLayout('p:', 16).entryKeys('codes', 'abc').entry);
  });

  it('picks buckets with 32-bit FNV-1a of the UTF-8 bytes, which must never change (it is part of the layout)', () => {
    // Published FNV-1a test vectors, so this pins the algorithm, not whatever the code happens to compute.
    expect(bucketHash('')).toBe(0x811c9dc5);
    expect(bucketHash('a')).toBe(0xe40c292c);
    expect(bucketHash('foobar')).toBe(0xbf9cf968);
    // Non-ASCII keys hash their UTF-8 bytes, a lone surrogate as U+FFFD (what Redis is sent for it).
    const bytesOf = (key: string) => {
      let hash = 0x811c9dc5;
      for (const byte of Buffer.from(key, 'utf8')) hash = Math.imul(hash ^ byte, 0x01000193);
      return hash >>> 0;
    };
    for (const key of ['é', '🔑', 'a\ud800b', 'x'.repeat(40) + 'ü']) expect(bucketHash(key)).toBe(bytesOf(key));
    expect(bucketHash('é')).toBe(bucketHash('\u00e9'));
    const layout = new KeyLayout('p:', 16);
    expect(layout.bucketOf('foobar')).toBe(0xbf9cf968 % 16);
    expect(layout.entryKeys('codes', 'foobar').entry).toBe(`p:{Y29kZXM.${0xbf9cf968 % 16}}e:foobar`);
  });

  it('rejects a prefix with braces and other bad options with a ConfigurationError', () => {
    const bad = [
      { url: 'redis://x', keyPrefix: 'a{b' },
      { url: 'redis://x', keyPrefix: 'a}' },
      { url: 'redis://x', buckets: 0 },
      { url: 'redis://x', buckets: 1.5 },
      { url: 'redis://x', commandTimeoutMs: -1 },
      { url: 'redis://x', maxValueBytes: 600 * 1024 * 1024 },
      {},
      { url: 'redis://x', clusterUrls: ['redis://y'] },
      { clusterUrls: [] },
    ];
    for (const options of bad) {
      let caught: unknown;
      try {
        resolveOptions(options);
      } catch (error) {
        caught = error;
      }
      expect(isOAuthStoreError(caught, 'configuration')).toBe(true);
    }
    expect(resolveOptions({ url: 'redis://x' })).toEqual({
      target: { url: 'redis://x' },
      keyPrefix: 'oauth-store:',
      commandTimeoutMs: 2000,
      buckets: 16,
      maxValueBytes: 1024 * 1024,
    });
  });
});

describe('list page merge over buckets', () => {
  // An in-memory model of the bucket indexes: sorted members per bucket, some stale.
  function model(keyCount: number, buckets: number, staleEvery: number) {
    const layout = new KeyLayout('p:', buckets);
    const members: Buffer[][] = Array.from({ length: buckets }, () => []);
    const stale = new Set<string>();
    for (let i = 0; i < keyCount; i++) {
      const member = Buffer.from(`k${(i * 7919) % 100_003}`);
      members[layout.bucketOf(member.toString())]?.push(member);
      if (staleEvery > 0 && i % staleEvery === 0) stale.add(member.toString());
    }
    for (const list of members) list.sort(Buffer.compare);
    const keys = layout.bucketKeys('c');
    const read = async (bucket: BucketKeys, after: Buffer | undefined, count: number): Promise<BucketRead> => {
      const list = members[keys.indexOf(bucket)] ?? [];
      const slice = list.filter((m) => !after || Buffer.compare(m, after) > 0).slice(0, count);
      return { live: slice.filter((m) => !stale.has(m.toString())), read: slice.length, last: slice.at(-1) };
    };
    const live = members
      .flat()
      .filter((m) => !stale.has(m.toString()))
      .map(String)
      .sort();
    return { keys, read, live };
  }

  for (const [keyCount, buckets, limit, staleEvery] of [
    [0, 16, 10, 0],
    [1, 16, 1, 0],
    [45, 16, 7, 0],
    [200, 16, 100, 3],
    [200, 1, 13, 2],
    [300, 5, 1, 0],
    [120, 16, 1000, 0],
    [100, 16, 5, 1],
  ] as const) {
    it(`returns every live key once, in byte order (${keyCount} keys, ${buckets} buckets, limit ${limit}, stale 1/${staleEvery})`, async () => {
      const { keys, read, live } = model(keyCount, buckets, staleEvery);
      const seen: string[] = [];
      let after: Buffer | undefined;
      let pages = 0;
      do {
        const page = await readPage(keys, read, after, limit);
        expect(page.keys.length).toBeLessThanOrEqual(limit);
        seen.push(...page.keys.map(String));
        after = page.next;
        pages++;
        expect(pages).toBeLessThan(1000);
      } while (after);
      expect(seen).toEqual(live);
    });
  }
});

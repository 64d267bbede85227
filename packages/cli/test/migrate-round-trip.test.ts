import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore, StoredEntry } from '@oauth-store/core';
import { openStore } from '../src/connection-string';
import { main } from '../src/main';
import { recordingIo } from './support/io';
import { useMariaDb } from './support/mysql';

const mysqlUrl = useMariaDb();
const tag = () => randomBytes(4).toString('hex');
const COLLECTIONS = ['oauth-clients', 'oauth-transactions', 'Oauth-Clients'];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauth-store-round-trip-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

type Snapshot = Map<string, Map<string, StoredEntry>>;

/**
 * Keys that collide under case- or accent-insensitive collations or trimming (MySQL's defaults), NUL and non-BMP
 * characters, and binary values of varied sizes (empty included); a third never expire, the rest expire in 1 to 60 min.
 */
function keysFor(count: number): string[] {
  const keys = ['Client', 'client', 'CLIENT', 'café', 'cafe', 'cafÉ', 'trail ', 'trail', 'nul\u0000key', '𝄞-clef'];
  for (let index = keys.length; index < count; index++) keys.push(`key-${index}-${tag()}`);
  return keys;
}

async function seed(store: ByteStore, perCollection: number): Promise<void> {
  for (const collection of COLLECTIONS) {
    const keys = keysFor(perCollection);
    await Promise.all(
      keys.map((key, index) =>
        store.set(
          collection,
          key,
          new Uint8Array(randomBytes((index * 53) % 2500)),
          index % 3 === 0 ? {} : { ttlMs: 60_000 + index * 1_000 },
        ),
      ),
    );
  }
}

/** Every live entry of every collection with its bytes and absolute expiry. */
async function snapshot(store: ByteStore): Promise<Snapshot> {
  const all: Snapshot = new Map();
  for (const collection of COLLECTIONS) {
    const entries = new Map<string, StoredEntry>();
    let cursor: string | undefined;
    do {
      const page = await store.list(collection, { limit: 97, ...(cursor ? { cursor } : {}) });
      for (const key of page.keys) {
        const entry = await store.getEntry(collection, key);
        if (entry) entries.set(key, entry);
      }
      cursor = page.cursor;
    } while (cursor);
    all.set(collection, entries);
  }
  return all;
}

/**
 * The copy holds exactly the original's keys with byte-identical values, and each expiry equals the original's to the
 * millisecond (migrate copies the absolute expiry, see migrate.ts). Versions are per write and are not compared.
 */
function expectSameEntries(copy: Snapshot, original: Snapshot): void {
  for (const [collection, entries] of original) {
    const copied = copy.get(collection) ?? new Map<string, StoredEntry>();
    expect([...copied.keys()].sort()).toEqual([...entries.keys()].sort());
    for (const [key, entry] of entries) {
      const other = copied.get(key) as StoredEntry;
      expect(Buffer.compare(Buffer.from(other.value), Buffer.from(entry.value))).toBe(0);
      if (entry.expiresAt === undefined) {
        expect(other.expiresAt).toBeUndefined();
      } else {
        expect(other.expiresAt).toBe(entry.expiresAt);
      }
    }
  }
}

async function using<T>(url: string, use: (store: ByteStore) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close();
  }
}

describe('migrate round trip through the CLI: Redis -> SQLite -> MySQL -> PostgreSQL', () => {
  it('keeps every key, every byte and every expiry', async () => {
    const id = tag();
    const hops = [
      `${process.env.REDIS_URL}?prefix=round-${id}:`,
      `sqlite:${join(dir, `round-${id}.db`)}`,
      `${mysqlUrl()}${mysqlUrl().includes('?') ? '&' : '?'}table=round_${id}`,
      (() => {
        const url = new URL(process.env.DATABASE_URL as string);
        url.searchParams.set('table', `round_${id}`);
        return url.href;
      })(),
    ];
    await using(hops[0] as string, (store) => seed(store, 150));
    const original = await using(hops[0] as string, snapshot);
    expect([...original.values()].map((entries) => entries.size)).toEqual([150, 150, 150]);
    for (let hop = 1; hop < hops.length; hop++) {
      const io = recordingIo();
      const args = ['migrate', '--from', hops[hop - 1], '--to', hops[hop], '--collections', COLLECTIONS.join(',')];
      const code = await main(
        [...(args as string[]), '--progress-file', join(dir, `progress-${id}-${hop}.json`), '--json'],
        io,
      );
      expect({ code, err: io.err.includes('oauth-store:') ? io.err : '' }).toEqual({ code: 0, err: '' });
      const result = JSON.parse(io.out) as { verified: boolean; collections: { copied: number }[] };
      expect(result.verified).toBe(true);
      expect(result.collections.map((counts) => counts.copied)).toEqual([150, 150, 150]);
      expectSameEntries(await using(hops[hop] as string, snapshot), original);
    }
  }, 180_000);
});

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { createKeyring, withEnvelopeEncryption } from '@oauth-store/envelope';
import { openStore } from '../src/connection-string';
import { main } from '../src/main';
import { migrate, migrationIdentity } from '../src/migrate';
import { recordingIo } from './support/io';

const tag = () => randomBytes(4).toString('hex');
const redisUrl = (prefix: string) => `${process.env.REDIS_URL}?prefix=${prefix}`;
const postgresUrl = (table: string) => {
  const url = new URL(process.env.DATABASE_URL as string);
  url.searchParams.set('table', table);
  return url.href;
};

type Dataset = Map<string, Map<string, Uint8Array>>;

/** N records over several collections: random keys (some non-ASCII) and random binary values of varied sizes. */
async function writeDataset(store: ByteStore, collections: string[], perCollection: number): Promise<Dataset> {
  const data: Dataset = new Map();
  for (const collection of collections) {
    const entries = new Map<string, Uint8Array>();
    for (let index = 0; index < perCollection; index++) {
      const key = index % 7 === 0 ? `clé-${index}-✓-${tag()}` : `key-${index}-${tag()}`;
      entries.set(key, new Uint8Array(randomBytes(1 + ((index * 37) % 3000))));
    }
    await Promise.all([...entries].map(([key, value]) => store.set(collection, key, value)));
    data.set(collection, entries);
  }
  return data;
}

async function listAll(store: ByteStore, collection: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(collection, { limit: 100, ...(cursor ? { cursor } : {}) });
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return keys;
}

/** Every record of `data` is in `store` with identical bytes, and nothing else is. */
async function expectSame(store: ByteStore, data: Dataset): Promise<void> {
  for (const [collection, entries] of data) {
    expect((await listAll(store, collection)).sort()).toEqual([...entries.keys()].sort());
    for (const [key, value] of entries) {
      const stored = await store.get(collection, key);
      expect(stored && Buffer.compare(Buffer.from(stored), Buffer.from(value))).toBe(0);
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

describe('migrate', () => {
  it('copies Redis to PostgreSQL and back without losing or changing a byte', async () => {
    const collections = ['oauth-clients', 'oauth-transactions', 'custom-things'];
    const redisA = redisUrl(`mig-a-${tag()}:`);
    const pg = postgresUrl(`mig_${tag()}`);
    const redisB = redisUrl(`mig-b-${tag()}:`);
    const data = await using(redisA, (store) => writeDataset(store, collections, 230));
    await using(redisA, (from) =>
      using(pg, async (to) => {
        const result = await migrate(from, to, { collections, pageSize: 64 });
        expect(result.verified).toBe(true);
        expect(result.collections.map((c) => [c.collection, c.sourceEntries, c.copied, c.targetEntries])).toEqual(
          collections.map((collection) => [collection, 230, 230, 230]),
        );
        await expectSame(to, data);
      }),
    );
    await using(pg, (from) =>
      using(redisB, async (to) => {
        expect((await migrate(from, to, { collections, pageSize: 50 })).verified).toBe(true);
        await expectSame(to, data);
      }),
    );
  }, 60_000);

  it('resumes from its progress file after an interruption (the rest through the CLI)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oauth-store-migrate-test-'));
    const progressFile = join(dir, 'progress.json');
    const collections = ['first', 'second'];
    const from = redisUrl(`mig-r-${tag()}:`);
    const to = postgresUrl(`mig_r_${tag()}`);
    try {
      const data = await using(from, (store) => writeDataset(store, collections, 150));
      // Stop after the first page of the first collection.
      const controller = new AbortController();
      await expect(
        using(from, (source) =>
          using(to, (target) =>
            migrate(source, target, {
              collections,
              progressFile,
              identity: migrationIdentity(from, to, collections),
              pageSize: 40,
              signal: controller.signal,
              onProgress: ({ done }) => {
                if (done > 0) controller.abort(new Error('stop'));
              },
            }),
          ),
        ),
      ).rejects.toThrow('stop');
      expect(existsSync(progressFile)).toBe(true);
      // A different migration (other collections) refuses this progress file.
      const refused = recordingIo();
      expect(
        await main(
          ['migrate', '--from', from, '--to', to, '--collections', 'first', '--progress-file', progressFile],
          refused,
        ),
      ).toBe(1);
      expect(refused.err).toContain('belongs to another migration');
      // The same migration through the CLI continues where the interrupted run stopped.
      const io = recordingIo();
      const args = [
        'migrate',
        '--from',
        from,
        '--to',
        to,
        '--collections',
        'first,second',
        '--progress-file',
        progressFile,
        '--json',
      ];
      expect(await main(args, io)).toBe(0);
      const result = JSON.parse(io.out);
      expect(result.verified).toBe(true);
      expect(result.resumed).toBe(true);
      expect(result.collections.map((c: { copied: number }) => c.copied)).toEqual([150, 150]);
      expect(existsSync(progressFile)).toBe(false);
      expect(io.err).toContain('100% 150/150 second');
      await using(to, (store) => expectSame(store, data));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('keeps the remaining TTL of envelope-encrypted records', async () => {
    const from = redisUrl(`mig-t-${tag()}:`);
    const to = postgresUrl(`mig_t_${tag()}`);
    const keyring = createKeyring({ primary: { kid: 'k1', key: new Uint8Array(randomBytes(32)) }, decryptOnly: [] });
    await using(from, async (raw) => {
      const encrypted = withEnvelopeEncryption(raw, { keyring });
      await encrypted.set('oauth-codes', 'short', new TextEncoder().encode('code'), { ttlMs: 1_500 });
      await encrypted.set('oauth-codes', 'forever', new TextEncoder().encode('keep'));
    });
    await using(from, (source) => using(to, (target) => migrate(source, target, { collections: ['oauth-codes'] })));
    await using(to, async (raw) => {
      const encrypted = withEnvelopeEncryption(raw, { keyring });
      expect(new TextDecoder().decode(await encrypted.get('oauth-codes', 'short'))).toBe('code');
      // Poll with a deadline: the record must vanish once its original 1.5 s are up, not live on forever.
      let gone = false;
      const deadline = Date.now() + 10_000;
      while (!gone && Date.now() < deadline) {
        gone = (await encrypted.get('oauth-codes', 'short')) === undefined;
        if (!gone) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(gone).toBe(true);
      expect(new TextDecoder().decode(await encrypted.get('oauth-codes', 'forever'))).toBe('keep');
    });
  }, 30_000);
});

// The README's example is this fixture, verbatim (checked here), and it runs: two instances built by it share one
// envelope-encrypted Redis, and what reaches Redis holds neither the tokens nor the payloads in the clear.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { createClient } from 'redis';
import { createProvider } from './fixtures/readme-provider';
import { authorize, baseConfiguration, exchangeCode, type Instance, listenProvider, pkce } from './support/oidc-server';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'test/fixtures/readme-provider.ts';

/** The ```ts block right after `<!-- example: <file> -->` in the README. */
function readmeBlock(file: string): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const marker = `<!-- example: ${file} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no ${marker}`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match?.[1]) throw new Error(`README.md has no ts block after ${marker}`);
  return match[1];
}

describe('README example', () => {
  const saved = { kek: process.env.OAUTH_STORE_KEK, hash: process.env.OAUTH_STORE_HASH_KEY };
  const stores: ByteStore[] = [];
  const instances: Instance[] = [];

  beforeAll(() => {
    process.env.OAUTH_STORE_KEK = randomBytes(32).toString('base64');
    process.env.OAUTH_STORE_HASH_KEY = randomBytes(32).toString('base64');
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.close()));
    await Promise.allSettled(stores.map((store) => store.close()));
    for (const [name, value] of [
      ['OAUTH_STORE_KEK', saved.kek],
      ['OAUTH_STORE_HASH_KEY', saved.hash],
    ] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it('is the fixture, verbatim', () => {
    expect(readmeBlock(FIXTURE)).toBe(readFileSync(join(here, '..', FIXTURE), 'utf8'));
  });

  it('runs two instances on one Redis: a code issued by one is exchanged at the other, nothing in the clear', async () => {
    const start = async (issuer?: string) => {
      const instance = await listenProvider(async (iss) => {
        const { provider, store } = await createProvider(iss, baseConfiguration());
        stores.push(store);
        return provider;
      }, issuer);
      instances.push(instance);
      return instance;
    };
    const a = await start();
    const b = await start(a.url.origin);
    const { verifier, challenge } = pkce();
    const code = await authorize(a.url, challenge);
    const exchanged = await exchangeCode(b.url, code, verifier);
    expect(exchanged.status).toBe(200);
    const { access_token, refresh_token } = exchanged.body as Record<string, string>;

    // Everything under the store's Redis prefix: entry names and values, and the members of the list indexes.
    const redis = createClient({ url: process.env.REDIS_URL });
    await redis.connect();
    const seen: string[] = [];
    // Only this example's collections (the adapter's default prefix, which only this test uses): other test files write plaintext test data to the same Redis at the
    // same time. The Redis layout is `oauth-store:{<collection as base64url>.<bucket>}...`.
    const ours = (key: string) => {
      const tag = /^oauth-store:\{([A-Za-z0-9_-]+)\.\d+\}/.exec(key)?.[1];
      return tag !== undefined && Buffer.from(tag, 'base64url').toString('utf8').startsWith('oidc:');
    };
    try {
      for await (const keys of redis.scanIterator({ MATCH: 'oauth-store:*', COUNT: 1000 })) {
        for (const key of keys.filter(ours)) {
          seen.push(key);
          const type = await redis.type(key);
          if (type === 'string') seen.push((await redis.get(key)) ?? '');
          else if (type === 'zset') seen.push(...(await redis.zRange(key, 0, -1)));
        }
      }
    } finally {
      redis.destroy();
    }
    const everything = seen.join('\n');
    expect(seen.length).toBeGreaterThan(10);
    for (const secret of [code, access_token, refresh_token]) {
      expect(typeof secret).toBe('string');
      expect(everything).not.toContain(secret);
    }
    // Payloads are encrypted: the account id and the client id appear nowhere.
    expect(everything).not.toContain('alice');
    expect(everything).not.toContain('test-app');
  });
});

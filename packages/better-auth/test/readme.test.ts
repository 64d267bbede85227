// The README's example is this fixture, verbatim (checked here), and it runs: two better-auth instances built by it
// share one envelope-encrypted Redis, and Redis holds neither the session token nor the user's data in the clear.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { createClient } from 'redis';
import { createAuth } from './fixtures/readme-auth';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'test/fixtures/readme-auth.ts';
const BASE_URL = 'http://localhost:3000';

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

  beforeAll(() => {
    process.env.OAUTH_STORE_KEK = randomBytes(32).toString('base64');
    process.env.OAUTH_STORE_HASH_KEY = randomBytes(32).toString('base64');
  });
  afterAll(async () => {
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

  it('shares sessions and the rate limit between two instances; Redis sees no token or user data', async () => {
    const db: Record<string, unknown[]> = { user: [], session: [], account: [], verification: [] };
    const options = {
      baseURL: BASE_URL,
      secret: randomBytes(32).toString('base64url'),
      database: memoryAdapter(db),
      emailAndPassword: { enabled: true },
      rateLimit: { enabled: true, window: 60, max: 1000, customRules: { '/ok': { window: 60, max: 2 } } },
      advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
      telemetry: { enabled: false },
      logger: { disabled: true },
    };
    const one = await createAuth(options);
    const two = await createAuth(options);
    stores.push(one.store, two.store);
    const headers = (cookie?: string) =>
      new Headers({
        origin: BASE_URL,
        'content-type': 'application/json',
        'x-forwarded-for': '192.0.2.77',
        ...(cookie ? { cookie } : {}),
      });

    const email = `readme-${randomBytes(4).toString('hex')}@example.com`;
    const signUp = await one.auth.handler(
      new Request(`${BASE_URL}/api/auth/sign-up/email`, {
        method: 'POST',
        headers: headers(),
        body: JSON.stringify({ email, password: 'correct horse battery staple', name: 'Readme' }),
      }),
    );
    expect(signUp.status).toBe(200);
    const cookie = signUp.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    const session = await two.auth.handler(
      new Request(`${BASE_URL}/api/auth/get-session`, { headers: headers(cookie) }),
    );
    const body = (await session.json()) as { user?: { email?: string }; session?: { token?: string } } | null;
    expect(body?.user?.email).toBe(email);
    const token = body?.session?.token;
    expect(typeof token).toBe('string');

    const statuses: number[] = [];
    for (const auth of [one.auth, two.auth, one.auth]) {
      statuses.push((await auth.handler(new Request(`${BASE_URL}/api/auth/ok`, { headers: headers() }))).status);
    }
    expect(statuses).toEqual([200, 200, 429]);

    const redis = createClient({ url: process.env.REDIS_URL });
    await redis.connect();
    const seen: string[] = [];
    // Only this example's collections (the default collection and its counter collections, which only this test uses): other test files write plaintext test data to the same Redis at the
    // same time. The Redis layout is `oauth-store:{<collection as base64url>.<bucket>}...`.
    const ours = (key: string) => {
      const tag = /^oauth-store:\{([A-Za-z0-9_-]+)\.\d+\}/.exec(key)?.[1];
      return tag !== undefined && Buffer.from(tag, 'base64url').toString('utf8').startsWith('better-auth');
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
    expect(seen.length).toBeGreaterThan(5);
    expect(everything).not.toContain(token as string);
    expect(everything).not.toContain(email);
    expect(everything).not.toContain('192.0.2.77');
  });
});

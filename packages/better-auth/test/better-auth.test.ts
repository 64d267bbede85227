// Two real better-auth instances (one user database, each with its own Redis connection for secondary storage):
// a session created by one is seen and ended by the other, and the secondary-storage rate limiter counts the
// requests of both with one counter. With better-auth's default in-process storage neither would hold.
//
// Runs on both ends of the range: better-auth as the devDependency (the newest in the lockfile) and better-auth
// 1.3.18 (the alias better-auth-lowest, which pins @better-auth/core 1.3.18, the floor of the peer range). What
// better-auth asks of the storage grew over that range: 1.3.18 calls only get, set and delete (its rate limiter reads
// the count and writes it back, so concurrent requests can pass on the same stale count with any storage); from 1.6.17
// the limiter counts with the storage's atomic increment, which is what makes the limit exact across instances.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { installedVersion } from '../../../scripts/test-support/installed-version';
import { createSecondaryStorage, type OAuthStoreSecondaryStorage } from '../src/index';
import { openStore } from './support/stores';

const BASE_URL = 'http://localhost:3000';
const SECRET = randomBytes(32).toString('base64url');

const manifest = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  peerDependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const coreFloor = /^\^(\d+\.\d+\.\d+)$/.exec(manifest.peerDependencies['@better-auth/core'] ?? '')?.[1];

/** The first better-auth whose secondary-storage rate limiter calls `increment` (better-auth PR #9993, in 1.6.17). */
const INCREMENT_SINCE = '1.6.17';

/** Negative, zero or positive as release `a` is older than, the same as or newer than `b` (plain x.y.z only). */
function compareVersions(a: string, b: string): number {
  const [x, y] = [a, b].map((v) => v.split('.').map(Number)) as [number[], number[]];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return (x[i] ?? 0) - (y[i] ?? 0);
  return 0;
}

/** One end of the range: better-auth's entry points as imported under the package's own name or its alias. */
interface BetterAuthLine {
  end: 'newest' | 'lowest';
  betterAuth: typeof import('better-auth').betterAuth;
  memoryAdapter: typeof import('better-auth/adapters/memory').memoryAdapter;
  /** The versions of better-auth and of the @better-auth/core it depends on, read from their package.json. */
  versions: { betterAuth: string; core: string };
}

/** The version of better-auth's own @better-auth/core: the one resolved from inside the better-auth package. */
function coreVersionOf(importName: string): string {
  const entry = createRequire(import.meta.url).resolve(importName);
  return installedVersion('@better-auth/core', '@better-auth/core', pathToFileURL(entry).href);
}

/**
 * better-auth 1.3.18 reads NODE_ENV once, when it loads, and under `test` (which jest sets) its getIp ignores the IP
 * headers and answers 127.0.0.1 for every request, so the per-client rate-limit keys would all be one. It is loaded
 * as an application started without NODE_ENV loads it (later versions read the headers first in tests too).
 */
async function withoutNodeEnv<T>(load: () => Promise<T>): Promise<T> {
  const saved = process.env.NODE_ENV;
  delete process.env.NODE_ENV;
  try {
    return await load();
  } finally {
    if (saved !== undefined) process.env.NODE_ENV = saved;
  }
}
const lowest = await withoutNodeEnv(async () => ({
  main: await import('better-auth-lowest'),
  memory: await import('better-auth-lowest/adapters/memory'),
}));

const lines: BetterAuthLine[] = [
  {
    end: 'newest',
    betterAuth: (await import('better-auth')).betterAuth,
    memoryAdapter: (await import('better-auth/adapters/memory')).memoryAdapter,
    versions: {
      betterAuth: installedVersion('better-auth', 'better-auth', import.meta.url),
      core: coreVersionOf('better-auth'),
    },
  },
  {
    end: 'lowest',
    // Called with the options below as the newest is; that 1.3.18's own types accept the storage is types.test.ts.
    betterAuth: lowest.main.betterAuth as unknown as BetterAuthLine['betterAuth'],
    memoryAdapter: lowest.memory.memoryAdapter as unknown as BetterAuthLine['memoryAdapter'],
    versions: {
      betterAuth: installedVersion('better-auth-lowest', 'better-auth', import.meta.url),
      core: coreVersionOf('better-auth-lowest'),
    },
  },
];

describe.each(lines)('better-auth $versions.betterAuth ($end) with a shared secondary storage', (line) => {
  const { betterAuth, memoryAdapter } = line;
  const stores: ByteStore[] = [];
  // The user database is shared the way two processes would share one SQL database.
  const db: Record<string, unknown[]> = { user: [], session: [], account: [], verification: [], rateLimit: [] };
  let a: ReturnType<typeof instance>;
  let b: ReturnType<typeof instance>;
  const collection = `ba-auth-${randomBytes(4).toString('hex')}`;
  const countsWithIncrement = compareVersions(line.versions.betterAuth, INCREMENT_SINCE) >= 0;
  /** How often better-auth (both instances) called each storage method. */
  const calls = new Map<string, number>();
  let storageA: OAuthStoreSecondaryStorage;

  /** The storage, counting better-auth's calls per method. */
  function counted(storage: OAuthStoreSecondaryStorage): OAuthStoreSecondaryStorage {
    const wrapped = {} as Record<string, unknown>;
    for (const [name, method] of Object.entries(storage) as [string, (...args: unknown[]) => unknown][]) {
      wrapped[name] = (...args: unknown[]) => {
        calls.set(name, (calls.get(name) ?? 0) + 1);
        return method(...args);
      };
    }
    return wrapped as unknown as OAuthStoreSecondaryStorage;
  }

  function instance(store: ByteStore) {
    const storage = createSecondaryStorage(store, { collection });
    storageA ??= storage;
    return betterAuth({
      baseURL: BASE_URL,
      secret: SECRET,
      database: memoryAdapter(db),
      secondaryStorage: counted(storage),
      emailAndPassword: { enabled: true },
      rateLimit: {
        enabled: true,
        storage: 'secondary-storage',
        window: 60,
        max: 1000,
        customRules: { '/ok': { window: 60, max: 3 } },
      },
      advanced: { ipAddress: { ipAddressHeaders: ['x-forwarded-for'] } },
      telemetry: { enabled: false },
      logger: { disabled: true },
    });
  }

  beforeAll(async () => {
    stores.push(await openStore('redis'), await openStore('redis'));
    a = instance(stores[0] as ByteStore);
    b = instance(stores[1] as ByteStore);
  });
  afterAll(async () => {
    await Promise.allSettled(stores.map((store) => store.close()));
  });

  it('runs the better-auth and @better-auth/core versions of its end of the range', () => {
    // Two different copies of better-auth (each version is read from the package its import resolved to).
    expect(lines[0]?.betterAuth).not.toBe(lines[1]?.betterAuth);
    expect(lines[0]?.memoryAdapter).not.toBe(lines[1]?.memoryAdapter);
    if (line.end === 'lowest') {
      // better-auth 1.3.18 pins @better-auth/core 1.3.18, the floor of the peer range.
      expect(line.versions).toEqual({ betterAuth: coreFloor, core: coreFloor });
    } else {
      expect(line.versions).toEqual({
        betterAuth: manifest.devDependencies['better-auth'],
        core: manifest.devDependencies['@better-auth/core'],
      });
      expect(line.versions.core).not.toBe(coreFloor);
    }
  });

  function request(path: string, init: { method?: string; body?: unknown; cookie?: string; ip?: string } = {}) {
    const headers = new Headers({ origin: BASE_URL, 'x-forwarded-for': init.ip ?? '192.0.2.10' });
    if (init.body !== undefined) headers.set('content-type', 'application/json');
    if (init.cookie) headers.set('cookie', init.cookie);
    return new Request(`${BASE_URL}/api/auth${path}`, {
      method: init.method ?? 'GET',
      headers,
      ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    });
  }

  it('a session created at A is read at B, and signing out at B ends it at A', async () => {
    const signUp = await a.handler(
      request('/sign-up/email', {
        method: 'POST',
        body: { email: 'alice@example.com', password: 'correct horse battery staple', name: 'Alice' },
      }),
    );
    expect(signUp.status).toBe(200);
    const cookie = signUp.headers
      .getSetCookie()
      .map((line) => line.split(';')[0])
      .join('; ');
    expect(cookie).toContain('session_token=');
    // The session lives only in secondary storage (better-auth's default when one is configured).
    expect(db.session).toHaveLength(0);

    const atB = await b.handler(request('/get-session', { cookie }));
    expect(atB.status).toBe(200);
    const session = (await atB.json()) as { user?: { email?: string } } | null;
    expect(session?.user?.email).toBe('alice@example.com');

    const signOut = await b.handler(request('/sign-out', { method: 'POST', body: {}, cookie }));
    expect(signOut.status).toBe(200);
    const afterSignOut = await a.handler(request('/get-session', { cookie }));
    expect(await afterSignOut.json()).toBeNull();
  });

  it('rate-limits across instances with one counter (max 3 per window)', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i += 1) {
      const response = await (i % 2 ? b : a).handler(request('/ok', { ip: '198.51.100.23' }));
      statuses.push(response.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429]);
    // Another client is counted separately.
    expect((await b.handler(request('/ok', { ip: '198.51.100.24' }))).status).toBe(200);
    if (countsWithIncrement) {
      expect(calls.get('increment')).toBeGreaterThan(0);
    } else {
      // better-auth < 1.6.17 never calls increment: the count is its own JSON record, read and written back through
      // get and set, and both instances updated the one record in the shared store.
      expect(calls.get('increment')).toBeUndefined();
      const record = JSON.parse((await storageA.get('198.51.100.23/ok')) ?? 'null') as { count?: number } | null;
      expect(record?.count).toBe(3);
    }
  });

  if (countsWithIncrement) {
    it('rate-limits concurrent requests spread over both instances exactly', async () => {
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).handler(request('/ok', { ip: '203.0.113.99' }))),
      );
      const statuses = responses.map((response) => response.status).sort();
      expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
    });
  } else {
    // Not a storage limit: 1.3.18's limiter reads the count, decides, then writes count + 1, so requests that arrive
    // together all read the same count (12 concurrent requests with max 3: all 12 passed in a run). Nothing to assert about
    // the storage beyond the calls: it is never asked to count.
    it(`does not ask the storage to count (exact concurrent limits need better-auth >= ${INCREMENT_SINCE})`, async () => {
      await Promise.all(
        Array.from({ length: 6 }, (_, i) => (i % 2 ? b : a).handler(request('/ok', { ip: '203.0.113.99' }))),
      );
      expect(calls.get('increment')).toBeUndefined();
      expect(calls.get('getAndDelete')).toBeUndefined();
      expect(calls.get('set')).toBeGreaterThan(0);
    });
  }
});

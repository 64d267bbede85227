// Two real better-auth instances (one user database, each with its own Redis connection for secondary storage):
// a session created by one is seen and ended by the other, and the secondary-storage rate limiter counts the
// requests of both with one counter. With better-auth's default in-process storage neither would hold.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { betterAuth } from 'better-auth';
import { memoryAdapter } from 'better-auth/adapters/memory';
import { createSecondaryStorage } from '../src/index';
import { openStore } from './support/stores';

const BASE_URL = 'http://localhost:3000';
const SECRET = randomBytes(32).toString('base64url');

describe('better-auth with a shared secondary storage', () => {
  const stores: ByteStore[] = [];
  // The user database is shared the way two processes would share one SQL database.
  const db: Record<string, unknown[]> = { user: [], session: [], account: [], verification: [], rateLimit: [] };
  let a: ReturnType<typeof instance>;
  let b: ReturnType<typeof instance>;
  const collection = `ba-auth-${randomBytes(4).toString('hex')}`;

  function instance(store: ByteStore) {
    return betterAuth({
      baseURL: BASE_URL,
      secret: SECRET,
      database: memoryAdapter(db),
      secondaryStorage: createSecondaryStorage(store, { collection }),
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
  });

  it('rate-limits concurrent requests spread over both instances exactly', async () => {
    const responses = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 2 ? b : a).handler(request('/ok', { ip: '203.0.113.99' }))),
    );
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429, 429, 429]);
  });
});

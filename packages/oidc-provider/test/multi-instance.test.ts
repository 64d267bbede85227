// Two real oidc-provider instances (one issuer, two ports, two store connections) sharing state only through the
// adapter, on Redis and on PostgreSQL. Every test crosses instances, so each fails without a shared adapter: with
// oidc-provider's in-memory default, instance B has never heard of instance A's codes, tokens or grants. The flows
// run on the newest oidc-provider in the lockfile on both backends, and on the lowest the peer range admits (9.0.0,
// the `oidc-provider-lowest` alias; support/providers.ts) on Redis; a test in each checks which version really runs.
// (9.0.0's in-memory default is one store for every Provider in the process, so there the first flow's look-up of
// the tokens in the backend is what shows the state crossed through the adapter.)
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import { ConsumeRefusedError, createOidcAdapter } from '../src/index';
import {
  authorize,
  baseConfiguration,
  exchangeCode,
  type Instance,
  isActive,
  listenProvider,
  pkce,
  post,
  refresh,
} from './support/oidc-server';
import { LOWEST, NEWEST, NEWEST_PIN, PEER_FLOOR, PEER_RANGE, type ProviderVersion } from './support/providers';
import { type Backend, openStore, uniquePrefix } from './support/stores';

describe('the oidc-provider versions under test', () => {
  it(`are the lowest of the peer range (${PEER_RANGE}) and the pinned newest, as distinct modules`, () => {
    expect(LOWEST.version).toBe(PEER_FLOOR);
    expect(NEWEST.version).toBe(NEWEST_PIN);
    expect(LOWEST.version).not.toBe(NEWEST.version);
    // Two copies really loaded (jest did not resolve the alias to the newest).
    expect(LOWEST.Provider).not.toBe(NEWEST.Provider);
  });
});

/** The newest on both backends; the lowest on one (what differs between versions is oidc-provider, not the store). */
const CASES: { backend: Backend; oidc: ProviderVersion }[] = [
  { backend: 'redis', oidc: NEWEST },
  { backend: 'postgres', oidc: NEWEST },
  { backend: 'redis', oidc: LOWEST },
];

describe.each(CASES)('two oidc-provider $oidc.version instances on one $backend store', ({ backend, oidc }) => {
  const stores: ByteStore[] = [];
  let a: Instance;
  let b: Instance;
  let c: Instance;
  /** Token-endpoint errors the adapter's consume raised (the race oidc-provider's own `consumed` check misses). */
  const refusedByAdapter: ConsumeRefusedError[] = [];
  const prefix = uniquePrefix(`oidc-${oidc.name}-${backend}`);
  /** A connection no instance uses, to read what reached the backend. */
  let observer: ByteStore;

  beforeAll(async () => {
    observer = await openStore(backend);
    stores.push(observer);
    const instance = async (issuer?: string) => {
      const store = await openStore(backend);
      stores.push(store);
      const running = await listenProvider(
        (iss) => new oidc.Provider(iss, { ...baseConfiguration(), adapter: createOidcAdapter(store, { prefix }) }),
        issuer,
      );
      running.provider.on('grant.error', (_ctx, error) => {
        if (error instanceof ConsumeRefusedError) refusedByAdapter.push(error);
      });
      return running;
    };
    a = await instance();
    // B and C serve the same issuer (as behind a load balancer), each on its own port and its own connection.
    b = await instance(a.url.origin);
    c = await instance(a.url.origin);
  });

  afterAll(async () => {
    await Promise.allSettled([a?.close(), b?.close(), c?.close()]);
    await Promise.allSettled(stores.map((store) => store.close()));
  });

  /** Runs the front channel at A and exchanges the code at `exchangeAt`. */
  async function tokensVia(exchangeAt: Instance) {
    const { verifier, challenge } = pkce();
    const code = await authorize(a.url, challenge);
    const exchanged = await exchangeCode(exchangeAt.url, code, verifier);
    expect(exchanged.status).toBe(200);
    return { code, verifier, tokens: exchanged.body as Record<string, string> };
  }

  it(`runs every instance on ${oidc.importName} (oidc-provider ${oidc.version})`, () => {
    const other = oidc === NEWEST ? LOWEST : NEWEST;
    for (const running of [a, b, c]) {
      expect(running.provider).toBeInstanceOf(oidc.Provider);
      expect(running.provider).not.toBeInstanceOf(other.Provider);
    }
  });

  it('exchanges at B a code issued by A (session, interaction and grant all read through the adapter)', async () => {
    const { tokens } = await tokensVia(b);
    expect(typeof tokens.access_token).toBe('string');
    expect(typeof tokens.refresh_token).toBe('string');
    expect(typeof tokens.id_token).toBe('string');
    // The tokens are in the backend, found by an adapter on a connection of its own. (On oidc-provider 9.0.0 this is
    // what shows the state crossed through the store: its default in-memory adapter is one store for every Provider in
    // the process, so these in-process instances would share most state even without the adapter.)
    const stored = createOidcAdapter(observer, { prefix });
    expect(await stored('AccessToken').find(tokens.access_token as string)).toMatchObject({ kind: 'AccessToken' });
    expect(await stored('RefreshToken').find(tokens.refresh_token as string)).toMatchObject({ kind: 'RefreshToken' });
    expect(await isActive(a.url, tokens.access_token as string)).toBe(true);
    expect(await isActive(b.url, tokens.refresh_token as string)).toBe(true);
  });

  it('refuses the same code at A after B redeemed it, and the reuse revokes what the code issued', async () => {
    const { code, verifier, tokens } = await tokensVia(b);
    const replay = await exchangeCode(a.url, code, verifier);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    // oidc-provider saw `consumed` (written by B's adapter) and revoked the grant through revokeByGrantId.
    expect(await isActive(b.url, tokens.access_token as string)).toBe(false);
    expect((await refresh(b.url, tokens.refresh_token as string)).status).toBe(400);
  });

  it('of concurrent redemptions at B and C of a code issued by A, exactly one gets tokens', async () => {
    refusedByAdapter.length = 0;
    for (let round = 0; round < 5; round += 1) {
      const { verifier, challenge } = pkce();
      const code = await authorize(a.url, challenge);
      const results = await Promise.all(
        Array.from({ length: 8 }, (_, i) => exchangeCode((i % 2 ? b : c).url, code, verifier)),
      );
      const statuses = results.map((result) => result.status).sort();
      expect(statuses).toEqual([200, 400, 400, 400, 400, 400, 400, 400]);
      for (const result of results.filter((r) => r.status === 400)) expect(result.body.error).toBe('invalid_grant');
    }
    // Most losers passed oidc-provider's own `consumed` check (read before the winner wrote it) and were stopped by
    // the adapter's claim; with a plain read-modify-write consume, 2 to 4 of these rounds' requests got tokens.
    expect(refusedByAdapter.length).toBeGreaterThan(0);
  });

  it('refreshes at B a refresh token issued through A; replaying the rotated one revokes the grant', async () => {
    const { tokens } = await tokensVia(a);
    const refreshed = await refresh(b.url, tokens.refresh_token as string);
    expect(refreshed.status).toBe(200);
    const next = refreshed.body as Record<string, string>;
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect(await isActive(a.url, next.access_token as string)).toBe(true);

    // The old refresh token was consumed at B: A sees `consumed`, rejects it and revokes the whole grant.
    const replay = await refresh(a.url, tokens.refresh_token as string);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe('invalid_grant');
    expect(await isActive(b.url, next.access_token as string)).toBe(false);
    expect((await refresh(b.url, next.refresh_token as string)).status).toBe(400);
  });

  it('revoking the refresh token at B revokes the grant: A then finds its tokens inactive', async () => {
    const { tokens } = await tokensVia(a);
    expect(await isActive(a.url, tokens.access_token as string)).toBe(true);
    const revoked = await post(b.url, '/token/revocation', {
      token: tokens.refresh_token as string,
      token_type_hint: 'refresh_token',
    });
    expect(revoked.status).toBe(200);
    expect(await isActive(a.url, tokens.access_token as string)).toBe(false);
    expect(await isActive(a.url, tokens.refresh_token as string)).toBe(false);
    const again = await refresh(a.url, tokens.refresh_token as string);
    expect(again.status).toBe(400);
    expect(again.body.error).toBe('invalid_grant');
  });
});

// Two real oidc-provider instances (one issuer) on one store: concurrent reuse of a rotated refresh token revokes
// the grant even when the losing request passed oidc-provider's own `consumed` check (the adapter revokes in its
// place); a device code polled after expiry answers expired_token (RFC 8628 §3.5), not invalid_grant.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import Provider from 'oidc-provider';
import { ConsumeRefusedError, createOidcAdapter, type OidcAdapterFactory } from '../src/index';
import {
  authorize,
  baseConfiguration,
  CLIENT,
  exchangeCode,
  type Instance,
  isActive,
  listenProvider,
  pkce,
  refresh,
} from './support/oidc-server';
import { BACKENDS, openStore, uniquePrefix } from './support/stores';

const DEVICE_CLIENT = {
  client_id: 'device-app',
  client_secret: randomBytes(24).toString('base64url'),
  grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'],
  response_types: [],
  redirect_uris: [],
  token_endpoint_auth_method: 'client_secret_post',
};
const DEVICE_CODE_TTL_SECONDS = 2;

async function postAs(
  base: URL,
  path: string,
  client: { client_id: string; client_secret: string },
  params: Record<string, string>,
) {
  const response = await fetch(new URL(path, base), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: new URLSearchParams({ client_id: client.client_id, client_secret: client.client_secret, ...params }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.each(BACKENDS)('oidc-provider reuse and expiry on %s', (backend) => {
  const stores: ByteStore[] = [];
  const instances: Instance[] = [];
  /** Grant ids passed to any model adapter's revokeByGrantId, on either instance. */
  const revokedGrants: string[] = [];
  const refusedByAdapter: ConsumeRefusedError[] = [];

  function spied(factory: OidcAdapterFactory): OidcAdapterFactory {
    return (model) => {
      const adapter = factory(model);
      if (!Object.hasOwn(adapter, 'revokeByGrantId')) {
        const original = adapter.revokeByGrantId.bind(adapter);
        // An own property: the adapter's internal calls (`this.revokeByGrantId`) go through it too.
        adapter.revokeByGrantId = async (grantId: string) => {
          revokedGrants.push(grantId);
          await original(grantId);
        };
      }
      return adapter;
    };
  }

  beforeAll(async () => {
    const prefix = uniquePrefix(`reuse-${backend}`);
    const start = async (issuer?: string) => {
      const store = await openStore(backend);
      stores.push(store);
      const base = baseConfiguration();
      const instance = await listenProvider(
        (iss) =>
          new Provider(iss, {
            ...base,
            clients: [...(base.clients ?? []), DEVICE_CLIENT as never],
            features: { ...base.features, deviceFlow: { enabled: true } },
            ttl: { ...base.ttl, DeviceCode: DEVICE_CODE_TTL_SECONDS },
            adapter: spied(createOidcAdapter(store, { prefix })),
          }),
        issuer,
      );
      instance.provider.on('grant.error', (_ctx, error) => {
        if (error instanceof ConsumeRefusedError) refusedByAdapter.push(error);
      });
      instances.push(instance);
      return instance;
    };
    const a = await start();
    await start(a.url.origin);
  });
  afterAll(async () => {
    await Promise.allSettled(instances.map((instance) => instance.close()));
    await Promise.allSettled(stores.map((store) => store.close()));
  });

  it('two concurrent refreshes with one refresh token at two instances revoke the grant (10 rounds)', async () => {
    const [a, b] = instances as [Instance, Instance];
    refusedByAdapter.length = 0;
    for (let round = 0; round < 10; round += 1) {
      const { verifier, challenge } = pkce();
      const code = await authorize(a.url, challenge);
      const exchanged = await exchangeCode(b.url, code, verifier);
      expect(exchanged.status).toBe(200);
      const tokens = exchanged.body as Record<string, string>;
      const grantId = await grantOf(a, tokens.refresh_token as string);
      revokedGrants.length = 0;

      const results = await Promise.all([
        refresh(a.url, tokens.refresh_token as string),
        refresh(b.url, tokens.refresh_token as string),
      ]);
      const winners = results.filter((result) => result.status === 200);
      expect(winners.length).toBeLessThanOrEqual(1);
      for (const loser of results.filter((result) => result.status !== 200))
        expect(loser.body.error).toBe('invalid_grant');
      // The grant was revoked through the adapter's revokeByGrantId, whichever request noticed the reuse.
      expect(revokedGrants).toContain(grantId);
      // The winner's new refresh token (issued from the same grant) is refused, and the first access token is dead.
      for (const winner of winners) {
        const next = await refresh(b.url, winner.body.refresh_token as string);
        expect(next.status).toBe(400);
        expect(next.body.error).toBe('invalid_grant');
        expect(await isActive(a.url, winner.body.access_token as string)).toBe(false);
      }
      expect(await isActive(b.url, tokens.access_token as string)).toBe(false);
    }
    // In some rounds the loser read the token before the winner consumed it: only the adapter could revoke then.
    expect(refusedByAdapter.length).toBeGreaterThan(0);
  });

  it('a device code polled after it expired answers expired_token, at either instance', async () => {
    const [a, b] = instances as [Instance, Instance];
    const started = await postAs(a.url, '/device/auth', DEVICE_CLIENT, { scope: 'openid' });
    expect(started.status).toBe(200);
    const deviceCode = started.body.device_code as string;
    const grantType = 'urn:ietf:params:oauth:grant-type:device_code';
    const pending = await postAs(b.url, '/token', DEVICE_CLIENT, { grant_type: grantType, device_code: deviceCode });
    expect(pending.body.error).toBe('authorization_pending');
    // Poll (never faster than once a second) until the code's lifetime is over.
    const expiresAt = Date.now() + DEVICE_CODE_TTL_SECONDS * 1000;
    let answer = pending;
    while (answer.body.error === 'authorization_pending' || answer.body.error === 'slow_down') {
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      answer = await postAs(b.url, '/token', DEVICE_CLIENT, { grant_type: grantType, device_code: deviceCode });
    }
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1_000);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toBe('expired_token');
    const atA = await postAs(a.url, '/token', DEVICE_CLIENT, { grant_type: grantType, device_code: deviceCode });
    expect(atA.body.error).toBe('expired_token');
  }, 20_000);
});

/** The grant id of a refresh token, read through the provider's own model. */
async function grantOf(instance: Instance, refreshToken: string): Promise<string> {
  const token = await instance.provider.RefreshToken.find(refreshToken);
  if (!token?.grantId) throw new Error('refresh token has no grant');
  expect(token.clientId).toBe(CLIENT.client_id);
  return token.grantId;
}

// The shared-login scenario: the SDK's own auth() drives two OAuthClientProviders that share one login through the
// store. The first "process" registers and starts authorization; the callback lands on the second, which finishes it
// with the verifier the first saved; the first then has the tokens. Run by client-persistence.test.ts (the newest
// SDK) and client-persistence-lowest.test.ts (SDK 1.27.0, with the bridge's SDK schemas mapped to 1.27.0's).
import { expect } from '@jest/globals';
import type { OAuthClientProvider, auth as sdkAuth } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import type { ByteStore } from '@oauth-store/core';
import { createOAuthClientPersistence } from '../../src/index';

export const REDIRECT_URI = 'http://127.0.0.1:9/callback';
const clientMetadata: OAuthClientMetadata = {
  redirect_uris: [REDIRECT_URI],
  client_name: 'shared-login test',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_post',
};

/** One client process: the persistence plus the three things an app supplies. */
export function clientProcess(store: ByteStore, userId: string, serverUrl: URL) {
  const redirects: URL[] = [];
  const provider: OAuthClientProvider = {
    ...createOAuthClientPersistence(store, { userId, serverUrl }),
    redirectUrl: REDIRECT_URI,
    clientMetadata,
    redirectToAuthorization: (url) => {
      redirects.push(url);
    },
  };
  return { provider, redirects };
}

/** Runs the scenario with `auth` (some SDK's) against the authorization server at `serverUrl`. */
export async function expectSharedLogin(
  auth: typeof sdkAuth,
  serverUrl: URL,
  storeOne: ByteStore,
  storeTwo: ByteStore,
): Promise<void> {
  const one = clientProcess(storeOne, 'alice', serverUrl);
  const two = clientProcess(storeTwo, 'alice', serverUrl);

  expect(await auth(one.provider, { serverUrl })).toBe('REDIRECT');
  expect(one.redirects).toHaveLength(1);
  // Registration and discovery done by process one are visible to process two.
  const registered = await two.provider.clientInformation();
  expect(registered?.client_id).toBeTruthy();
  expect(await two.provider.discoveryState?.()).toMatchObject({ authorizationServerUrl: expect.any(String) });

  // The user agent follows the authorization URL; the callback lands on process two.
  const response = await fetch(one.redirects[0] as URL, { redirect: 'manual' });
  expect(response.status).toBe(302);
  const code = new URL(response.headers.get('location') ?? '').searchParams.get('code') as string;
  expect(await auth(two.provider, { serverUrl, authorizationCode: code })).toBe('AUTHORIZED');

  const tokensOne = await one.provider.tokens();
  expect(tokensOne?.access_token).toBeTruthy();
  expect(tokensOne).toEqual(await two.provider.tokens());
  // Process one is authorized without another redirect.
  expect(await auth(one.provider, { serverUrl })).toBe('AUTHORIZED');
  expect(one.redirects).toHaveLength(1);
}

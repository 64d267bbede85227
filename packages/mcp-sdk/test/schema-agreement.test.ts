// core copies the SDK's client schemas (so core does not depend on the SDK). This checks the copy against the SDK's
// own zod schemas, field by field and on a battery of inputs: same verdict, same parsed value.
import { describe, expect, it } from '@jest/globals';
import * as sdk from '@modelcontextprotocol/sdk/shared/auth.js';
import * as core from '@oauth-store/core';

const valid = {
  client_id: 'c-1',
  redirect_uris: ['https://app.example/cb', 'http://127.0.0.1:8080/cb'],
};

const cases: Array<[string, unknown]> = [
  ['minimal', valid],
  [
    'every field',
    {
      ...valid,
      client_secret: 's',
      client_id_issued_at: 1_700_000_000,
      client_secret_expires_at: 0,
      token_endpoint_auth_method: 'client_secret_post',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      client_name: 'App',
      client_uri: 'https://app.example',
      logo_uri: 'https://app.example/logo.png',
      scope: 'read write',
      contacts: ['ops@app.example'],
      tos_uri: 'https://app.example/tos',
      policy_uri: 'not even a URL',
      jwks_uri: 'https://app.example/jwks',
      jwks: { keys: [{ kty: 'EC' }] },
      software_id: 'sw',
      software_version: '1.0',
      software_statement: 'eyJ...',
      issuer: 'https://as.example',
    },
  ],
  ['extra fields are stripped', { ...valid, extra: 1, registration_access_token: 'x', nested: { a: 1 } }],
  ['empty logo_uri becomes undefined', { ...valid, logo_uri: '' }],
  ['empty tos_uri becomes undefined', { ...valid, tos_uri: '' }],
  ['empty client_uri is invalid', { ...valid, client_uri: '' }],
  ['empty jwks_uri is invalid', { ...valid, jwks_uri: '' }],
  ['non-string issuer is dropped', { ...valid, issuer: 42 }],
  ['no redirect_uris', { client_id: 'c-1' }],
  ['empty redirect_uris', { ...valid, redirect_uris: [] }],
  ['relative redirect URI', { ...valid, redirect_uris: ['/cb'] }],
  ['not a URL', { ...valid, redirect_uris: ['not a url'] }],
  ['javascript: redirect URI', { ...valid, redirect_uris: ['javascript:alert(1)'] }],
  ['JavaScript: in capitals', { ...valid, redirect_uris: ['JavaScript:alert(1)'] }],
  ['data: redirect URI', { ...valid, redirect_uris: ['data:text/html,hi'] }],
  ['vbscript: redirect URI', { ...valid, redirect_uris: ['vbscript:msgbox'] }],
  ['javascript: logo_uri', { ...valid, logo_uri: 'javascript:alert(1)' }],
  ['javascript: client_uri', { ...valid, client_uri: 'javascript:alert(1)' }],
  ['custom scheme redirect (native app)', { ...valid, redirect_uris: ['com.example.app:/callback'] }],
  ['missing client_id', { redirect_uris: valid.redirect_uris }],
  ['numeric client_id', { ...valid, client_id: 7 }],
  ['string client_id_issued_at', { ...valid, client_id_issued_at: '1700000000' }],
  ['null client_secret', { ...valid, client_secret: null }],
  ['contacts not an array', { ...valid, contacts: 'ops@app.example' }],
  ['grant_types with a number', { ...valid, grant_types: ['authorization_code', 1] }],
  ['undefined optional fields', { ...valid, client_secret: undefined, scope: undefined }],
  ['redirect URI with surrounding spaces (trimmed)', { ...valid, redirect_uris: ['  https://app.example/cb  '] }],
  ['redirect URI with a tab and a newline inside', { ...valid, redirect_uris: ['https://app.ex\tample/c\nb'] }],
  ['redirect URI with a no-break space before it', { ...valid, redirect_uris: ['\u00a0https://app.example/cb'] }],
  ['redirect URI of spaces only', { ...valid, redirect_uris: ['   '] }],
  ['redirect URI javascript: behind spaces', { ...valid, redirect_uris: [' javascript:alert(1)'] }],
  ['http: without slashes', { ...valid, redirect_uris: ['http:app.example/cb'] }],
  ['file: redirect URI', { ...valid, redirect_uris: ['file:///etc/passwd'] }],
  ['blob: redirect URI', { ...valid, redirect_uris: ['blob:https://app.example/x'] }],
  ['IPv6 loopback redirect', { ...valid, redirect_uris: ['http://[::1]:3000/cb'] }],
  ['redirect URI with a fragment and credentials', { ...valid, redirect_uris: ['https://u:p@app.example/cb#x'] }],
  // biome-ignore lint/suspicious/noSparseArray: a hole on purpose (read as undefined by both).
  ['sparse redirect_uris', { ...valid, redirect_uris: [, 'https://app.example/cb'] }],
  ['redirect URI as a String object', { ...valid, redirect_uris: [new String('https://app.example/cb')] }],
  ['redirect URI as a URL object', { ...valid, redirect_uris: [new URL('https://app.example/cb')] }],
  ['logo_uri of spaces', { ...valid, logo_uri: '  ' }],
  ['logo_uri null', { ...valid, logo_uri: null }],
  ['tos_uri undefined', { ...valid, tos_uri: undefined }],
  ['client_uri undefined', { ...valid, client_uri: undefined }],
  ['jwks null', { ...valid, jwks: null }],
  ['jwks a string', { ...valid, jwks: 'keys' }],
  ['issuer undefined', { ...valid, issuer: undefined }],
  ['issuer null', { ...valid, issuer: null }],
  ['Infinity client_id_issued_at', { ...valid, client_id_issued_at: Number.POSITIVE_INFINITY }],
  ['NaN client_secret_expires_at', { ...valid, client_secret_expires_at: Number.NaN }],
  ['negative and fractional timestamps', { ...valid, client_id_issued_at: -1.5, client_secret_expires_at: 0.25 }],
  ['empty client_id', { ...valid, client_id: '' }],
  ['scope an array', { ...valid, scope: ['read'] }],
  [
    'inherited fields are read',
    Object.assign(Object.create({ client_id: 'inherited' }), { redirect_uris: ['https://a.example/'] }),
  ],
  ['a Date', new Date(0)],
  ['a number', 42],
  ['undefined', undefined],
  ['not an object', 'client'],
  ['null', null],
  ['array', [valid]],
];

function verdict(
  schema: { safeParse(input: unknown): { success: boolean; data?: unknown; error?: unknown } },
  input: unknown,
) {
  const result = schema.safeParse(input);
  return result.success ? { ok: true, data: result.data } : { ok: false };
}

describe('core client schemas agree with @modelcontextprotocol/sdk', () => {
  it('have the same fields', () => {
    expect(Object.keys(core.OAuthClientInformationFullSchema.shape).sort()).toEqual(
      Object.keys(sdk.OAuthClientInformationFullSchema.shape).sort(),
    );
    expect(Object.keys(core.OAuthClientMetadataSchema.shape).sort()).toEqual(
      Object.keys(sdk.OAuthClientMetadataSchema.shape).sort(),
    );
    expect(Object.keys(core.OAuthClientInformationSchema.shape).sort()).toEqual(
      Object.keys(sdk.OAuthClientInformationSchema.shape).sort(),
    );
  });

  it.each(cases)('full client information: %s', (_name, input) => {
    const expected = verdict(sdk.OAuthClientInformationFullSchema, input);
    // Strict: the same keys (a present `undefined` included), the same values, the same array and object types.
    expect(verdict(core.OAuthClientInformationFullSchema, input)).toStrictEqual(expected);
  });

  it.each(cases)('client metadata: %s', (_name, input) => {
    expect(verdict(core.OAuthClientMetadataSchema, input)).toStrictEqual(verdict(sdk.OAuthClientMetadataSchema, input));
  });

  it.each(cases)('client information: %s', (_name, input) => {
    expect(verdict(core.OAuthClientInformationSchema, input)).toStrictEqual(
      verdict(sdk.OAuthClientInformationSchema, input),
    );
  });

  it('the battery exercises both verdicts and the transforms', () => {
    const outcomes = cases.map(([, input]) => verdict(sdk.OAuthClientInformationFullSchema, input));
    expect(outcomes.filter((outcome) => outcome.ok).length).toBeGreaterThanOrEqual(6);
    expect(outcomes.filter((outcome) => !outcome.ok).length).toBeGreaterThanOrEqual(10);
    const emptyLogo = verdict(core.OAuthClientInformationFullSchema, { ...valid, logo_uri: '' });
    expect(emptyLogo).toEqual({ ok: true, data: valid });
    const stripped = verdict(core.OAuthClientInformationFullSchema, { ...valid, extra: 1 });
    expect(stripped).toEqual({ ok: true, data: valid });
  });
});

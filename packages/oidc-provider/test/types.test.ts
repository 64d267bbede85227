// Compile-time check (tsc runs over the tests) that the factory is what @types/oidc-provider calls an adapter.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import type { Adapter, AdapterFactory, AdapterPayload, Configuration } from 'oidc-provider';
import { createOidcAdapter, type OidcAdapterPayload } from '../src/index';

describe('types', () => {
  it('createOidcAdapter returns an AdapterFactory that fits Configuration.adapter', async () => {
    const factory = createOidcAdapter(new MemoryStore());
    const asFactory: AdapterFactory = factory;
    const configuration: Configuration = { adapter: factory };
    const adapter: Adapter = asFactory('AccessToken');
    // oidc-provider's payload type goes in, and what comes out is usable as one.
    const payload: AdapterPayload = { jti: 'x', kind: 'AccessToken', grantId: 'g' };
    await adapter.upsert('x', payload, 60);
    const found = await adapter.find('x');
    const ours: OidcAdapterPayload | undefined = await factory('AccessToken').find('x');
    // @ts-expect-error an async factory is not an adapter factory: the check above would catch a wrong shape
    const wrong: AdapterFactory = async (name: string) => factory(name);
    expect(configuration.adapter).toBe(factory);
    expect(found).toEqual(payload);
    expect(ours?.grantId).toBe('g');
    expect(typeof wrong).toBe('function');
  });
});

import { describe, expect, it } from '@jest/globals';
import { isOAuthStoreError } from '@oauth-store/core';
import {
  countingStore,
  expectTypedOutcome,
  fuzzBridge,
  IMPOSSIBLE_IDS,
} from '../../../scripts/test-support/fuzz-bridge';
import { ConsumeRefusedError, createOidcAdapter } from '../src/index';

const MODELS = ['AuthorizationCode', 'RefreshToken', 'Session', 'DeviceCode', 'Grant', 'Client'] as const;

describe('fuzz: every adapter method answers a value or a typed error, and writes nothing on error', () => {
  it('upsert, find, findByUid, findByUserCode, consume, destroy, revokeByGrantId', async () => {
    await fuzzBridge(
      async (inputs, store, writes) => {
        const [id, payload, expiresIn] = inputs;
        const factory = createOidcAdapter(store);
        for (const model of MODELS) {
          const adapter = factory(model);
          const typed = (call: () => unknown) => expectTypedOutcome(call, writes, inputs);
          await typed(() => adapter.upsert(id as never, payload as never, expiresIn as never));
          await typed(() => adapter.find(id as never));
          await typed(() => adapter.findByUid(id as never));
          await typed(() => adapter.findByUserCode(id as never));
          await typed(() => adapter.consume(id as never));
          await typed(() => adapter.revokeByGrantId(id as never));
          await typed(() => adapter.destroy(id as never));
        }
      },
      { numRuns: 80 },
    );
  });

  it('ids no record can have are not found (consume refuses with invalid_grant), and a payload whose lookup keys cannot be stored writes nothing', async () => {
    const { store, writes } = countingStore();
    const factory = createOidcAdapter(store);
    for (const model of MODELS) {
      const adapter = factory(model);
      for (const id of IMPOSSIBLE_IDS) {
        await expect(adapter.find(id as never)).resolves.toBeUndefined();
        await expect(adapter.findByUid(id as never)).resolves.toBeUndefined();
        await expect(adapter.findByUserCode(id as never)).resolves.toBeUndefined();
        await expect(adapter.destroy(id as never)).resolves.toBeUndefined();
        await expect(adapter.revokeByGrantId(id as never)).resolves.toBeUndefined();
        await expect(adapter.consume(id as never)).rejects.toBeInstanceOf(ConsumeRefusedError);
        const error = await adapter.upsert(id as never, { a: 1 } as never, 60).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isOAuthStoreError(error, 'invalid_key')).toBe(true);
      }
    }
    // A storable id, but a user code, uid or grant id that no lookup entry can hold: refused before any write.
    const bad = [
      ['DeviceCode', { userCode: 'u'.repeat(5000), grantId: 'g' }],
      ['Session', { uid: '\uD800' }],
      ['RefreshToken', { grantId: 'g\uDC00' }],
    ] as const;
    for (const [model, payload] of bad) {
      const error = await factory(model)
        .upsert('token-id', { ...payload } as never, 60)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(isOAuthStoreError(error, 'invalid_key')).toBe(true);
      expect((error as Error).message).not.toContain('u'.repeat(100));
    }
    expect(writes()).toBe(0);
  });
});

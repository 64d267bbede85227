import { describe, it } from '@jest/globals';
import { expectTypedOutcome, fuzzBridge } from '../../../scripts/test-support/fuzz-bridge';
import { createTokenStorage } from '../src/index';

describe('fuzz: every TokenStorage method answers a value or a typed error, and writes nothing on error', () => {
  it('get, save, take, delete, cleanup', async () => {
    await fuzzBridge(async ([key, value, ttl], store, writes) => {
      const storage = createTokenStorage(store);
      await expectTypedOutcome(() => storage.save(key as never, value, ttl as never), writes);
      await expectTypedOutcome(() => storage.get(key as never), writes);
      await expectTypedOutcome(() => storage.take?.(key as never), writes);
      await expectTypedOutcome(() => storage.delete(key as never), writes);
      await expectTypedOutcome(() => storage.cleanup(), writes);
    });
  });
});

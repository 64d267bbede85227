import { describe, it } from '@jest/globals';
import { expectTypedOutcome, fuzzBridge } from '../../../scripts/test-support/fuzz-bridge';
import { createSecondaryStorage } from '../src/index';

describe('fuzz: every SecondaryStorage method answers a value or a typed error, and writes nothing on error', () => {
  it('get, set, getAndDelete, delete, increment', async () => {
    await fuzzBridge(async ([key, value, ttl], store, writes) => {
      const storage = createSecondaryStorage(store);
      await expectTypedOutcome(() => storage.set(key as never, value as never, ttl as never), writes);
      await expectTypedOutcome(() => storage.get(key as never), writes);
      await expectTypedOutcome(() => storage.increment(key as never, ttl as never), writes);
      await expectTypedOutcome(() => storage.getAndDelete(key as never), writes);
      await expectTypedOutcome(() => storage.delete(key as never), writes);
    });
  });
});

import { describe, it } from '@jest/globals';
import { expectTypedOutcome, fuzzBridge } from '../../../scripts/test-support/fuzz-bridge';
import { createOidcAdapter } from '../src/index';

const MODELS = ['AuthorizationCode', 'RefreshToken', 'Session', 'DeviceCode', 'Grant', 'Client'] as const;

describe('fuzz: every adapter method answers a value or a typed error, and writes nothing on error', () => {
  it('upsert, find, findByUid, findByUserCode, consume, destroy, revokeByGrantId', async () => {
    await fuzzBridge(
      async ([id, payload, expiresIn], store, writes) => {
        const factory = createOidcAdapter(store);
        for (const model of MODELS) {
          const adapter = factory(model);
          await expectTypedOutcome(() => adapter.upsert(id as never, payload as never, expiresIn as never), writes);
          await expectTypedOutcome(() => adapter.find(id as never), writes);
          await expectTypedOutcome(() => adapter.findByUid(id as never), writes);
          await expectTypedOutcome(() => adapter.findByUserCode(id as never), writes);
          await expectTypedOutcome(() => adapter.consume(id as never), writes);
          await expectTypedOutcome(() => adapter.revokeByGrantId(id as never), writes);
          await expectTypedOutcome(() => adapter.destroy(id as never), writes);
        }
      },
      { numRuns: 80 },
    );
  });
});

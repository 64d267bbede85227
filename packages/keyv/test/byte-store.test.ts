// keyvByteStore beyond the contract suite: it is refused for one-time codes unless the risk is accepted, it is
// atomic within one process and one Keyv object, and a backend failure Keyv swallows is an error, not a miss.
import { describe, expect, it } from '@jest/globals';
import { TransactionStore } from '@oauth-store/core';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { keyvByteStore } from '../src/index';

/** A Keyv storage adapter whose backend is down: every call rejects (Keyv catches it and emits `error`). */
function brokenAdapter() {
  const down = async () => {
    throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  };
  return { get: down, set: down, delete: down, clear: down, has: down };
}

describe('keyvByteStore', () => {
  it('declares take non-atomic, so TransactionStore refuses it unless allowNonAtomicTake is set', async () => {
    const store = keyvByteStore(new Keyv());
    expect(store.capabilities.atomicTake).toBe(false);
    let refusal: unknown;
    try {
      new TransactionStore(store);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toMatchObject({ code: 'configuration', name: 'ConfigurationError' });
    expect(String((refusal as Error).message)).toContain('allowNonAtomicTake');

    const transactions = new TransactionStore(store, { allowNonAtomicTake: true });
    const grant = { clientId: 'c', redirectUri: 'https://app.example/cb', createdAt: new Date() };
    expect(await transactions.authorizationCodes.issue('code-1', grant)).toBe(true);
    expect(await transactions.authorizationCodes.consume('code-1')).toMatchObject({ ok: true });
    expect(await transactions.authorizationCodes.consume('code-1')).toMatchObject({ reason: 'already_used' });
  });

  it('is atomic within one process for stores on the same Keyv object (one take winner of 20, 20 rounds)', async () => {
    const keyv = new Keyv();
    const stores = Array.from({ length: 4 }, () => keyvByteStore(keyv));
    for (let round = 0; round < 20; round += 1) {
      await stores[0]?.set('codes', `c-${round}`, new Uint8Array([round]));
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) => stores[i % stores.length]?.take('codes', `c-${round}`)),
      );
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
    }
  });

  it('turns a failure Keyv swallows (error event, "missing" answer) into an unavailable error', async () => {
    for (const keyv of [new Keyv({ store: brokenAdapter() }), new Keyv5({ store: brokenAdapter() as never })]) {
      const store = keyvByteStore(keyv as never);
      await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.set('c', 'k', new Uint8Array([1]))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.take('c', 'k')).rejects.toMatchObject({ code: 'unavailable' });
    }
  });

  it('refuses list on a Keyv that cannot iterate, rather than answering an empty page', async () => {
    const store = keyvByteStore(new Keyv({ store: { ...brokenAdapter(), get: async () => undefined } }));
    await expect(store.list('c')).rejects.toMatchObject({ code: 'not_supported' });
    const old = keyvByteStore(
      new Keyv5({ store: { ...brokenAdapter(), get: async () => undefined } as never }) as never,
    );
    await expect(old.list('c')).rejects.toMatchObject({ code: 'not_supported' });
  });

  it('ignores other keys in the same Keyv namespace when listing', async () => {
    const keyv = new Keyv();
    await keyv.set('unrelated', 'x');
    await keyv.set('5:hello', 'not ours either');
    const store = keyvByteStore(keyv);
    await store.set('clients', 'a', new Uint8Array([1]));
    expect((await store.list('clients')).keys).toEqual(['a']);
  });

  it('rejects what is not a Keyv, and the reserved namespace', () => {
    expect(() => keyvByteStore({} as never)).toThrow(expect.objectContaining({ code: 'configuration' }));
    expect(() => keyvByteStore(new Keyv({ namespace: 'oauth-store' }))).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => keyvByteStore(new Keyv(), { maxKeyBytes: 100 })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});

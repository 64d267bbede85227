// keyvByteStore beyond the contract suite: it is refused for one-time codes unless the risk is accepted, it is
// atomic within one process and one Keyv object, and a backend failure Keyv swallows is an error, not a miss (on Keyv
// 6, Keyv 5 and the lowest Keyv the peer range admits, 5.0.0, which has neither getRaw nor the store getter).
import { createRequire } from 'node:module';
import { describe, expect, it } from '@jest/globals';
import { TransactionStore } from '@oauth-store/core';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { keyvByteStore } from '../src/index';
import { toKeyvKey } from '../src/keyv-key';

// keyv 5.0.0's ESM build assigns module.exports, which jest's ESM loader rejects ("module is not defined"): load its
// CommonJS build.
// contract.test.ts checks the alias really is 5.0.0.
const Keyv5Lowest = createRequire(import.meta.url)('keyv5-lowest') as typeof Keyv5;

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
    for (const keyv of [
      new Keyv({ store: brokenAdapter() }),
      new Keyv5({ store: brokenAdapter() as never }),
      new Keyv5Lowest({ store: brokenAdapter() as never }),
    ]) {
      const store = keyvByteStore(keyv as never);
      await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.set('c', 'k', new Uint8Array([1]))).rejects.toMatchObject({ code: 'unavailable' });
      await expect(store.take('c', 'k')).rejects.toMatchObject({ code: 'unavailable' });
    }
  });

  it('refuses list on a Keyv that cannot iterate, rather than answering an empty page', async () => {
    const store = keyvByteStore(new Keyv({ store: { ...brokenAdapter(), get: async () => undefined } }));
    await expect(store.list('c')).rejects.toMatchObject({ code: 'not_supported' });
    for (const Old of [Keyv5, Keyv5Lowest]) {
      const old = keyvByteStore(
        new Old({ store: { ...brokenAdapter(), get: async () => undefined } as never }) as never,
      );
      await expect(old.list('c')).rejects.toMatchObject({ code: 'not_supported' });
    }
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

  it('declares compareAndSet: false, and compare-and-set is atomic within one process on one Keyv (one winner of 20)', async () => {
    const keyv = new Keyv();
    const stores = Array.from({ length: 4 }, () => keyvByteStore(keyv));
    expect(stores[0]?.capabilities.compareAndSet).toBe(false);
    for (let round = 0; round < 20; round += 1) {
      const key = `client-${round}`;
      await stores[0]?.set('clients', key, new Uint8Array([0]));
      const { version } = (await stores[0]?.getEntry('clients', key))!;
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          stores[i % stores.length]?.set('clients', key, new Uint8Array([i + 1]), { ifVersion: version }),
        ),
      );
      const winners = results.flatMap((won, i) => (won ? [i] : []));
      expect(winners).toHaveLength(1);
      expect(await stores[0]?.get('clients', key)).toEqual(new Uint8Array([winners[0]! + 1]));
    }
  });

  it('an operation whose deadline passed while it waited for the key lock is never applied afterwards', async () => {
    // A Keyv store whose reads can be held: the first operation on the key holds the lock while its read hangs.
    const map = new Map<string, unknown>();
    let release: (() => void) | undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let holdNextGet = false;
    const keyv = new Keyv({
      store: {
        get: async (key: string) => {
          if (holdNextGet) {
            holdNextGet = false;
            await held;
          }
          return map.get(key);
        },
        set: async (key: string, value: unknown) => {
          map.set(key, value);
          return true;
        },
        delete: async (key: string) => map.delete(key),
        clear: async () => map.clear(),
        has: async (key: string) => map.has(key),
      },
    });
    const store = keyvByteStore(keyv, { timeoutMs: 100 });
    await store.set('codes', 'k', new Uint8Array([1]));
    holdNextGet = true;
    // Holds the lock; it rejects at its own deadline too (caught here, it is not what this test is about).
    const first = store.set('codes', 'k', new Uint8Array([2]), { onlyIfAbsent: true }).catch(() => undefined);
    const queued = store.take('codes', 'k'); // waits behind it
    await expect(queued).rejects.toMatchObject({ code: 'unavailable' });
    release?.();
    await first;
    // A create on the same key queues behind whatever still waits for the lock, so once it answers, the rejected take
    // had its chance to run. It must not have consumed the code: the create finds it live. (A second store on the same
    // Keyv shares the lock; its generous deadline keeps a loaded machine from failing the check itself.)
    const checker = keyvByteStore(keyv, { timeoutMs: 30_000 });
    expect(await checker.set('codes', 'k', new Uint8Array([3]), { onlyIfAbsent: true })).toBe(false);
    expect(await checker.get('codes', 'k')).toEqual(new Uint8Array([1]));
  });

  it('an entry in the 0.1 format is an integrity error that points to migrate, not a value', async () => {
    const keyv = new Keyv();
    const store = keyvByteStore(keyv);
    await store.set('c', 'k', new Uint8Array([1]));
    await keyv.set(toKeyvKey('c', 'k'), `:${Buffer.from([1]).toString('base64')}`);
    const error = await store.get('c', 'k').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'integrity' });
    expect((error as Error).message).toMatch(/oauth-store migrate/);
  });
});

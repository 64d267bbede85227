import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { HASHED_KEY_LENGTH, inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { CountingKeySource, material, newKey } from './support/keys';

const bytes = (text: string) => new TextEncoder().encode(text);
const hashKey = new Uint8Array(32).fill(9);

async function innerKeys(inner: MemoryStore, collection: string): Promise<string[]> {
  return (await inner.list(collection, { limit: 1000 })).keys;
}

describe('hashed key names (hashKeysIn)', () => {
  it('the backend sees a fixed-length keyed hash, never the key; every method works by the real key', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), hashKeysIn: ['codes'], hashKey });
    const code = 'SplxlOBeZQQYbYS6WxSbIA';
    await store.set('codes', code, bytes('grant'));
    await store.set('clients', 'client-1', bytes('client'));
    const [stored, ...rest] = await innerKeys(inner, 'codes');
    expect(rest).toEqual([]);
    expect(stored).toHaveLength(HASHED_KEY_LENGTH);
    expect(stored).not.toContain(code);
    expect(await innerKeys(inner, 'clients')).toEqual(['client-1']);
    expect(await store.get('codes', code)).toEqual(bytes('grant'));
    expect(await store.set('codes', code, bytes('again'), { onlyIfAbsent: true })).toBe(false);
    expect(await store.take('codes', code)).toEqual(bytes('grant'));
    expect(await store.take('codes', code)).toBeUndefined();
    await store.set('codes', code, bytes('x'));
    expect(await store.delete('codes', code)).toBe(true);
    expect(await innerKeys(inner, 'codes')).toEqual([]);
  });

  it('list rejects with not_supported in hashed collections (hashes are of no use to callers)', async () => {
    const store = withEnvelopeEncryption(new MemoryStore(), {
      keyring: material(newKey('k')),
      hashKeysIn: (collection) => collection.startsWith('secret-'),
      hashKey,
    });
    await store.set('secret-codes', 'c1', bytes('v'));
    await expect(store.list('secret-codes')).rejects.toMatchObject({ code: 'not_supported' });
    await store.set('public', 'p1', bytes('v'));
    expect((await store.list('public')).keys).toEqual(['p1']);
  });

  it('the same key in another collection hashes differently, and a moved record fails', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), hashKeysIn: ['a', 'b'], hashKey });
    await store.set('a', 'same', bytes('1'));
    await store.set('b', 'same', bytes('2'));
    const [inA] = await innerKeys(inner, 'a');
    const [inB] = await innerKeys(inner, 'b');
    expect(inA).not.toBe(inB);
    await store.set('a', 'other', bytes('3'));
    const names = await innerKeys(inner, 'a');
    const otherName = names.find((name) => name !== inA)!;
    await inner.set('a', otherName, (await inner.get('a', inA!))!);
    await expect(store.get('a', 'other')).rejects.toMatchObject({ code: 'integrity' });
  });

  it('hashed records stay findable across a KEK rotation and a rewrap (the hash key is separate)', async () => {
    const inner = new MemoryStore();
    const oldKey = newKey('old');
    const newPrimary = newKey('new');
    const before = withEnvelopeEncryption(inner, { keyring: material(oldKey), hashKeysIn: ['codes'], hashKey });
    await before.set('codes', 'code-1', bytes('grant'), { ttlMs: 3_600_000 });
    const after = withEnvelopeEncryption(inner, {
      keyring: material(newPrimary, oldKey),
      hashKeysIn: ['codes'],
      hashKey,
    });
    expect(await after.get('codes', 'code-1')).toEqual(bytes('grant'));
    const result = await after.rewrap({ collections: ['codes'] });
    expect(result.rewrapped).toBe(1);
    const [name] = await innerKeys(inner, 'codes');
    expect(inspectEnvelope((await inner.get('codes', name!))!).kid).toBe('new');
    const onlyNew = withEnvelopeEncryption(inner, { keyring: material(newPrimary), hashKeysIn: ['codes'], hashKey });
    expect(await onlyNew.get('codes', 'code-1')).toEqual(bytes('grant'));
    // The standalone form on the inner store does the same.
    await expect(rewrap(inner, material(newPrimary), { collections: ['codes'] })).resolves.toMatchObject({
      alreadyCurrent: 1,
    });
  });

  it('a different hash key finds nothing (documented: changing hashKey orphans hashed records)', async () => {
    const inner = new MemoryStore();
    const keys = material(newKey('k'));
    await withEnvelopeEncryption(inner, { keyring: keys, hashKeysIn: ['codes'], hashKey }).set(
      'codes',
      'c',
      bytes('v'),
    );
    const otherHash = withEnvelopeEncryption(inner, {
      keyring: keys,
      hashKeysIn: ['codes'],
      hashKey: new Uint8Array(32).fill(1),
    });
    expect(await otherHash.get('codes', 'c')).toBeUndefined();
  });

  it('takes the hash key from a KeySource once, at start-up', async () => {
    const source = new CountingKeySource(material({ kid: 'hash', key: hashKey }));
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, {
      keyring: material(newKey('k')),
      hashKeysIn: ['codes'],
      hashKey: source,
      refreshIntervalMs: 10,
    });
    await store.ready();
    for (let i = 0; i < 20; i += 1) await store.set('codes', `c${i}`, bytes('v'));
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect(source.loads).toBe(1);
    const direct = withEnvelopeEncryption(inner, { keyring: material(newKey('k2')), hashKeysIn: ['codes'], hashKey });
    await expect(direct.get('codes', 'c3')).rejects.toMatchObject({ code: 'unknown_key_id' });
    await store.close();
    expect(source.closed).toBe(1);
  });

  it('rejects a hash key shorter than 32 bytes when the wrapper is created', () => {
    expect(() =>
      withEnvelopeEncryption(new MemoryStore(), {
        keyring: material(newKey('k')),
        hashKeysIn: ['codes'],
        hashKey: new Uint8Array(16),
      }),
    ).toThrow(expect.objectContaining({ code: 'configuration', message: expect.stringContaining('hashKey') }));
  });
});

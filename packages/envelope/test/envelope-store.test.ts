import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { inspectEnvelope, MAX_ENVELOPE_OVERHEAD, withEnvelopeEncryption } from '../src/index';
import { CountingKeySource, material, newKey, renderings } from './support/keys';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('withEnvelopeEncryption: options and capabilities', () => {
  it('keeps the inner limits and reduces maxValueBytes by the largest envelope overhead', () => {
    const inner = new MemoryStore({ maxValueBytes: 4096 });
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')) });
    expect(store.capabilities).toEqual({
      name: 'envelope',
      maxKeyBytes: inner.capabilities.maxKeyBytes,
      maxCollectionBytes: inner.capabilities.maxCollectionBytes,
      maxValueBytes: 4096 - MAX_ENVELOPE_OVERHEAD,
      nativeTtl: inner.capabilities.nativeTtl,
      atomicTake: inner.capabilities.atomicTake,
      compareAndSet: inner.capabilities.compareAndSet,
    });
    expect(MAX_ENVELOPE_OVERHEAD).toBe(409);
  });

  it('a value of exactly maxValueBytes fits the inner store even under a 255-byte kid', async () => {
    const inner = new MemoryStore({ maxValueBytes: 2048 });
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k'.repeat(255))) });
    const value = new Uint8Array(store.capabilities.maxValueBytes).fill(7);
    await store.set('c', 'k', value);
    expect((await inner.get('c', 'k'))?.byteLength).toBe(2048);
    expect(await store.get('c', 'k')).toEqual(value);
    await expect(store.set('c', 'k', new Uint8Array(value.byteLength + 1))).rejects.toMatchObject({
      code: 'value_too_large',
    });
  });

  it.each([
    ['neither keyring nor keySource', {}, /exactly one of `keyring`/],
    [
      'both keyring and keySource',
      { keyring: material(newKey('k')), keySource: new CountingKeySource(material(newKey('k'))) },
      /exactly one of `keyring`/,
    ],
    ['a keySource without load()', { keySource: { description: 'x' } }, /must implement KeySource/],
    ['a negative refresh interval', { keyring: material(newKey('k')), refreshIntervalMs: -1 }, /refreshIntervalMs/],
    [
      'a refresh interval too long for a timer',
      { keyring: material(newKey('k')), refreshIntervalMs: 2 ** 31 },
      /2147483647/,
    ],
    [
      'hashKeysIn without hashKey',
      { keyring: material(newKey('k')), hashKeysIn: ['codes'] },
      /hashKeysIn needs `hashKey`/,
    ],
    [
      'hashKeysIn of numbers',
      { keyring: material(newKey('k')), hashKeysIn: [1], hashKey: new Uint8Array(32) },
      /hashKeysIn must be/,
    ],
    ['a bad keyring', { keyring: { primary: { kid: 'k', key: new Uint8Array(8) }, decryptOnly: [] } }, /8 bytes/],
  ])('rejects %s with a configuration error', (_label, options, pattern) => {
    expect(() => withEnvelopeEncryption(new MemoryStore(), options as never)).toThrow(
      expect.objectContaining({ code: 'configuration', message: expect.stringMatching(pattern) }),
    );
  });

  it('refuses an inner store too small for any envelope', () => {
    expect(() =>
      withEnvelopeEncryption(new MemoryStore({ maxValueBytes: 300 }), { keyring: material(newKey('k')) }),
    ).toThrow(expect.objectContaining({ code: 'configuration' }));
  });
});

describe('withEnvelopeEncryption: behaviour', () => {
  it('writes the absolute expiry into the authenticated header and passes the TTL to the inner store', async () => {
    let now = 1_700_000_000_000;
    const inner = new MemoryStore({ now: () => now });
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), now: () => now });
    await store.set('c', 'ttl', bytes('v'), { ttlMs: 60_000 });
    await store.set('c', 'forever', bytes('v'));
    expect(inspectEnvelope((await inner.get('c', 'ttl'))!).expiresAt).toBe(1_700_000_060_000);
    expect(inspectEnvelope((await inner.get('c', 'forever'))!).expiresAt).toBeUndefined();
    now += 60_000;
    expect(await store.get('c', 'ttl')).toBeUndefined();
    expect(await store.get('c', 'forever')).toEqual(bytes('v'));
  });

  it('passes onlyIfAbsent, delete and take results through', async () => {
    const store = withEnvelopeEncryption(new MemoryStore(), { keyring: material(newKey('k')) });
    expect(await store.set('c', 'k', bytes('a'), { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('c', 'k', bytes('b'), { onlyIfAbsent: true })).toBe(false);
    expect(await store.take('c', 'k')).toEqual(bytes('a'));
    expect(await store.take('c', 'k')).toBeUndefined();
    await store.set('c', 'k', bytes('a'));
    expect(await store.delete('c', 'k')).toBe(true);
    expect(await store.delete('c', 'k')).toBe(false);
  });

  it('lists the inner key names of unhashed collections', async () => {
    const store = withEnvelopeEncryption(new MemoryStore(), { keyring: material(newKey('k')) });
    await store.set('c', 'b', bytes('1'));
    await store.set('c', 'a', bytes('2'));
    expect(await store.list('c')).toEqual({ keys: ['a', 'b'] });
  });

  it('error messages name neither the key nor the value nor any key material', async () => {
    const key = newKey('kid-1');
    const other = newKey('kid-1');
    const inner = new MemoryStore();
    const writer = withEnvelopeEncryption(inner, { keyring: material(key) });
    const secretKeyName = 'authorization-code-SplxlOBeZQQYbYS6WxSbIA';
    const secretValue = bytes('{"access_token":"ya29.a0AfH6SMBx-secret-token-value"}');
    await writer.set('codes', secretKeyName, secretValue);
    const stored = (await inner.get('codes', secretKeyName))!;
    const failures: unknown[] = [];
    const collect = (promise: Promise<unknown>) =>
      promise.then(
        () => failures.push('resolved'),
        (e) => failures.push(e),
      );
    // Wrong key under the same kid, unknown kid, tampered, planted plaintext, copied.
    await collect(withEnvelopeEncryption(inner, { keyring: material(other) }).get('codes', secretKeyName));
    await collect(withEnvelopeEncryption(inner, { keyring: material(newKey('kid-2')) }).get('codes', secretKeyName));
    const tampered = Uint8Array.from(stored);
    tampered[tampered.length - 3]! ^= 1;
    await inner.set('codes', secretKeyName, tampered);
    await collect(writer.get('codes', secretKeyName));
    await inner.set('codes', secretKeyName, secretValue);
    await collect(writer.get('codes', secretKeyName));
    await inner.set('codes', `${secretKeyName}-copy`, stored);
    await collect(writer.get('codes', `${secretKeyName}-copy`));
    expect(failures.map((error) => (error as { code?: string }).code)).toEqual([
      'integrity',
      'unknown_key_id',
      'integrity',
      'integrity',
      'integrity',
    ]);
    const forbidden = [
      secretKeyName,
      'SplxlOBeZQQYbYS6WxSbIA',
      Buffer.from(secretValue).toString('utf8'),
      'secret-token-value',
      ...renderings(key.key, other.key, secretValue),
    ];
    for (const error of failures as Error[]) {
      for (const text of forbidden) expect(error.message).not.toContain(text);
      expect(error.cause).toBeUndefined();
      expect(error.message.startsWith('envelope: ')).toBe(true);
    }
  });

  it('a record written by a newer format version says to upgrade', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')) });
    await store.set('c', 'k', bytes('v'));
    const stored = (await inner.get('c', 'k'))!;
    stored[4] = 3;
    await inner.set('c', 'k', stored);
    await expect(store.get('c', 'k')).rejects.toMatchObject({
      code: 'integrity',
      message: expect.stringContaining('version 3'),
    });
  });

  it('a read never rewrites the record (no lazy migration that could race with writers)', async () => {
    const inner = new MemoryStore();
    const old = newKey('old');
    await withEnvelopeEncryption(inner, { keyring: material(old) }).set('c', 'k', bytes('v'));
    const before = await inner.get('c', 'k');
    await withEnvelopeEncryption(inner, { keyring: material(newKey('new'), old) }).get('c', 'k');
    expect(await inner.get('c', 'k')).toEqual(before);
  });

  it('a TTL whose absolute expiry would not be a safe integer is invalid_value, and nothing is written', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')) });
    await expect(store.set('c', 'k', bytes('v'), { ttlMs: Number.MAX_SAFE_INTEGER })).rejects.toMatchObject({
      code: 'invalid_value',
    });
    expect(await inner.get('c', 'k')).toBeUndefined();
  });
});

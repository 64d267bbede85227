// Issue 12, items 1, 2 and 4 at the unit level (the Redis/PostgreSQL attacks are in hardening-backends.test.ts), and
// the contract v2 pass-through (getEntry, ifVersion, rewrap by compare-and-set).
import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { parseEnvelope } from '../src/format';
import { createKeyring, envKeySource, inspectEnvelope, rewrap, withEnvelopeEncryption } from '../src/index';
import { HookedStore } from './support/hooked-store';
import { material, newKey } from './support/keys';

const text = (value: string) => new TextEncoder().encode(value);
const read = (value: Uint8Array | undefined) => (value === undefined ? undefined : Buffer.from(value).toString());

/** Every run of `window` characters of `secret` that appears in `message`. */
function leakedWindows(message: string, secret: string, window = 6): string[] {
  const found: string[] = [];
  for (let i = 0; i + window <= secret.length; i += 1) {
    if (message.includes(secret.slice(i, i + window))) found.push(secret.slice(i, i + window));
  }
  return found;
}

async function configurationMessage(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    expect(error).toMatchObject({ code: 'configuration' });
    const { message, cause } = error as Error;
    return `${message} ${cause instanceof Error ? cause.message : ''}`;
  }
  throw new Error('expected a configuration error');
}

function clockedStore() {
  let now = Date.now();
  const inner = new MemoryStore();
  const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), now: () => now });
  return { inner, store, advance: (ms: number) => (now += ms) };
}

describe('item 1: the authenticated expiry is enforced on every read path', () => {
  it('a record the backend still returns after its envelope expiry reads as absent (get, getEntry, take)', async () => {
    const { inner, store, advance } = clockedStore();
    await store.set('codes', 'c', text('grant'), { ttlMs: 1_000 });
    // The backend is told nothing (its clock has not moved): only the envelope's authenticated expiry says "dead".
    advance(1_001);
    expect(await inner.get('codes', 'c')).toBeDefined();
    expect(await store.get('codes', 'c')).toBeUndefined();
    expect(await store.getEntry('codes', 'c')).toBeUndefined();
    expect(await store.take('codes', 'c')).toBeUndefined();
  });

  it('before its expiry the record reads, and getEntry reports the authenticated expiry and the inner version', async () => {
    const { inner, store } = clockedStore();
    await store.set('codes', 'c', text('grant'), { ttlMs: 60_000 });
    const entry = await store.getEntry('codes', 'c');
    expect(read(entry?.value)).toBe('grant');
    expect(entry?.expiresAt).toBe(inspectEnvelope((await inner.get('codes', 'c'))!).expiresAt);
    expect(entry?.version).toBe((await inner.getEntry('codes', 'c'))?.version);
  });

  it('set(onlyIfAbsent) over a dead record the backend still holds writes (compare-and-delete on a v2 store)', async () => {
    const { store, advance } = clockedStore();
    await store.set('codes', 'c', text('old'), { ttlMs: 1_000 });
    advance(1_001);
    expect(await store.set('codes', 'c', text('new'), { onlyIfAbsent: true, ttlMs: 60_000 })).toBe(true);
    expect(read(await store.get('codes', 'c'))).toBe('new');
    expect(await store.set('codes', 'c', text('third'), { onlyIfAbsent: true })).toBe(false);
  });
});

describe('item 2: no part of a secret in configuration messages', () => {
  const key = randomBytes(32).toString('base64');
  const other = randomBytes(32).toString('base64');
  const cases: Array<[string, string]> = [
    ['the key pasted as "primary"', JSON.stringify({ primary: key, keys: { '2025-06': other } })],
    ['the key pasted as a kid', JSON.stringify({ primary: '2025-06', keys: { [key]: key, '2025-06': other } })],
    ['a key as kid of another key', JSON.stringify({ primary: '2025-06', keys: { [key]: other } })],
    ['an invalid kid made of key material', JSON.stringify({ primary: 'a', keys: { [`${key} x`]: other, a: other } })],
    ['a primary that is not among the keys', JSON.stringify({ primary: key.slice(0, 40), keys: { a: other } })],
    ['a key that is not a string', JSON.stringify({ primary: key, keys: { [key]: 42 } })],
    ['a key too short', JSON.stringify({ primary: 'a', keys: { a: key.slice(0, 20) } })],
    ['notAfter naming a key', JSON.stringify({ primary: 'a', keys: { a: other }, notAfter: { [key]: 1 } })],
  ];
  for (const [label, secret] of cases) {
    it(`${label}: the message names the field and position, never the content`, async () => {
      const message = await configurationMessage(
        envKeySource({ variable: 'OAUTH_STORE_KEK', encoding: 'base64', env: { OAUTH_STORE_KEK: secret } }).load(),
      );
      expect(message).toContain('environment variable OAUTH_STORE_KEK');
      expect(leakedWindows(message, key)).toEqual([]);
      expect(leakedWindows(message, other)).toEqual([]);
    });
  }

  it('a fixed keyring with a bad key names its position, never the kid', () => {
    const kid = randomBytes(24).toString('base64');
    expect(() => createKeyring({ primary: { kid, key: new Uint8Array(16) }, decryptOnly: [] })).toThrow(
      expect.objectContaining({ code: 'configuration', message: expect.not.stringContaining(kid.slice(0, 8)) }),
    );
  });
});

describe('item 4: no nonce budget under a KEK, and retired keys', () => {
  it('the KEK never keys AES-GCM: no record’s wrapped DEK opens under the KEK itself (v1 wrapped it so)', async () => {
    const kek = newKey('k');
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(kek), dataKeyCache: false });
    const salts = new Set<string>();
    for (let i = 0; i < 50; i += 1) {
      await store.set('c', `k${i}`, text(`v${i}`));
      const parsed = parseEnvelope((await inner.get('c', `k${i}`))!);
      salts.add(Buffer.from(parsed.wrapSalt).toString('hex'));
      // Try the v1 construction: AES-256-GCM(KEK, 12 bytes after the kid, wrapped DEK, AAD = header).
      const decipher = createDecipheriv('aes-256-gcm', kek.key, parsed.wrapSalt.subarray(0, 12));
      decipher.setAAD(parsed.header);
      decipher.setAuthTag(parsed.wrappedDek.subarray(32));
      decipher.update(parsed.wrappedDek.subarray(0, 32));
      expect(() => decipher.final()).toThrow();
    }
    // A fresh 256-bit wrap salt (hence a fresh wrapping key) per record without the cache.
    expect(salts.size).toBe(50);
  });

  it('a retired key (notAfter) opens only records that expire by its retirement', async () => {
    const now = Date.now();
    const old = newKey('old');
    const inner = new MemoryStore();
    const writer = withEnvelopeEncryption(inner, { keyring: material(old), now: () => now });
    await writer.set('c', 'short', text('expires before retirement'), { ttlMs: 60_000 });
    // What someone holding the leaked old key could forge: a record that never expires, or outlives the retirement.
    await writer.set('c', 'forever', text('forged, permanent'));
    await writer.set('c', 'long', text('forged, long-lived'), { ttlMs: 86_400_000 });
    const retired = { ...old, notAfter: now + 120_000 };
    const reader = withEnvelopeEncryption(inner, {
      keyring: { primary: newKey('new'), decryptOnly: [retired] },
      now: () => now,
    });
    expect(read(await reader.get('c', 'short'))).toBe('expires before retirement');
    await expect(reader.get('c', 'forever')).rejects.toMatchObject({ code: 'integrity', message: /retired key/ });
    await expect(reader.get('c', 'long')).rejects.toMatchObject({ code: 'integrity', message: /retired key/ });
    // Without notAfter the same key opens everything it authenticates.
    const lenient = withEnvelopeEncryption(inner, { keyring: { primary: newKey('new'), decryptOnly: [old] } });
    expect(read(await lenient.get('c', 'forever'))).toBe('forged, permanent');
  });

  it('notAfter comes from the JSON secret form too, and the primary cannot retire', async () => {
    const a = randomBytes(32).toString('base64');
    const b = randomBytes(32).toString('base64');
    const secret = JSON.stringify({ primary: 'b', keys: { a, b }, notAfter: { a: '2026-01-31T00:00:00Z' } });
    const loaded = await envKeySource({ variable: 'K', encoding: 'base64', env: { K: secret } }).load();
    expect(loaded.decryptOnly).toEqual([
      expect.objectContaining({ kid: 'a', notAfter: Date.parse('2026-01-31T00:00:00Z') }),
    ]);
    expect(createKeyring(loaded).notAfter('a')).toBe(Date.parse('2026-01-31T00:00:00Z'));
    const primaryRetired = JSON.stringify({ primary: 'b', keys: { a, b }, notAfter: { b: 0 } });
    await configurationMessage(envKeySource({ variable: 'K', encoding: 'base64', env: { K: primaryRetired } }).load());
    expect(() => createKeyring({ primary: { ...newKey('p'), notAfter: 1 } as never, decryptOnly: [] })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});

describe('contract v2 pass-through', () => {
  it('set and delete with ifVersion delegate to the inner store’s compare-and-set', async () => {
    const store = withEnvelopeEncryption(new MemoryStore(), { keyring: material(newKey('k')) });
    expect(store.capabilities.compareAndSet).toBe(true);
    await store.set('c', 'k', text('one'));
    const first = (await store.getEntry('c', 'k'))!;
    expect(await store.set('c', 'k', text('two'), { ifVersion: first.version })).toBe(true);
    expect(await store.set('c', 'k', text('lost'), { ifVersion: first.version })).toBe(false);
    expect(read(await store.get('c', 'k'))).toBe('two');
    expect(await store.delete('c', 'k', { ifVersion: first.version })).toBe(false);
    const second = (await store.getEntry('c', 'k'))!;
    expect(await store.delete('c', 'k', { ifVersion: second.version })).toBe(true);
    expect(await store.get('c', 'k')).toBeUndefined();
    await expect(
      store.set('c', 'k', text('x'), { onlyIfAbsent: true, ifVersion: second.version }),
    ).rejects.toMatchObject({ code: 'invalid_value' });
  });

  it('rewrap by compare-and-set: a reader between every step always sees the record, and a concurrent write wins', async () => {
    const memory = new MemoryStore();
    const inner = new HookedStore(memory, { compareAndSet: true });
    const oldKey = newKey('old');
    const newPrimary = newKey('new');
    const before = withEnvelopeEncryption(inner, { keyring: material(oldKey) });
    const after = withEnvelopeEncryption(memory, { keyring: material(newPrimary, oldKey) });
    for (let i = 0; i < 5; i += 1) await before.set('c', `k${i}`, text(`v${i}`), { ttlMs: 3_600_000 });
    const missing: string[] = [];
    let raced = false;
    inner.hook = async (call) => {
      for (let i = 0; i < 5; i += 1) if ((await memory.get('c', `k${i}`)) === undefined) missing.push(`k${i}`);
      // Another instance (still on the old key) writes k2 between the rewrap's read and its compare-and-set.
      if (call.op === 'set' && call.key === 'k2' && !raced) {
        raced = true;
        await withEnvelopeEncryption(memory, { keyring: material(oldKey) }).set('c', 'k2', text('newer'));
      }
    };
    const result = await rewrap(inner, material(newPrimary, oldKey), { collections: ['c'] });
    inner.hook = undefined;
    expect(missing).toEqual([]);
    expect(result).toMatchObject({ scanned: 5, rewrapped: 4, superseded: 1, failed: 0 });
    expect(read(await after.get('c', 'k2'))).toBe('newer');
    for (let i = 0; i < 5; i += 1) expect(inspectEnvelope((await memory.get('c', `k${i}`))!).kid).toBe('new');
    // No journal is needed on this path.
    expect(await memory.list('oauth-store-rewrap-journal')).toEqual({ keys: [] });
  });
});

// The data-key cache (issue 16's envelope target): one wrapped data key serves a bounded number of records for a
// bounded time, every record still gets its own nonce, and the read cache never outlives the keyring it was made with.
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { parseEnvelope } from '../src/format';
import { withEnvelopeEncryption } from '../src/index';
import { CountingKeySource, material, newKey } from './support/keys';

const text = (value: string) => new TextEncoder().encode(value);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

async function keyBlocks(inner: MemoryStore, count: number) {
  const blocks: string[] = [];
  const nonces = new Set<string>();
  for (let i = 0; i < count; i += 1) {
    const parsed = parseEnvelope((await inner.get('c', `k${i}`))!);
    blocks.push(hex(parsed.keyBlock));
    nonces.add(hex(parsed.payloadNonce));
  }
  return { blocks, nonces };
}

describe('data-key cache', () => {
  it('reuses one wrapped data key for maxRecords records, each with its own nonce, then draws a new one', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), dataKeyCache: { maxRecords: 3 } });
    for (let i = 0; i < 7; i += 1) await store.set('c', `k${i}`, text(`v${i}`));
    const { blocks, nonces } = await keyBlocks(inner, 7);
    expect(new Set(blocks.slice(0, 3)).size).toBe(1);
    expect(new Set(blocks.slice(3, 6)).size).toBe(1);
    expect(blocks[3]).not.toBe(blocks[0]);
    expect(blocks[6]).not.toBe(blocks[3]);
    expect(nonces.size).toBe(7);
    for (let i = 0; i < 7; i += 1) expect(Buffer.from((await store.get('c', `k${i}`))!).toString()).toBe(`v${i}`);
  });

  it('draws a new data key once maxAgeMs has passed', async () => {
    let now = 1_000_000;
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, {
      keyring: material(newKey('k')),
      now: () => now,
      dataKeyCache: { maxAgeMs: 1_000 },
    });
    await store.set('c', 'k0', text('a'));
    now += 999;
    await store.set('c', 'k1', text('b'));
    now += 1;
    await store.set('c', 'k2', text('c'));
    const { blocks } = await keyBlocks(inner, 3);
    expect(blocks[1]).toBe(blocks[0]);
    expect(blocks[2]).not.toBe(blocks[1]);
  });

  it('dataKeyCache: false gives every record its own data key', async () => {
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keyring: material(newKey('k')), dataKeyCache: false });
    for (let i = 0; i < 5; i += 1) await store.set('c', `k${i}`, text('same'));
    expect(new Set((await keyBlocks(inner, 5)).blocks).size).toBe(5);
  });

  it('a key removed by a refresh stops opening records at once, cached or not; a new primary gets a new data key', async () => {
    const old = newKey('old');
    const next = newKey('new');
    const source = new CountingKeySource(material(old));
    const inner = new MemoryStore();
    const store = withEnvelopeEncryption(inner, { keySource: source, refreshIntervalMs: 0 });
    await store.set('c', 'k0', text('under old'));
    expect(Buffer.from((await store.get('c', 'k0'))!).toString()).toBe('under old'); // now in the read cache
    source.current = material(next);
    await store.refreshKeys();
    await expect(store.get('c', 'k0')).rejects.toMatchObject({ code: 'unknown_key_id' });
    await store.set('c', 'k1', text('under new'));
    expect(parseEnvelope((await inner.get('c', 'k1'))!).kid).toBe('new');
  });

  it('a read served from the cache checks what a full open checks: commitment, tag, expiry field, retirement', async () => {
    let now = 1_000_000;
    const old = newKey('old');
    const inner = new MemoryStore();
    const writer = withEnvelopeEncryption(inner, { keyring: material(old), now: () => now });
    await writer.set('c', 'short', text('short'), { ttlMs: 1_000 });
    await writer.set('c', 'long', text('long'), { ttlMs: 100_000 });
    const short = (await inner.get('c', 'short'))!;
    const long = (await inner.get('c', 'long'))!;
    const blockEnd = 14 + 3 + 32 + 48;
    // Same wrapped data key in both records: the second read below is a cache hit in every case.
    expect(hex(parseEnvelope(short).keyBlock)).toBe(hex(parseEnvelope(long).keyBlock));
    expect(Buffer.from((await writer.get('c', 'short'))!).toString()).toBe('short');
    const flip = (bytes: Uint8Array, at: number) => {
      const copy = Uint8Array.from(bytes);
      copy[at]! ^= 1;
      return copy;
    };
    // Commitment, payload nonce, payload, tag, expiry field: each flipped bit is refused on the cached path.
    for (const at of [blockEnd, blockEnd + 32, long.length - 20, long.length - 1, 12]) {
      await inner.set('c', 'long', flip(long, at));
      await expect(writer.get('c', 'long')).rejects.toMatchObject({ code: 'integrity' });
    }
    // Retired under a notAfter between the two expiries: the first read fills the cache, the second is refused from it.
    const reader = withEnvelopeEncryption(inner, {
      keyring: { primary: newKey('new'), decryptOnly: [{ ...old, notAfter: now + 10_000 }] },
      now: () => now,
    });
    await inner.set('c', 'long', long);
    expect(Buffer.from((await reader.get('c', 'short'))!).toString()).toBe('short');
    await expect(reader.get('c', 'long')).rejects.toMatchObject({ code: 'integrity' });
    now += 2_000;
    expect(await reader.get('c', 'short')).toBeUndefined();
  });

  it('rejects bounds outside their limits', () => {
    for (const dataKeyCache of [
      { maxRecords: 0 },
      { maxRecords: 2 ** 24 + 1 },
      { maxAgeMs: -1 },
      { maxUnwrapped: 1.5 },
    ]) {
      expect(() => withEnvelopeEncryption(new MemoryStore(), { keyring: material(newKey('k')), dataKeyCache })).toThrow(
        expect.objectContaining({ code: 'configuration' }),
      );
    }
  });
});

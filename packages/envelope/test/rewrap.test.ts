import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { parseEnvelope } from '../src/format';
import {
  DEFAULT_JOURNAL_COLLECTION,
  inspectEnvelope,
  type RewrapProgress,
  rewrap,
  withEnvelopeEncryption,
} from '../src/index';
import { HookedStore } from './support/hooked-store';
import { material, newKey } from './support/keys';

const bytes = (text: string) => new TextEncoder().encode(text);
const HOUR = 3_600_000;

function setup(count: number, options: { ttlMs?: number; now?: () => number } = {}) {
  const memory = new MemoryStore(options.now ? { now: options.now } : {});
  const inner = new HookedStore(memory);
  const oldKey = newKey('old');
  const newPrimary = newKey('new');
  const before = withEnvelopeEncryption(inner, { keyring: material(oldKey), now: options.now });
  const rotated = material(newPrimary, oldKey);
  const after = withEnvelopeEncryption(inner, { keyring: rotated, now: options.now });
  const onlyNew = withEnvelopeEncryption(inner, { keyring: material(newPrimary), now: options.now });
  const write = async () => {
    for (let i = 0; i < count; i += 1) {
      await before.set(
        'c',
        `k${String(i).padStart(3, '0')}`,
        bytes(`value-${i}`),
        options.ttlMs ? { ttlMs: options.ttlMs } : {},
      );
    }
  };
  return { memory, inner, oldKey, newPrimary, before, after, onlyNew, rotated, write };
}

async function kidsIn(store: MemoryStore, collection: string): Promise<string[]> {
  const { keys } = await store.list(collection, { limit: 1000 });
  return Promise.all(keys.map(async (key) => inspectEnvelope((await store.get(collection, key))!).kid));
}

describe('rewrap', () => {
  it('changes only kid, wrap nonce and wrapped DEK; the payload bytes are untouched', async () => {
    const { memory, inner, rotated, onlyNew, write } = setup(3);
    await write();
    const before = (await memory.get('c', 'k001'))!;
    const result = await rewrap(inner, rotated, { collections: ['c'] });
    expect(result).toMatchObject({
      scanned: 3,
      rewrapped: 3,
      failed: 0,
      primaryKid: 'new',
      retainOldKeysUntil: undefined,
    });
    const after = (await memory.get('c', 'k001'))!;
    const [old, next] = [parseEnvelope(before), parseEnvelope(after)];
    expect(next.kid).toBe('new');
    expect(Buffer.from(next.commitment)).toEqual(Buffer.from(old.commitment));
    expect(Buffer.from(next.payloadNonce)).toEqual(Buffer.from(old.payloadNonce));
    expect(Buffer.from(next.payload)).toEqual(Buffer.from(old.payload));
    expect(next.expiresAt).toBe(old.expiresAt);
    expect(Buffer.from(next.wrappedDek)).not.toEqual(Buffer.from(old.wrappedDek));
    expect(Buffer.from(after.subarray(after.length - old.payload.length))).toEqual(Buffer.from(old.payload));
    expect(await onlyNew.get('c', 'k001')).toEqual(bytes('value-1'));
    // A second pass has nothing to do.
    expect(await rewrap(inner, rotated, { collections: ['c'] })).toMatchObject({ alreadyCurrent: 3, rewrapped: 0 });
    expect(await memory.list(DEFAULT_JOURNAL_COLLECTION)).toEqual({ keys: [] });
  });

  it('keeps the absolute expiry: the record is re-set with the remaining TTL', async () => {
    let now = 1_700_000_000_000;
    const clock = () => now;
    const { memory, inner, rotated, onlyNew, write } = setup(1, { ttlMs: HOUR, now: clock });
    await write();
    now += HOUR / 2;
    expect(await rewrap(inner, rotated, { collections: ['c'], now: clock })).toMatchObject({ rewrapped: 1 });
    expect(inspectEnvelope((await memory.get('c', 'k000'))!)).toMatchObject({
      kid: 'new',
      expiresAt: 1_700_000_000_000 + HOUR,
    });
    now = 1_700_000_000_000 + HOUR - 1;
    expect(await onlyNew.get('c', 'k000')).toEqual(bytes('value-0'));
    now += 1;
    expect(await onlyNew.get('c', 'k000')).toBeUndefined();
  });

  it('leaves records that expire soon under the old key and says until when the old key is needed', async () => {
    const now = 1_700_000_000_000;
    const { memory, inner, rotated, before } = setup(0, { now: () => now });
    await before.set('c', 'code', bytes('short'), { ttlMs: 5 * 60_000 });
    await before.set('c', 'client', bytes('long'));
    const result = await rewrap(inner, rotated, { collections: ['c'], now: () => now });
    expect(result).toMatchObject({ rewrapped: 1, expiringSoon: 1, retainOldKeysUntil: now + 5 * 60_000 });
    expect(inspectEnvelope((await memory.get('c', 'code'))!).kid).toBe('old');
    const all = await rewrap(inner, rotated, { collections: ['c'], now: () => now, skipExpiringWithinMs: 0 });
    expect(all).toMatchObject({ rewrapped: 1, alreadyCurrent: 1 });
  });

  it('reports progress per page and resumes from a reported cursor after being stopped', async () => {
    const { memory, inner, rotated, write } = setup(23);
    await write();
    const reports: RewrapProgress[] = [];
    const stop = new AbortController();
    await expect(
      rewrap(inner, rotated, {
        collections: ['c'],
        pageSize: 5,
        signal: stop.signal,
        onProgress: (progress) => {
          reports.push(progress);
          if (reports.length === 2) stop.abort(new Error('operator stopped the pass'));
        },
      }),
    ).rejects.toThrow('operator stopped the pass');
    expect(reports.map((report) => report.scanned)).toEqual([5, 10]);
    expect(reports.every((report) => !report.done && report.cursor)).toBe(true);
    expect((await kidsIn(memory, 'c')).filter((kid) => kid === 'new')).toHaveLength(10);

    const resumed: RewrapProgress[] = [];
    const result = await rewrap(inner, rotated, {
      collections: ['c'],
      pageSize: 5,
      cursor: reports.at(-1)!.cursor,
      onProgress: (progress) => {
        resumed.push(progress);
      },
    });
    // Resumed where it stopped: the 10 done records are not scanned again.
    expect(result).toMatchObject({ scanned: 13, rewrapped: 13, alreadyCurrent: 0 });
    expect(resumed.at(-1)).toMatchObject({ done: true, cursor: undefined });
    expect(new Set(await kidsIn(memory, 'c'))).toEqual(new Set(['new']));
  });

  it('walks several collections with one cursor', async () => {
    const { memory, inner, rotated, before } = setup(0);
    for (const collection of ['a', 'b', 'c']) {
      for (let i = 0; i < 4; i += 1) await before.set(collection, `k${i}`, bytes('v'));
    }
    const cursors: Array<string | undefined> = [];
    const result = await rewrap(inner, rotated, {
      collections: ['a', 'b', 'c'],
      pageSize: 3,
      onProgress: (progress) => {
        cursors.push(progress.cursor);
      },
    });
    expect(result.rewrapped).toBe(12);
    expect(cursors.at(-1)).toBeUndefined();
    // Resuming from the middle cursor only walks what follows it.
    const middle = cursors[2]!;
    const again = await rewrap(inner, rotated, { collections: ['a', 'b', 'c'], pageSize: 3, cursor: middle });
    expect(again.alreadyCurrent).toBeLessThan(12);
    for (const collection of ['a', 'b', 'c'])
      expect(new Set(await kidsIn(memory, collection))).toEqual(new Set(['new']));
  });

  it('repairs a pass that crashed between take and put-back, from the journal', async () => {
    const { memory, inner, rotated, onlyNew, write } = setup(5);
    await write();
    inner.hook = ({ op, collection, options }) => {
      if (op === 'set' && collection === 'c' && options?.onlyIfAbsent) throw new Error('process killed');
    };
    await expect(rewrap(inner, rotated, { collections: ['c'] })).rejects.toThrow('process killed');
    inner.hook = undefined;
    // The record the pass held is gone from its place, but safe in the journal.
    expect(await memory.get('c', 'k000')).toBeUndefined();
    expect((await memory.list(DEFAULT_JOURNAL_COLLECTION)).keys).toHaveLength(1);
    const repaired = await rewrap(inner, rotated, { collections: ['c'] });
    expect(repaired).toMatchObject({ recovered: 1, rewrapped: 4, alreadyCurrent: 1, failed: 0 });
    expect(await onlyNew.get('c', 'k000')).toEqual(bytes('value-0'));
    expect(await memory.list(DEFAULT_JOURNAL_COLLECTION)).toEqual({ keys: [] });
  });

  it('the journal entry is encrypted: no key name or value in it', async () => {
    const { memory, inner, rotated, before } = setup(0);
    await before.set('c', 'secret-key-name', bytes('secret-value'));
    inner.hook = ({ op, collection }) => {
      if (op === 'take' && collection === 'c') throw new Error('crash');
    };
    await expect(rewrap(inner, rotated, { collections: ['c'] })).rejects.toThrow('crash');
    inner.hook = undefined;
    const [entry] = (await memory.list(DEFAULT_JOURNAL_COLLECTION)).keys;
    const stored = Buffer.from((await memory.get(DEFAULT_JOURNAL_COLLECTION, entry!))!);
    expect(stored.includes('secret-key-name')).toBe(false);
    expect(stored.includes('secret-value')).toBe(false);
  });

  it('counts tampered, planted and unknown-kid records as failed and leaves them untouched', async () => {
    const { memory, inner, rotated, before, write } = setup(2);
    await write();
    await memory.set('c', 'planted', bytes('{"client_id":"x"}'));
    const stranger = withEnvelopeEncryption(inner, { keyring: material(newKey('stranger')) });
    await stranger.set('c', 'unknown', bytes('v'));
    await before.set('c', 'tampered', bytes('v'));
    const tampered = (await memory.get('c', 'tampered'))!;
    tampered[20]! ^= 1;
    await memory.set('c', 'tampered', tampered);
    const snapshot = await Promise.all(['planted', 'unknown', 'tampered'].map((key) => memory.get('c', key)));
    const result = await rewrap(inner, rotated, { collections: ['c'] });
    expect(result).toMatchObject({ scanned: 5, rewrapped: 2, failed: 3 });
    expect(await Promise.all(['planted', 'unknown', 'tampered'].map((key) => memory.get('c', key)))).toEqual(snapshot);
  });

  describe('with another writer in the middle of a record (no compare-and-swap in the contract)', () => {
    it('a write between the read and the take wins: the newer value is kept, re-wrapped if needed', async () => {
      const { inner, rotated, after, onlyNew, write } = setup(1);
      await write();
      let injected = false;
      inner.hook = async ({ op, collection }) => {
        if (op === 'take' && collection === 'c' && !injected) {
          injected = true;
          inner.hook = undefined;
          await after.set('c', 'k000', bytes('newer'));
        }
      };
      const result = await rewrap(inner, rotated, { collections: ['c'] });
      expect(result).toMatchObject({ superseded: 1, rewrapped: 0 });
      expect(await onlyNew.get('c', 'k000')).toEqual(bytes('newer'));
    });

    it('a write between the take and the put-back wins: the old value never overwrites it', async () => {
      const { inner, rotated, after, onlyNew, write } = setup(1);
      await write();
      inner.hook = async ({ op, collection, options }) => {
        if (op === 'set' && collection === 'c' && options?.onlyIfAbsent) {
          inner.hook = undefined;
          await after.set('c', 'k000', bytes('newer'), { ttlMs: HOUR });
        }
      };
      const result = await rewrap(inner, rotated, { collections: ['c'] });
      expect(result).toMatchObject({ superseded: 1, rewrapped: 0 });
      expect(await onlyNew.get('c', 'k000')).toEqual(bytes('newer'));
    });

    it('a take that won the record before the rewrap is never undone (no replay of one-time records)', async () => {
      const { memory, inner, rotated, after, write } = setup(1);
      await write();
      let taken: Uint8Array | undefined;
      inner.hook = async ({ op, collection }) => {
        if (op === 'take' && collection === 'c') {
          inner.hook = undefined;
          taken = await after.take('c', 'k000');
        }
      };
      const result = await rewrap(inner, rotated, { collections: ['c'] });
      expect(taken).toEqual(bytes('value-0'));
      expect(result).toMatchObject({ vanished: 1, rewrapped: 0 });
      expect(await memory.get('c', 'k000')).toBeUndefined();
    });

    it('a reader in the one-round-trip gap sees the record missing; it is back right after (documented)', async () => {
      const { inner, rotated, after, onlyNew, write } = setup(1);
      await write();
      let seen: Uint8Array | undefined | 'not-run' = 'not-run';
      inner.hook = async ({ op, collection, options }) => {
        if (op === 'set' && collection === 'c' && options?.onlyIfAbsent) {
          inner.hook = undefined;
          seen = await after.get('c', 'k000');
        }
      };
      await rewrap(inner, rotated, { collections: ['c'] });
      expect(seen).toBeUndefined();
      expect(await onlyNew.get('c', 'k000')).toEqual(bytes('value-0'));
    });

    it('a delete in the same gap is undone (the documented limit: repeat revocations issued during a pass)', async () => {
      const { inner, rotated, after, onlyNew, write } = setup(1);
      await write();
      let deleted: boolean | undefined;
      inner.hook = async ({ op, collection, options }) => {
        if (op === 'set' && collection === 'c' && options?.onlyIfAbsent) {
          inner.hook = undefined;
          deleted = await after.delete('c', 'k000');
        }
      };
      await rewrap(inner, rotated, { collections: ['c'] });
      // The delete found nothing (the pass held the record), so it reported false: the caller can tell.
      expect(deleted).toBe(false);
      expect(await onlyNew.get('c', 'k000')).toEqual(bytes('value-0'));
    });
  });

  it('rejects a foreign cursor, a listed journal collection and a bad skip window', async () => {
    const { inner, rotated } = setup(0);
    await expect(rewrap(inner, rotated, { collections: ['c'], cursor: 'garbage' })).rejects.toMatchObject({
      code: 'invalid_value',
    });
    const foreign = Buffer.from(JSON.stringify({ v: 1, i: 0, c: 'other', l: null })).toString('base64url');
    await expect(rewrap(inner, rotated, { collections: ['c'], cursor: foreign })).rejects.toMatchObject({
      code: 'invalid_value',
    });
    await expect(rewrap(inner, rotated, { collections: ['c', DEFAULT_JOURNAL_COLLECTION] })).rejects.toMatchObject({
      code: 'configuration',
    });
    await expect(rewrap(inner, rotated, { collections: ['c'], skipExpiringWithinMs: -1 })).rejects.toMatchObject({
      code: 'configuration',
    });
  });

  it('store.rewrap() uses the wrapper’s current keys and its inner store', async () => {
    const { memory, after, newPrimary, write } = setup(4);
    await write();
    expect(await after.rewrap({ collections: ['c'] })).toMatchObject({ rewrapped: 4, primaryKid: 'new' });
    expect(new Set(await kidsIn(memory, 'c'))).toEqual(new Set(['new']));
    // The standalone function given the envelope store unwraps to its inner store (through the wrapper it would
    // see plaintext and count every record as failed).
    const newest = newKey('newest');
    expect(await rewrap(after, material(newest, newPrimary), { collections: ['c'] })).toMatchObject({
      rewrapped: 4,
      failed: 0,
    });
    expect(new Set(await kidsIn(memory, 'c'))).toEqual(new Set(['newest']));
  });
});

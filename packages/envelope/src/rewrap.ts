import { randomBytes } from 'node:crypto';
import {
  type ByteStore,
  ConfigurationError,
  InvalidValueError,
  isOAuthStoreError,
  type KeyringMaterial,
} from '@oauth-store/core';
import { concatBytes, lengthPrefixed, parseEnvelope } from './format';
import { innerStoreOf } from './inner-store';
import { type Keyring, primaryKey, toKeyring } from './keyring';
import { openRecord, rewrapRecord, sealWithKey } from './seal';

/** Default collection holding the rewrap crash journal. */
export const DEFAULT_JOURNAL_COLLECTION = 'oauth-store-rewrap-journal';
/** Default of {@link RewrapOptions.skipExpiringWithinMs}: 15 minutes. */
export const DEFAULT_SKIP_EXPIRING_WITHIN_MS = 15 * 60_000;

/** Options of {@link rewrap}. */
export interface RewrapOptions {
  /** Collections to walk, in order (their names as the application uses them). */
  collections: readonly string[];
  /** Resume point: the `cursor` of the last {@link RewrapProgress} a previous (crashed or stopped) run reported. */
  cursor?: string;
  /** Called after every page and at the end; awaited, so it can persist the cursor. */
  onProgress?: (progress: RewrapProgress) => void | Promise<void>;
  /** Keys listed per page. Default 100. */
  pageSize?: number;
  /**
   * Records that expire within this many ms are left alone (they vanish before the old key is retired, and one-time
   * records such as authorization codes are then never touched while in use). Default 900 000 (15 minutes).
   * The result's `retainOldKeysUntil` says how long the old keys are still needed for them.
   */
  skipExpiringWithinMs?: number;
  /** Collection of the crash journal (one small encrypted entry per running pass). Default `oauth-store-rewrap-journal`. */
  journalCollection?: string;
  /** Stops the pass between records; it rejects with the signal's reason and can be resumed from the last cursor. */
  signal?: AbortSignal;
  /** Clock; default `Date.now`. */
  now?: () => number;
}

/** Counters of a rewrap pass. */
export interface RewrapCounts {
  /** Keys listed. */
  scanned: number;
  /** Records whose DEK is now wrapped by the primary key. */
  rewrapped: number;
  /** Records already under the primary key (nothing written). */
  alreadyCurrent: number;
  /** Records left under their old key because they expire within `skipExpiringWithinMs`. */
  expiringSoon: number;
  /**
   * Records whose envelope expiry has passed while the backend still held them (its own expiry lags, or was removed):
   * never re-wrapped and never given a new lifetime; the envelope store does not return them.
   */
  expired: number;
  /** Records deleted, taken or expired by others while the pass ran (nothing written). */
  vanished: number;
  /** Records another writer replaced while the pass held them; the newer value was kept. */
  superseded: number;
  /** Records that could not be re-wrapped (tampered, planted, or under a kid the keyring lacks); left untouched. */
  failed: number;
  /** Records restored from the crash journal of an interrupted pass. */
  recovered: number;
}

/** What {@link RewrapOptions.onProgress} receives. */
export interface RewrapProgress extends RewrapCounts {
  /** Collection being walked (or just finished). */
  collection: string;
  /** Pass this back as {@link RewrapOptions.cursor} to resume after this point; undefined once done. */
  cursor: string | undefined;
  /** True on the last report. */
  done: boolean;
}

/** What {@link rewrap} resolves to. */
export interface RewrapResult extends RewrapCounts {
  /** Kid every re-wrapped record is now under. */
  primaryKid: string;
  /**
   * Epoch ms until which the old keys are still needed by records skipped as `expiringSoon`; undefined when none
   * were skipped. Retire an old kid only after this time (and only when `failed` is 0).
   */
  retainOldKeysUntil: number | undefined;
}

interface CursorState {
  index: number;
  listCursor: string | undefined;
}

function encodeCursor(collections: readonly string[], state: CursorState): string {
  const body = { v: 1, i: state.index, c: collections[state.index], l: state.listCursor ?? null };
  return Buffer.from(JSON.stringify(body), 'utf8').toString('base64url');
}

function decodeCursor(collections: readonly string[], cursor: string): CursorState {
  const bad = () =>
    new InvalidValueError(
      'cursor is not one reported by onProgress for these collections (same list, same order). Pass the last reported cursor unchanged, or omit it to start over (already re-wrapped records are skipped cheaply).',
      { source: 'envelope' },
    );
  let body: { v?: unknown; i?: unknown; c?: unknown; l?: unknown };
  try {
    body = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw bad();
  }
  const { v, i, c, l } = body ?? {};
  if (v !== 1 || typeof i !== 'number' || !Number.isInteger(i) || i < 0 || i > collections.length) throw bad();
  if (i < collections.length && c !== collections[i]) throw bad();
  if (l !== null && typeof l !== 'string') throw bad();
  return { index: i, listCursor: l ?? undefined };
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && Buffer.compare(a, b) === 0;
}

/** Journal payload: u64 expiresAt | lp(collection) | lp(stored key) | record bytes. */
function encodeJournal(collection: string, storedKey: string, record: Uint8Array, expiresAt: number): Uint8Array {
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(expiresAt), false);
  return concatBytes([head, lengthPrefixed(collection), lengthPrefixed(storedKey), record]);
}

function decodeJournal(bytes: Uint8Array): {
  collection: string;
  storedKey: string;
  record: Uint8Array;
  expiresAt: number;
} {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const expiresAt = Number(view.getBigUint64(0, false));
  let offset = 8;
  const text = () => {
    const length = view.getUint32(offset, false);
    const value = Buffer.from(bytes.subarray(offset + 4, offset + 4 + length)).toString('utf8');
    offset += 4 + length;
    return value;
  };
  const collection = text();
  const storedKey = text();
  return { collection, storedKey, record: bytes.subarray(offset), expiresAt };
}

function expiryOf(record: Uint8Array): number {
  try {
    return parseEnvelope(record).expiresAt;
  } catch {
    return 0;
  }
}

/**
 * Re-wraps every record's DEK under the keyring's primary key, without touching payloads: only the kid, wrap nonce
 * and wrapped DEK of each record change. Pass the wrapped (inner) store or the {@link EnvelopeStore} itself.
 *
 * Safe while the service runs. On a store with compare-and-set (`capabilities.compareAndSet`, contract v2) each
 * record is read with its version and replaced only if that version is still live (`set(..., { ifVersion })`): the
 * record is never absent and a concurrent write, delete or take always wins. On a store without it (see the README's
 * "Rewrap and live traffic"), each record is read, re-wrapped, then moved with `take` and put back with
 * `set(onlyIfAbsent)`, so a concurrent write is never overwritten by the old value; a reader can see the record
 * missing for the one round trip between the two. A crash journal makes that window durable: a pass that dies
 * between `take` and `set` is repaired by the next pass (any pass, with or without a cursor). Run one pass at a time.
 *
 * Expiry is preserved: the absolute expiry authenticated in each envelope's header is written back as the
 * remaining TTL. Resumable: `onProgress` reports a cursor after every page.
 */
export async function rewrap(
  store: ByteStore,
  keys: Keyring | KeyringMaterial,
  options: RewrapOptions,
): Promise<RewrapResult> {
  const inner = innerStoreOf(store) ?? store;
  const keyring = toKeyring(keys);
  const primary = primaryKey(keyring);
  const now = options.now ?? Date.now;
  const collections = options.collections;
  const journalCollection = options.journalCollection ?? DEFAULT_JOURNAL_COLLECTION;
  const pageSize = options.pageSize ?? 100;
  const skipWithin = options.skipExpiringWithinMs ?? DEFAULT_SKIP_EXPIRING_WITHIN_MS;
  if (!Array.isArray(collections) || !collections.every((name) => typeof name === 'string' && name !== '')) {
    throw new ConfigurationError('rewrap needs `collections`: the names of the collections to walk.', {
      source: 'envelope',
    });
  }
  if (collections.includes(journalCollection)) {
    throw new ConfigurationError(`"${journalCollection}" is the rewrap journal; do not list it among collections.`, {
      source: 'envelope',
    });
  }
  if (!Number.isSafeInteger(skipWithin) || skipWithin < 0) {
    throw new ConfigurationError('skipExpiringWithinMs must be a whole number of milliseconds >= 0.', {
      source: 'envelope',
    });
  }
  const counts: RewrapCounts = {
    scanned: 0,
    rewrapped: 0,
    alreadyCurrent: 0,
    expiringSoon: 0,
    expired: 0,
    vanished: 0,
    superseded: 0,
    failed: 0,
    recovered: 0,
  };
  let retainOldKeysUntil: number | undefined;
  const runKey = `run-${randomBytes(12).toString('base64url')}`;

  const remainingTtl = (expiresAt: number): number | undefined | null => {
    if (expiresAt === 0) return undefined;
    const left = expiresAt - now();
    return left > 0 ? left : null;
  };

  const journal = {
    write: (collection: string, storedKey: string, record: Uint8Array, expiresAt: number) => {
      const ttlMs = remainingTtl(expiresAt);
      const sealed = sealWithKey(
        primary,
        { namespace: '', collection: journalCollection, key: runKey },
        encodeJournal(collection, storedKey, record, expiresAt),
        expiresAt,
      );
      return inner.set(journalCollection, runKey, sealed, ttlMs ? { ttlMs } : {});
    },
    clear: () => inner.delete(journalCollection, runKey),
  };

  // Repair what an interrupted pass left between take and put-back.
  let journalCursor: string | undefined;
  do {
    const page = await inner.list(journalCollection, { cursor: journalCursor, limit: pageSize });
    for (const entryKey of page.keys) {
      const stored = await inner.get(journalCollection, entryKey);
      if (!stored) continue;
      let entry: ReturnType<typeof decodeJournal>;
      try {
        entry = decodeJournal(
          openRecord(keyring, { namespace: '', collection: journalCollection, key: entryKey }, stored).value,
        );
      } catch (error) {
        if (!isOAuthStoreError(error)) throw error;
        counts.failed += 1;
        continue;
      }
      const ttlMs = remainingTtl(entry.expiresAt);
      if (ttlMs !== null) {
        const restored = await inner.set(entry.collection, entry.storedKey, entry.record, {
          onlyIfAbsent: true,
          ...(ttlMs ? { ttlMs } : {}),
        });
        if (restored) counts.recovered += 1;
      }
      await inner.delete(journalCollection, entryKey);
    }
    journalCursor = page.cursor;
  } while (journalCursor);

  /**
   * What to do with one stored record: nothing (counted), or write `next` with `ttlMs`. Verifies the wrap and the
   * commitment (rewrapRecord), so a tampered record is never re-authenticated.
   */
  const plan = (collection: string, raw: Uint8Array): { next: Uint8Array; expiresAt: number } | keyof RewrapCounts => {
    try {
      const parsed = parseEnvelope(raw);
      if (parsed.kid === primary.kid) return 'alreadyCurrent';
      const expiresAt = parsed.expiresAt;
      if (expiresAt !== 0 && expiresAt <= now()) return 'expired';
      if (expiresAt !== 0 && expiresAt - now() <= skipWithin) {
        retainOldKeysUntil = Math.max(retainOldKeysUntil ?? 0, expiresAt);
        return 'expiringSoon';
      }
      return { next: rewrapRecord(keyring, raw, `a record in collection "${collection}"`), expiresAt };
    } catch (error) {
      if (!isOAuthStoreError(error)) throw error;
      return 'failed';
    }
  };

  /**
   * With compare-and-set (contract v2): read the entry with its version, write the re-wrapped record only if that
   * version is still the live one. The record is never absent, and a concurrent write, delete or take always wins;
   * after a lost race the newer record is read again and re-wrapped in its turn (at most three attempts).
   */
  const rewrapWithCompareAndSet = async (collection: string, storedKey: string): Promise<void> => {
    for (let attempt = 0; attempt < 3; attempt += 1) {
      const entry = await inner.getEntry(collection, storedKey);
      if (!entry) {
        counts.vanished += 1;
        return;
      }
      const decision = plan(collection, entry.value);
      if (typeof decision === 'string') {
        counts[decision] += 1;
        return;
      }
      const ttlMs = remainingTtl(decision.expiresAt);
      if (ttlMs === null) {
        counts.expired += 1;
        return;
      }
      const written = await inner.set(collection, storedKey, decision.next, {
        ifVersion: entry.version,
        ...(ttlMs ? { ttlMs } : {}),
      });
      if (written) {
        counts[attempt === 0 ? 'rewrapped' : 'superseded'] += 1;
        return;
      }
    }
    // Three writers in a row beat the pass to this record: theirs stands; a later pass picks it up.
    counts.superseded += 1;
  };

  const rewrapOne = async (collection: string, storedKey: string): Promise<void> => {
    const where = `a record in collection "${collection}"`;
    const raw = await inner.get(collection, storedKey);
    if (!raw) {
      counts.vanished += 1;
      return;
    }
    let next: Uint8Array;
    let expiresAt: number;
    try {
      const parsed = parseEnvelope(raw);
      if (parsed.kid === primary.kid) {
        counts.alreadyCurrent += 1;
        return;
      }
      expiresAt = parsed.expiresAt;
      if (expiresAt !== 0 && expiresAt <= now()) {
        counts.expired += 1;
        return;
      }
      if (expiresAt !== 0 && expiresAt - now() <= skipWithin) {
        counts.expiringSoon += 1;
        retainOldKeysUntil = Math.max(retainOldKeysUntil ?? 0, expiresAt);
        return;
      }
      next = rewrapRecord(keyring, raw, where);
    } catch (error) {
      if (!isOAuthStoreError(error)) throw error;
      counts.failed += 1;
      return;
    }
    await journal.write(collection, storedKey, next, expiresAt);
    const taken = await inner.take(collection, storedKey);
    let outcome: 'rewrapped' | 'superseded' = 'rewrapped';
    if (!taken) {
      counts.vanished += 1;
      await journal.clear();
      return;
    }
    if (!equalBytes(taken, raw)) {
      // Someone wrote between our read and our take: what we hold now is theirs. Put it back (re-wrapped if it is
      // a valid record under an old key), never the older value we read.
      outcome = 'superseded';
      next = taken;
      expiresAt = expiryOf(taken);
      try {
        if (parseEnvelope(taken).kid !== primary.kid) next = rewrapRecord(keyring, taken, where);
      } catch (error) {
        if (!isOAuthStoreError(error)) throw error;
      }
      await journal.write(collection, storedKey, next, expiresAt);
    }
    const ttlMs = remainingTtl(expiresAt);
    if (ttlMs === null) {
      counts.vanished += 1; // expired while we held it
    } else {
      const restored = await inner.set(collection, storedKey, next, {
        onlyIfAbsent: true,
        ...(ttlMs ? { ttlMs } : {}),
      });
      counts[restored ? outcome : 'superseded'] += 1;
    }
    await journal.clear();
  };

  let state: CursorState =
    options.cursor === undefined ? { index: 0, listCursor: undefined } : decodeCursor(collections, options.cursor);
  while (state.index < collections.length) {
    const collection = collections[state.index]!;
    const page = await inner.list(collection, { cursor: state.listCursor, limit: pageSize });
    for (const storedKey of page.keys) {
      options.signal?.throwIfAborted();
      counts.scanned += 1;
      await (inner.capabilities.compareAndSet ? rewrapWithCompareAndSet : rewrapOne)(collection, storedKey);
    }
    state = page.cursor
      ? { index: state.index, listCursor: page.cursor }
      : { index: state.index + 1, listCursor: undefined };
    const done = state.index >= collections.length;
    await options.onProgress?.({
      ...counts,
      collection,
      cursor: done ? undefined : encodeCursor(collections, state),
      done,
    });
  }
  if (collections.length === 0)
    await options.onProgress?.({ ...counts, collection: '', cursor: undefined, done: true });
  return { ...counts, primaryKid: primary.kid, retainOldKeysUntil };
}

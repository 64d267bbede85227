import type { ByteStore } from '@oauth-store/core';
import { isOAuthStoreError } from '@oauth-store/core';
import { inspectEnvelope } from '@oauth-store/envelope';

/** What {@link inspectStore} reports for one collection. */
export interface CollectionStats {
  collection: string;
  /** Live entries. Expired ones are not visible: the storage contract never returns them. */
  entries: number;
  /** Sum of the stored value sizes, in bytes (ciphertext size for encrypted records). */
  bytes: number;
  /** Entries stored as oauth-store envelopes (encrypted). */
  encrypted: number;
  /** Key ids the encrypted entries are wrapped under, with their counts (what `keys rewrap` changes). */
  kids: Record<string, number>;
  /** Entries that never expire (encrypted or not: the store reports each entry's expiry). */
  withoutExpiry: number;
  /** The earliest expiry among the entries (epoch ms), if any. */
  nextExpiry?: number;
}

/** Options of {@link inspectStore}. */
export interface InspectOptions {
  /** Keys per page. Default 200. */
  pageSize?: number;
  onProgress?: (collection: string, entries: number) => void;
  signal?: AbortSignal;
}

/**
 * Walks each named collection once (list, then `getEntry` each key) and reports entries, bytes and expiries, and for
 * envelope-encrypted entries the key ids read from their clear-text headers (nothing is decrypted; no key is needed).
 */
export async function inspectStore(
  store: ByteStore,
  collections: readonly string[],
  options: InspectOptions = {},
): Promise<CollectionStats[]> {
  const pageSize = options.pageSize ?? 200;
  const stats: CollectionStats[] = [];
  for (const collection of collections) {
    const entry: CollectionStats = { collection, entries: 0, bytes: 0, encrypted: 0, kids: {}, withoutExpiry: 0 };
    let cursor: string | undefined;
    do {
      options.signal?.throwIfAborted();
      const page = await store.list(collection, { limit: pageSize, ...(cursor ? { cursor } : {}) });
      const stored = await Promise.all(page.keys.map((key) => store.getEntry(collection, key)));
      for (const found of stored) {
        if (!found) continue;
        const { value, expiresAt } = found;
        entry.entries += 1;
        entry.bytes += value.byteLength;
        // Contract v2 reports every entry's absolute expiry, so plaintext entries are counted too.
        if (expiresAt === undefined) entry.withoutExpiry += 1;
        else entry.nextExpiry = Math.min(entry.nextExpiry ?? Number.POSITIVE_INFINITY, expiresAt);
        try {
          const header = inspectEnvelope(value);
          entry.encrypted += 1;
          entry.kids[header.kid] = (entry.kids[header.kid] ?? 0) + 1;
        } catch (error) {
          if (!isOAuthStoreError(error)) throw error;
        }
      }
      options.onProgress?.(collection, entry.entries);
      cursor = page.cursor;
    } while (cursor);
    stats.push(entry);
  }
  return stats;
}

function human(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
}

/** The stats as a plain-text table. */
export function formatInspect(stats: CollectionStats[]): string {
  const rows = [
    ['collection', 'entries', 'bytes', 'encrypted', 'no expiry', 'key ids'],
    ...stats.map((entry) => [
      entry.collection,
      String(entry.entries),
      human(entry.bytes),
      String(entry.encrypted),
      String(entry.withoutExpiry),
      Object.entries(entry.kids)
        .map(([kid, count]) => `${kid} (${count})`)
        .join(', ') || '-',
    ]),
  ];
  const widths = rows[0]?.map((_, column) => Math.max(...rows.map((row) => row[column]?.length ?? 0))) ?? [];
  const lines = rows.map((row) =>
    row
      .map((cell, column) => cell.padEnd((widths[column] ?? 0) + 2))
      .join('')
      .trimEnd(),
  );
  return [...lines, '', 'Expired entries are not counted: the store never returns them.'].join('\n');
}

import { createHash } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { type ByteStore, ConfigurationError, isOAuthStoreError } from '@oauth-store/core';

/** Per-collection counters of a migration. */
export interface CollectionMigration {
  collection: string;
  /** Live entries in the source when the migration started (or resumed). */
  sourceEntries: number;
  /** Entries written to the target. */
  copied: number;
  /** Entries whose expiry passed between being read and being written (not copied). */
  expired: number;
  /** Entries listed but gone before they were read (taken, deleted or expired meanwhile). */
  vanished: number;
  /** Live entries in the target at the end. */
  targetEntries: number;
}

/** What {@link migrate} resolves to. */
export interface MigrationResult {
  collections: CollectionMigration[];
  /** True when every collection's target holds at least as many entries as were copied into it. */
  verified: boolean;
  /** True when the run continued from a progress file. */
  resumed: boolean;
}

/** Progress of {@link migrate}. */
export interface MigrationProgress {
  collection: string;
  done: number;
  total: number;
}

/** Options of {@link migrate}. */
export interface MigrateOptions {
  /** Collections to copy (the contract cannot list them). */
  collections: readonly string[];
  /**
   * A JSON file recording the cursor after every page, so an interrupted run resumes where it stopped. Removed once
   * the migration completes. Absent: not resumable.
   */
  progressFile?: string;
  /** Ties a progress file to this migration (for example a hash of both URLs); a different one is refused. */
  identity?: string;
  /** Keys per page. Default 200. */
  pageSize?: number;
  onProgress?: (progress: MigrationProgress) => void;
  /** Stops between pages; the progress file then holds the resume point. */
  signal?: AbortSignal;
  /**
   * Clock; default `Date.now`. It must be the target store's clock: a copied entry's TTL is its absolute expiry minus
   * this, and the target adds its own clock's now back.
   */
  now?: () => number;
}

interface ProgressState {
  v: 1;
  identity: string;
  index: number;
  cursor: string | null;
  counts: CollectionMigration[];
}

/** A stable fingerprint of a migration's endpoints and collections (never the URLs themselves: they hold passwords). */
export function migrationIdentity(from: string, to: string, collections: readonly string[]): string {
  return createHash('sha256')
    .update(JSON.stringify([from, to, collections]))
    .digest('hex')
    .slice(0, 32);
}

async function countEntries(store: ByteStore, collection: string, pageSize: number): Promise<number> {
  let count = 0;
  let cursor: string | undefined;
  do {
    const page = await store.list(collection, { limit: pageSize, ...(cursor ? { cursor } : {}) });
    count += page.keys.length;
    cursor = page.cursor;
  } while (cursor);
  return count;
}

async function loadState(path: string, identity: string): Promise<ProgressState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
    throw new ConfigurationError(`cannot read the progress file ${path}. Check its permissions.`, {
      source: 'migrate',
    });
  }
  let state: ProgressState;
  try {
    state = JSON.parse(text) as ProgressState;
  } catch {
    throw new ConfigurationError(`the progress file ${path} is not valid JSON. Delete it to start over.`, {
      source: 'migrate',
    });
  }
  if (state?.v !== 1 || state.identity !== identity || !Array.isArray(state.counts)) {
    throw new ConfigurationError(
      `the progress file ${path} belongs to another migration (other stores or collections). Delete it to start over, or pass another --progress-file.`,
      { source: 'migrate' },
    );
  }
  return state;
}

async function saveState(path: string, state: ProgressState): Promise<void> {
  // Write then rename, so a crash never leaves a half-written progress file.
  await writeFile(`${path}.tmp`, JSON.stringify(state), { mode: 0o600 });
  await rename(`${path}.tmp`, path);
}

/**
 * Copies every entry of the named collections from one store to another, page by page, byte for byte, keeping each
 * entry's absolute expiry exactly: contract v2's `getEntry` returns it for every record (encrypted or not), and the
 * copy is written with `set(..., { expiresAt })`, so the target's expiry equals the source's to the millisecond.
 * Resumable through `progressFile`; entries are written with plain `set`, so re-copying a page after a crash is
 * harmless. At the end it counts both sides of each collection.
 */
export async function migrate(from: ByteStore, to: ByteStore, options: MigrateOptions): Promise<MigrationResult> {
  const pageSize = options.pageSize ?? 200;
  const now = options.now ?? Date.now;
  const identity = options.identity ?? 'unnamed';
  const previous = options.progressFile ? await loadState(options.progressFile, identity) : undefined;
  const state: ProgressState = previous ?? {
    v: 1,
    identity,
    index: 0,
    cursor: null,
    counts: options.collections.map((collection) => ({
      collection,
      sourceEntries: 0,
      copied: 0,
      expired: 0,
      vanished: 0,
      targetEntries: 0,
    })),
  };
  while (state.index < options.collections.length) {
    const collection = options.collections[state.index] as string;
    const counts = state.counts[state.index] as CollectionMigration;
    if (state.cursor === null) counts.sourceEntries = await countEntries(from, collection, pageSize);
    let cursor = state.cursor ?? undefined;
    options.onProgress?.({ collection, done: counts.copied, total: counts.sourceEntries });
    do {
      options.signal?.throwIfAborted();
      const page = await from.list(collection, { limit: pageSize, ...(cursor ? { cursor } : {}) });
      await Promise.all(
        page.keys.map(async (key) => {
          const entry = await from.getEntry(collection, key);
          if (!entry) {
            counts.vanished += 1;
            return;
          }
          // The absolute expiry is copied as it is: no drift from turning it into a relative TTL and back.
          if (entry.expiresAt !== undefined && entry.expiresAt <= now()) {
            counts.expired += 1;
            return;
          }
          try {
            await to.set(
              collection,
              key,
              entry.value,
              entry.expiresAt !== undefined ? { expiresAt: entry.expiresAt } : {},
            );
          } catch (error) {
            // It expired between the check above and the write: the target refuses an expiry in the past.
            if (
              entry.expiresAt !== undefined &&
              entry.expiresAt <= now() &&
              isOAuthStoreError(error, 'invalid_value')
            ) {
              counts.expired += 1;
              return;
            }
            throw error;
          }
          counts.copied += 1;
        }),
      );
      cursor = page.cursor;
      if (cursor) {
        state.cursor = cursor;
        if (options.progressFile) await saveState(options.progressFile, state);
      }
      options.onProgress?.({
        collection,
        done: counts.copied + counts.expired + counts.vanished,
        total: counts.sourceEntries,
      });
    } while (cursor);
    state.index += 1;
    state.cursor = null;
    if (options.progressFile) await saveState(options.progressFile, state);
  }
  for (const counts of state.counts) counts.targetEntries = await countEntries(to, counts.collection, pageSize);
  if (options.progressFile) await rm(options.progressFile, { force: true });
  return {
    collections: state.counts,
    verified: state.counts.every((counts) => counts.targetEntries >= counts.copied),
    resumed: previous !== undefined,
  };
}

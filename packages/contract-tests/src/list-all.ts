import type { ByteStore } from '@oauth-store/core';
import { assert, assertPage } from './assertions';

/** Options of {@link listAll}. */
export interface ListAllOptions {
  /** Page size asked for. */
  limit: number;
  /** Pages allowed before the scan counts as endless. */
  maxPages: number;
  /** Runs concurrently with every `list` call (the paging-under-writes test passes its writers here). */
  alongside?: (page: number) => Promise<unknown>;
  /** Continues from page two on with these stores in turn (cursors must work on any connection). */
  stores?: readonly ByteStore[];
}

/** Follows cursors until the last page and returns every key listed, in order, repeats included. */
export async function listAll(
  store: ByteStore,
  collection: string,
  { limit, maxPages, alongside, stores }: ListAllOptions,
  what: string,
): Promise<string[]> {
  const keys: string[] = [];
  const cursors = new Set<string>();
  let cursor: string | undefined;
  for (let page = 0; page < maxPages; page += 1) {
    const reader = page > 0 && stores?.length ? stores[page % stores.length]! : store;
    const listing = reader.list(collection, cursor === undefined ? { limit } : { cursor, limit });
    const [result] = await Promise.all([listing, alongside?.(page)]);
    assertPage(result, limit, `${what}, page ${page + 1}`);
    keys.push(...result.keys);
    if (result.cursor === undefined) return keys;
    // A cursor must survive serialisation: it is handed to HTTP clients and to other instances.
    const next = JSON.parse(JSON.stringify(result.cursor)) as string;
    if (cursors.has(next))
      assert.fail(`${what}: list returned a cursor it had returned before; paging would never end`);
    cursors.add(next);
    cursor = next;
  }
  assert.fail(`${what}: still returning cursors after ${maxPages} pages`);
}

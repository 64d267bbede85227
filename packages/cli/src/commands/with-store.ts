import type { ByteStore } from '@oauth-store/core';
import { openStore } from '../connection-string';

/** Opens a store for the duration of `use` and always closes it. */
export async function withStore<T>(url: string, use: (store: ByteStore) => Promise<T>): Promise<T> {
  const store = await openStore(url);
  try {
    return await use(store);
  } finally {
    await store.close().catch(() => {});
  }
}

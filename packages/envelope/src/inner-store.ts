import type { ByteStore } from '@oauth-store/core';

// Which store each envelope wraps, kept outside the returned object so the plaintext-bypassing inner store is not
// one property access away from application code.
const innerStores = new WeakMap<object, ByteStore>();

/** Records that `envelope` wraps `inner` (package-internal). */
export function rememberInnerStore(envelope: object, inner: ByteStore): void {
  innerStores.set(envelope, inner);
}

/** The store an envelope store wraps, or undefined for any other store (package-internal). */
export function innerStoreOf(store: ByteStore): ByteStore | undefined {
  return innerStores.get(store);
}

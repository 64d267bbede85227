import type { ByteStore, DeleteOptions, ListOptions, SetOptions, StoreCapabilities } from '@oauth-store/core';

/** What a hook sees: the operation about to reach the inner store. */
export interface HookCall {
  op: 'get' | 'getEntry' | 'set' | 'delete' | 'take' | 'list';
  collection: string;
  key: string;
  options?: SetOptions;
}

/**
 * A pass-through ByteStore that runs `hook` before each operation reaches the wrapped store. Tests use it to put
 * another writer's operation exactly between two steps of a rewrap, or to simulate a crash (the hook throws).
 * By default it claims no compare-and-set (as the adapters still on the legacy runtime), so rewrap takes its
 * take/put-back path; `{ compareAndSet: true }` passes the inner store's conditional writes through.
 */
export class HookedStore implements ByteStore {
  hook: ((call: HookCall) => Promise<void> | void) | undefined;
  readonly capabilities: StoreCapabilities;
  constructor(
    readonly inner: ByteStore,
    options: { compareAndSet?: boolean } = {},
  ) {
    this.capabilities = { ...inner.capabilities, compareAndSet: options.compareAndSet ?? false };
  }
  async getEntry(collection: string, key: string) {
    await this.#before({ op: 'getEntry', collection, key });
    return this.inner.getEntry(collection, key);
  }
  async #before(call: HookCall) {
    const hook = this.hook;
    if (hook) await hook(call);
  }
  async get(collection: string, key: string) {
    await this.#before({ op: 'get', collection, key });
    return this.inner.get(collection, key);
  }
  async set(collection: string, key: string, value: Uint8Array, options?: SetOptions) {
    await this.#before({ op: 'set', collection, key, options });
    return this.inner.set(collection, key, value, options);
  }
  async delete(collection: string, key: string, options?: DeleteOptions) {
    await this.#before({ op: 'delete', collection, key });
    return this.inner.delete(collection, key, options);
  }
  async take(collection: string, key: string) {
    await this.#before({ op: 'take', collection, key });
    return this.inner.take(collection, key);
  }
  async list(collection: string, options?: ListOptions) {
    await this.#before({ op: 'list', collection, key: '' });
    return this.inner.list(collection, options);
  }
  close() {
    return this.inner.close();
  }
}

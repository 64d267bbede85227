import type {
  ByteStore,
  DeleteOptions,
  ListOptions,
  ListPage,
  SetOptions,
  StoreCapabilities,
  StoredEntry,
} from './contract';
import { ConfigurationError } from './errors';
import { defineLegacyStore, type LegacyStoreDriver } from './legacy-define-store';

/**
 * Base class for adapters written as classes. The subclass builds its {@link StoreDriver} in its constructor (where
 * the driver's closures can reach the subclass's private fields) and hands it to {@link DriverStore.useDriver}; the
 * contract methods then go through {@link defineStore}'s validation and error typing. Saves every adapter the same six
 * delegating methods.
 */
/** @deprecated Transitional base for v1 adapters; extend {@link RuntimeStore} instead. Removed before release. */
export abstract class DriverStore implements ByteStore {
  /** See {@link StoreCapabilities}. Set by {@link DriverStore.useDriver}. */
  readonly capabilities!: StoreCapabilities;
  #inner: ByteStore | undefined;

  /** Wraps the subclass's driver; call exactly once, at the end of the subclass constructor. */
  protected useDriver(driver: LegacyStoreDriver): void {
    if (this.#inner) {
      throw new ConfigurationError('useDriver called twice; a store has exactly one driver.', {
        source: driver.capabilities.name,
      });
    }
    this.#inner = defineLegacyStore(driver);
    // A plain data property (not a getter), as on any other store object.
    (this as { capabilities: StoreCapabilities }).capabilities = this.#inner.capabilities;
  }

  #store(): ByteStore {
    if (!this.#inner) {
      throw new ConfigurationError('the store was used before its constructor called useDriver().', {
        source: 'driver-store',
      });
    }
    return this.#inner;
  }

  /** See {@link ByteStore.get}. */
  get(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#store().get(collection, key);
  }
  /** See {@link ByteStore.getEntry}. */
  getEntry(collection: string, key: string): Promise<StoredEntry | undefined> {
    return this.#store().getEntry(collection, key);
  }
  /** See {@link ByteStore.set}. */
  set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    return this.#store().set(collection, key, value, options);
  }
  /** See {@link ByteStore.delete}. */
  delete(collection: string, key: string, options?: DeleteOptions): Promise<boolean> {
    return this.#store().delete(collection, key, options);
  }
  /** See {@link ByteStore.take}. */
  take(collection: string, key: string): Promise<Uint8Array | undefined> {
    return this.#store().take(collection, key);
  }
  /** See {@link ByteStore.list}. */
  list(collection: string, options?: ListOptions): Promise<ListPage> {
    return this.#store().list(collection, options);
  }
  /** See {@link ByteStore.close}. */
  close(): Promise<void> {
    return this.#store().close();
  }
}

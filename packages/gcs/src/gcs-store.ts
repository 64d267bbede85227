import type { Storage } from '@google-cloud/storage';
import { RuntimeStore, StoreClosedError, StoreUnavailableError } from '@oauth-store/core';
import { mapGcsError, SOURCE } from './errors';
import { GcsDriver } from './gcs-driver';
import { type GcsStoreOptions, resolveOptions } from './options';
import { clientsAround, clientsFromOptions } from './storage-clients';

/**
 * A `ByteStore` on Google Cloud Storage: one object per entry holding the framed record, every conditional write,
 * delete and take checked through the object's generation (`ifGenerationMatch`), which makes `onlyIfAbsent`,
 * compare-and-set (`ifVersion`) and `take` atomic across processes. Expiry lives in the record (the runtime filters
 * it) and in Custom-Time for a lifecycle rule to clean up. Built on core's adapter runtime; see the README.
 */
export class GcsStore extends RuntimeStore {
  readonly #reads: Storage;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly #timeoutMs: number;

  constructor(options: GcsStoreOptions) {
    const resolved = resolveOptions(options);
    const clients = options.storage
      ? clientsAround(options.storage, resolved.requestTimeoutMs)
      : clientsFromOptions(resolved.storageOptions, resolved.requestTimeoutMs, resolved.timeoutMs);
    super(new GcsDriver(clients, resolved));
    this.#reads = clients.reads;
    this.#bucket = resolved.bucket;
    this.#prefix = resolved.prefix;
    this.#timeoutMs = resolved.timeoutMs;
  }

  /**
   * Checks the configuration against Cloud Storage: the bucket exists and the credentials may list it (one list request
   * of at most one name under the store's prefix). Rejects with a typed error saying what to fix: `configuration` for
   * a missing bucket or refused credentials, `unavailable` when Cloud Storage does not answer within `timeoutMs`.
   */
  async ready(): Promise<void> {
    if (this.closed) throw new StoreClosedError('ready called after close(). Create a new store.', { source: SOURCE });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new StoreUnavailableError(`ready: no answer from Cloud Storage within ${this.#timeoutMs} ms.`, {
              source: SOURCE,
            }),
          ),
        this.#timeoutMs,
      );
    });
    try {
      await Promise.race([
        this.#reads.bucket(this.#bucket).getFiles({ prefix: this.#prefix, maxResults: 1, autoPaginate: false }),
        deadline,
      ]);
    } catch (error) {
      if (error instanceof StoreUnavailableError) throw error;
      throw mapGcsError(error, 'ready', this.#bucket);
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Creates a {@link GcsStore} from options: `url` (`gcs://bucket[/prefix/]?endpoint=&project=`) or `bucket`. Call
 * `await store.ready()` to check the bucket and credentials before serving.
 */
export function createGcsStore(options: GcsStoreOptions): GcsStore {
  return new GcsStore(options);
}

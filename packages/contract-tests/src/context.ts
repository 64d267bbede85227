import { randomBytes } from 'node:crypto';
import type { ByteStore } from '@oauth-store/core';
import type { ResolvedOptions } from './options';
import type { Harness } from './runner';

// One namespace per options object, so every suite started by one runStoreContract call shares a prefix and
// separate runs (other packages, other CI jobs) sharing a server never see each other's collections.
const namespaces = new WeakMap<object, string>();

function namespaceFor(options: ResolvedOptions): string {
  let namespace = namespaces.get(options);
  if (!namespace) {
    namespace = `ct${randomBytes(5).toString('hex')}`;
    namespaces.set(options, namespace);
  }
  return namespace;
}

/** What every suite's tests share: options, the run's namespace, and store handling. */
export class SuiteContext {
  /** Random collection-name prefix of this run, ASCII letters and digits. */
  readonly namespace: string;
  readonly #collections = new Set<string>();
  #counter = 0;

  constructor(
    readonly options: ResolvedOptions,
    readonly harness: Harness,
    readonly suite: string,
  ) {
    this.namespace = namespaceFor(options);
  }

  /** A collection name no other test uses, under this run's namespace. Remembered for cleanup. */
  collection(tag = 'c'): string {
    this.#counter += 1;
    const name = `${this.namespace}-${this.suite}-${tag}-${this.#counter}`;
    this.#collections.add(name);
    return name;
  }

  /** Remembers a collection built by the test itself (for example with an unusual suffix) for cleanup. */
  track(collection: string): string {
    this.#collections.add(collection);
    return collection;
  }

  /** Opens a fresh store, runs `body`, and closes the store whatever happens. */
  async withStore<T>(body: (store: ByteStore) => Promise<T>): Promise<T> {
    return this.withStores(1, ([store]) => body(store!));
  }

  /**
   * Opens `count` store instances (one when `sharedInstances` is false, since separate in-process stores share
   * nothing), runs `body`, and closes them all.
   */
  async withStores<T>(count: number, body: (stores: ByteStore[]) => Promise<T>): Promise<T> {
    const wanted = this.options.sharedInstances ? count : 1;
    const stores: ByteStore[] = [];
    try {
      for (let i = 0; i < wanted; i += 1) stores.push(await this.options.create());
      const result = await body(stores);
      await Promise.all(stores.splice(0).map((store) => store.close()));
      return result;
    } finally {
      // Only reached with stores left when the body failed: close quietly so the original failure is reported.
      await Promise.allSettled(stores.map((store) => store.close()));
    }
  }

  /** Registers one test under this suite. */
  test(title: string, body: () => Promise<void>): void {
    this.harness.test(title, body);
  }

  /**
   * Best-effort removal of what the suite wrote, so a shared server does not keep test data. Bounded, and every
   * error is ignored: a broken store must fail its tests, not the cleanup hook.
   */
  async cleanup(): Promise<void> {
    if (this.#collections.size === 0) return;
    let store: ByteStore | undefined;
    try {
      store = await this.options.create();
      for (const collection of this.#collections) {
        let cursor: string | undefined;
        for (let page = 0; page < 50; page += 1) {
          const result = await store.list(collection, { limit: 1000, ...(cursor ? { cursor } : {}) });
          await Promise.allSettled(result.keys.map((key) => store!.delete(collection, key)));
          if (!result.cursor || result.cursor === cursor) break;
          cursor = result.cursor;
        }
      }
    } catch {
      // Ignored on purpose; see above.
    } finally {
      this.#collections.clear();
      await store?.close().catch(() => undefined);
    }
  }
}

/** Registers a suite: a `describe` block with a cleanup hook around the tests `register` adds. */
export function defineSuite(
  options: ResolvedOptions,
  harness: Harness,
  suite: string,
  title: string,
  register: (context: SuiteContext) => void,
): void {
  harness.describe(`${options.name}: ${title}`, () => {
    const context = new SuiteContext(options, harness, suite);
    harness.afterAll(() => context.cleanup());
    register(context);
  });
}

import type { ByteStore } from './contract';

/** Options every {@link AdapterDescriptor.open} accepts on top of its connection string. */
export interface AdapterOpenOptions {
  /** Upper bound on each operation in milliseconds (the adapter's default when absent). */
  timeoutMs?: number;
}

/**
 * What each adapter package exports as `descriptor`: everything the CLI, bench, soak and the test harness need to use
 * a backend without a switch over backend names. Adding a backend means writing its package (with this descriptor)
 * and adding one line to the registry list (`packages/cli/src/adapter-registry.ts`).
 */
export interface AdapterDescriptor {
  /** Backend name used in messages and tables, for example `redis`. */
  readonly name: string;
  /** The connection-string schemes it opens, without the colon, for example `['redis', 'rediss']`. */
  readonly schemes: readonly string[];
  /** npm packages a user installs to use it (the adapter and its backend SDK), named in "install ..." messages. */
  readonly install: readonly string[];
  /** One line of documentation of its connection-string grammar, for example `redis://host:port[/db]?prefix=`. */
  readonly urlForm: string;
  /**
   * Opens a store from a connection string of one of {@link AdapterDescriptor.schemes} (the same grammar the adapter's
   * own factory accepts as `url`). Rejects with a `configuration` error that says what is wrong, never echoing the
   * string (it may hold a password). Resolves once the backend answered (`ready`).
   */
  open(connectionString: string, options?: AdapterOpenOptions): Promise<ByteStore>;
  /** The `@oauth-store/test-servers` backend that gives tests a throwaway server for it, if any. */
  readonly testServer?: string;
}

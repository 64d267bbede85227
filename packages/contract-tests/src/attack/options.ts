import { type ByteStore, ConfigurationError, type KeyringMaterial } from '@oauth-store/core';
import type { TestRunner } from '../runner';

/** What {@link AttackSuiteOptions.wrap} is asked to build. */
export interface AttackWrapOptions {
  /** Key material: a primary key for writes and decrypt-only keys. */
  keys: KeyringMaterial;
  /**
   * The encryption context the wrapper must bind into every record (the envelope's `namespace` option). Undefined: the
   * wrapper's default (no namespace).
   */
  namespace?: string;
  /**
   * The clock the wrapper must write and check expiries against (the envelope's `now` option). The suite moves it
   * forward instead of sleeping; the backend keeps its own real time.
   */
  now: () => number;
}

/**
 * Options of {@link runAttackSuite}. The suite plays someone who can read and write the backend but holds no key: it
 * reads, copies, swaps, edits and plants raw records through the inner store, and changes the backend's own expiry
 * metadata, then checks that the encrypting wrapper returns nothing it did not write for that address, alive.
 */
export interface AttackSuiteOptions {
  /** Shown in the test titles, for example `envelope over redis`. */
  name: string;
  /**
   * A fresh inner (unencrypted) store: the attacker's raw view of the backend. Each call must give a separate place
   * (another key prefix, table or tenant) on the same kind of backend; the replay test calls it twice.
   */
  createInner: () => ByteStore | Promise<ByteStore>;
  /** The encrypting wrapper over `inner`; see {@link AttackWrapOptions}. Called several times per inner store. */
  wrap: (inner: ByteStore, options: AttackWrapOptions) => ByteStore | Promise<ByteStore>;
  /**
   * Removes the backend's own expiry of the entry under (collection, key) in `inner`'s backend, leaving its bytes alone:
   * Redis `PERSIST`, PostgreSQL `UPDATE ... SET expires_at = NULL`, a DynamoDB item without its TTL attribute. Default:
   * the raw bytes are read and written back through `inner` without a TTL (what any writer to the backend can do).
   */
  stripExpiry?: (inner: ByteStore, collection: string, key: string) => Promise<void>;
  /** Whether the wrapper binds a namespace (AAD encryption context). Default true; false skips the replay test with a notice. */
  namespaces?: boolean;
  /** Runner functions; default the jest/vitest globals. */
  runner?: TestRunner;
  /** Per-test timeout in ms. Default 60000. */
  testTimeoutMs?: number;
  /** Where notices go. Default `console.warn`. */
  log?: (line: string) => void;
}

/** Options with defaults filled in. */
export type ResolvedAttackOptions = Required<Omit<AttackSuiteOptions, 'runner'>> & Pick<AttackSuiteOptions, 'runner'>;

/** Re-writes the raw bytes without a TTL: the backend-neutral way to remove an entry's expiry. */
async function rewriteWithoutTtl(inner: ByteStore, collection: string, key: string): Promise<void> {
  const raw = await inner.get(collection, key);
  if (raw === undefined) throw new Error('stripExpiry: the inner store holds nothing under that key');
  await inner.set(collection, key, raw);
}

/** Validates options and fills in defaults. */
export function resolveAttackOptions(options: AttackSuiteOptions): ResolvedAttackOptions {
  const fail = (message: string) => new ConfigurationError(message, { source: 'contract-tests' });
  if (!options || typeof options.name !== 'string' || options.name === '') throw fail('runAttackSuite needs a name.');
  if (typeof options.createInner !== 'function' || typeof options.wrap !== 'function') {
    throw fail('runAttackSuite needs createInner() and wrap(inner, { keys, namespace, now }) functions.');
  }
  if (options.stripExpiry !== undefined && typeof options.stripExpiry !== 'function') {
    throw fail('stripExpiry must be a function (inner, collection, key) => Promise<void>.');
  }
  return {
    ...options,
    stripExpiry: options.stripExpiry ?? rewriteWithoutTtl,
    namespaces: options.namespaces ?? true,
    testTimeoutMs: options.testTimeoutMs ?? 60_000,
    log: options.log ?? ((line) => console.warn(line)),
  };
}

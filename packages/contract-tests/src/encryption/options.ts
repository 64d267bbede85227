import { type ByteStore, ConfigurationError, type KeyringMaterial } from '@oauth-store/core';
import type { EncryptionTestRunner } from './harness';

/**
 * Options of {@link runEncryptionContract}. The suite never imports a wrapper: it takes factories, reads what the
 * wrapper really stored straight from the inner store (white-box, as Auth.js's adapter tests do), and plants,
 * copies and damages records there.
 */
export interface EncryptionContractOptions {
  /** Shown in the test titles, for example `envelope over memory`. */
  name: string;
  /**
   * Returns a fresh inner (unencrypted) store. Each test calls it once and wraps that one store several times, with
   * different keys, as separate application instances would. Stores may share one server: collection names are random.
   */
  createInner: () => ByteStore | Promise<ByteStore>;
  /**
   * Wraps the inner store with the encrypting wrapper under the given key material (a primary key for writes and
   * decrypt-only keys). Called several times per inner store. The wrapper must not hash key names for the
   * collections the suite uses: the suite reads and plants raw records under the same key names.
   */
  wrap: (inner: ByteStore, keys: KeyringMaterial) => ByteStore | Promise<ByteStore>;
  /**
   * Re-wraps every record of `collections` in the inner store under `keys.primary`. Without it the rewrap test is
   * not registered (a notice is logged).
   */
  rewrap?: (inner: ByteStore, keys: KeyringMaterial, collections: string[]) => Promise<unknown>;
  /**
   * Reads the key id a stored record names, from its raw bytes. Needed to check that new writes and rewrapped
   * records use the new primary; without it those assertions are skipped (a notice is logged).
   */
  readKid?: (raw: Uint8Array) => string;
  /** Plaintext length of the record whose every bit the tamper test flips. Default 3 (about 1,000 flips here). */
  bitFlipPlaintextBytes?: number;
  /** Runner functions; default the jest/vitest globals. See {@link EncryptionTestRunner}. */
  runner?: EncryptionTestRunner;
  /** Per-test timeout in ms. Default 60000. */
  testTimeoutMs?: number;
  /** Where notices go. Default `console.warn`. */
  log?: (line: string) => void;
}

/** Options with defaults filled in. */
export type ResolvedEncryptionOptions = Required<Omit<EncryptionContractOptions, 'rewrap' | 'readKid' | 'runner'>> &
  Pick<EncryptionContractOptions, 'rewrap' | 'readKid' | 'runner'>;

/** Validates options and fills in defaults. */
export function resolveEncryptionOptions(options: EncryptionContractOptions): ResolvedEncryptionOptions {
  const fail = (message: string) => new ConfigurationError(message, { source: 'contract-tests' });
  if (!options || typeof options.name !== 'string' || options.name === '') {
    throw fail('runEncryptionContract needs a name.');
  }
  if (typeof options.createInner !== 'function' || typeof options.wrap !== 'function') {
    throw fail('runEncryptionContract needs createInner() and wrap(inner, keys) functions.');
  }
  const bitFlipPlaintextBytes = options.bitFlipPlaintextBytes ?? 3;
  if (!Number.isSafeInteger(bitFlipPlaintextBytes) || bitFlipPlaintextBytes < 0 || bitFlipPlaintextBytes > 4096) {
    throw fail('bitFlipPlaintextBytes must be an integer from 0 to 4096.');
  }
  return {
    ...options,
    bitFlipPlaintextBytes,
    testTimeoutMs: options.testTimeoutMs ?? 60_000,
    log: options.log ?? ((line) => console.warn(line)),
  };
}

/**
 * The envelope-encryption contenders' keys: an {@link envKeySource} reading a random per-run key from a private
 * environment object (never `process.env`, never printed), behind a wrapper that counts every `load()`. The count is
 * how many secret-manager round trips a real key source (AWS, GCP, Azure, Vault) would have made.
 */
import { randomBytes } from 'node:crypto';
import type { ByteStore, KeySource } from '@oauth-store/core';
import { type EnvelopeStore, envKeySource, withEnvelopeEncryption } from '@oauth-store/envelope';

/** A key source that counts its loads. */
export interface CountingKeySource extends KeySource {
  /** How many times `load()` was called so far. */
  readonly loads: number;
}

/** Wraps `source` so every `load()` is counted. */
export function countLoads(source: KeySource): CountingKeySource {
  let loads = 0;
  return {
    description: source.description,
    get loads() {
      return loads;
    },
    load() {
      loads++;
      return source.load();
    },
  };
}

const VARIABLE = 'OAUTH_STORE_BENCH_KEK';

/** A counting env key source over a fresh random 32-byte key. */
export function benchKeySource(): CountingKeySource {
  const env = { [VARIABLE]: randomBytes(32).toString('base64') };
  return countLoads(envKeySource({ variable: VARIABLE, encoding: 'base64', env }));
}

/**
 * Wraps `store` in envelope encryption with a counting key source and the default refresh interval (what a
 * deployment gets), and waits until the key has loaded, as an application does at start-up.
 */
export async function encrypted(store: ByteStore): Promise<{ store: EnvelopeStore; keySource: CountingKeySource }> {
  const keySource = benchKeySource();
  const wrapped = withEnvelopeEncryption(store, { keySource });
  await wrapped.ready();
  return { store: wrapped, keySource };
}

import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './errors';
import { assertValidPrefix, DEFAULT_PREFIX } from './object-names';

/** A Cloud Storage lifecycle rule, in the JSON API's shape (what `bucket.addLifecycleRule()` and gsutil take). */
export interface GcsLifecycleRule {
  action: { type: 'Delete' };
  condition: { daysSinceCustomTime: number; matchesPrefix?: string[] };
}

/**
 * The lifecycle rule that deletes expired entries: objects under `prefix` whose Custom-Time (set to the entry's expiry
 * on every write with a TTL) is at least `graceDays` days in the past. Entries without a TTL have no Custom-Time and
 * are never matched. Reads never return expired entries anyway; the rule only reclaims storage, and Cloud Storage
 * applies it asynchronously (typically within a day).
 *
 * @example
 * await storage.bucket('my-bucket').addLifecycleRule(gcsLifecycleRule({ prefix: 'oauth-store/' }));
 */
export function gcsLifecycleRule(options: { prefix?: string; graceDays?: number } = {}): GcsLifecycleRule {
  const prefix = options.prefix ?? DEFAULT_PREFIX;
  assertValidPrefix(prefix);
  const graceDays = options.graceDays ?? 1;
  if (!Number.isSafeInteger(graceDays) || graceDays < 0) {
    throw new ConfigurationError(`graceDays must be a non-negative integer, got ${String(graceDays)}.`, {
      source: SOURCE,
    });
  }
  return {
    action: { type: 'Delete' },
    // Without a prefix the rule would cover every object in the bucket that has a Custom-Time.
    condition:
      prefix === '' ? { daysSinceCustomTime: graceDays } : { daysSinceCustomTime: graceDays, matchesPrefix: [prefix] },
  };
}

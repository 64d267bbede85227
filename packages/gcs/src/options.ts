import type { Storage, StorageOptions } from '@google-cloud/storage';
import { ConfigurationError, integerOption } from '@oauth-store/core';
import { parseGcsUrl } from './connection-url';
import { SOURCE } from './errors';
import { assertValidPrefix, DEFAULT_PREFIX } from './object-names';

/** Options for {@link GcsStore} and {@link createGcsStore}. */
export interface GcsStoreOptions {
  /**
   * A `gcs://bucket[/prefix/]?endpoint=&project=&timeout=` connection string (the CLI's grammar). Give either `url` or
   * `bucket`; `storageOptions` fields override what the url implies.
   */
  url?: string;
  /** The bucket that holds the entries. It must exist; the store never creates or configures buckets. */
  bucket?: string;
  /**
   * A `Storage` client to use for reads (credentials, endpoint, read retries are then yours). The store does not own
   * or modify it. Writes, deletes and takes go through a second client the store builds with the same endpoint,
   * project and auth client and with retries off (the SDK would resend conditional uploads and deletes).
   * Absent: the store creates both from `storageOptions`, finding credentials the usual way (ADC).
   */
  storage?: Storage;
  /** Options for the client the store creates when `storage` is absent (projectId, credentials, apiEndpoint, ...). */
  storageOptions?: StorageOptions;
  /**
   * Object-name prefix for every entry: empty or ending with "/", at most 128 UTF-8 bytes, no control characters or
   * `# [ ] * ?`. Stores with different prefixes can share a bucket without seeing each other's entries.
   * Default `oauth-store/`.
   */
  prefix?: string;
  /**
   * Per-HTTP-request timeout in milliseconds for the client the store creates. Ignored when `storage` is given
   * (set `timeout` on your client instead). Default 5000.
   */
  requestTimeoutMs?: number;
  /**
   * Upper bound in milliseconds on a whole store operation, read retries included: the runtime then rejects with
   * `unavailable` (`outcomeUnknown` for a write, delete or take). Default 15000.
   */
  timeoutMs?: number;
  /** @deprecated The former name of {@link GcsStoreOptions.timeoutMs}. */
  operationTimeoutMs?: number;
  /** Largest value accepted, in bytes (up to 5 MiB, the size Google suggests for single-request uploads). Default 1 MiB. */
  maxValueBytes?: number;
}

/** {@link GcsStoreOptions} with defaults applied and checked. */
export interface ResolvedOptions {
  bucket: string;
  prefix: string;
  requestTimeoutMs: number;
  timeoutMs: number;
  maxValueBytes: number;
  /** The options for the store's own clients (from `url` and `storageOptions`); undefined with `storage`. */
  storageOptions: StorageOptions | undefined;
}

/** Default per-request HTTP timeout. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5_000;
/** Default bound on a whole operation. */
export const DEFAULT_TIMEOUT_MS = 15_000;
/** Default largest value. */
export const DEFAULT_MAX_VALUE_BYTES = 1024 * 1024;
/** Largest `maxValueBytes` accepted. */
export const MAX_VALUE_BYTES_LIMIT = 5 * 1024 * 1024;

/** An integer option of at least 1 (core's check, with this package as the error's source). */
function positiveInteger(name: string, value: unknown, fallback: number, max = Number.MAX_SAFE_INTEGER): number {
  return integerOption(SOURCE, name, value, fallback, { max });
}

/** Bucket names per https://cloud.google.com/storage/docs/buckets#naming (dotted names up to 222 characters). */
function assertBucketName(bucket: unknown): asserts bucket is string {
  if (
    typeof bucket !== 'string' ||
    !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(bucket) ||
    (!bucket.includes('.') && bucket.length > 63)
  ) {
    throw new ConfigurationError(
      'bucket must be a Cloud Storage bucket name: 3 to 63 characters (222 with dots) of a-z, 0-9, "-", "_" and ".", starting and ending with a letter or digit.',
      { source: SOURCE },
    );
  }
}

/** Checks the options and fills in defaults. */
export function resolveOptions(options: GcsStoreOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new ConfigurationError('options must be an object with url or bucket.', { source: SOURCE });
  }
  if (options.storage !== undefined && options.storageOptions !== undefined) {
    throw new ConfigurationError('give either storage or storageOptions, not both.', { source: SOURCE });
  }
  if (options.timeoutMs !== undefined && options.operationTimeoutMs !== undefined) {
    throw new ConfigurationError('give timeoutMs only (operationTimeoutMs is its former name).', { source: SOURCE });
  }
  let bucket = options.bucket;
  let prefix = options.prefix;
  let storageOptions = options.storageOptions;
  let urlTimeoutMs: number | undefined;
  if (options.url !== undefined) {
    if (bucket !== undefined) {
      throw new ConfigurationError('give either url (gcs://bucket/...) or bucket, not both.', { source: SOURCE });
    }
    const parsed = parseGcsUrl(options.url);
    bucket = parsed.bucket;
    prefix ??= parsed.prefix;
    urlTimeoutMs = parsed.timeoutMs;
    storageOptions = { ...parsed.storageOptions, ...options.storageOptions };
  }
  assertBucketName(bucket);
  prefix ??= DEFAULT_PREFIX;
  assertValidPrefix(prefix);
  return {
    bucket,
    prefix,
    requestTimeoutMs: positiveInteger('requestTimeoutMs', options.requestTimeoutMs, DEFAULT_REQUEST_TIMEOUT_MS),
    timeoutMs: positiveInteger(
      'timeoutMs',
      options.timeoutMs ?? options.operationTimeoutMs,
      urlTimeoutMs ?? DEFAULT_TIMEOUT_MS,
    ),
    storageOptions: options.storage ? undefined : (storageOptions ?? {}),
    maxValueBytes: positiveInteger(
      'maxValueBytes',
      options.maxValueBytes,
      DEFAULT_MAX_VALUE_BYTES,
      MAX_VALUE_BYTES_LIMIT,
    ),
  };
}

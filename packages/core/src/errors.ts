/**
 * Typed errors. Every failure an oauth-store package reports is an {@link OAuthStoreError} with a stable `code`.
 * Messages say what went wrong and what to do; they never contain a value, a secret or key material
 * (keys are described by length only, never echoed, because authorization codes and tokens are used as keys).
 */

/** Stable machine-readable error codes. */
export const ErrorCode = {
  /** The backend could not be reached or did not answer in time. Retrying later may succeed. */
  Unavailable: 'unavailable',
  /** A key or collection name is not valid for this store. */
  InvalidKey: 'invalid_key',
  /** A value or option is of the wrong type or shape. */
  InvalidValue: 'invalid_value',
  /** A value is larger than the store's declared maximum. */
  ValueTooLarge: 'value_too_large',
  /** A conditional write lost to another writer. */
  Conflict: 'conflict',
  /**
   * Stored bytes failed an integrity check: tampering, truncation, the wrong key, plaintext planted in the store, or a
   * stored record that no longer matches its schema.
   */
  Integrity: 'integrity',
  /** A record names a key id the keyring does not hold. */
  UnknownKeyId: 'unknown_key_id',
  /** The store or key source is misconfigured. */
  Configuration: 'configuration',
  /** The store was closed. */
  Closed: 'closed',
  /** The store cannot do what was asked (for example an atomic take on a non-atomic backend). */
  NotSupported: 'not_supported',
} as const;

/** One of the values of {@link ErrorCode}. */
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options shared by every error constructor. */
export interface OAuthStoreErrorOptions {
  /** The lower-level error, kept for diagnosis. Never put a value or secret in it. */
  cause?: unknown;
  /** The adapter or component that raised it (for example `redis`, `envelope`). */
  source?: string;
}

/** Base class of every error oauth-store raises. */
export class OAuthStoreError extends Error {
  /** Stable code to branch on; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** The adapter or component that raised the error. */
  readonly source: string | undefined;

  constructor(code: ErrorCode, message: string, options: OAuthStoreErrorOptions = {}) {
    super(options.source ? `${options.source}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.source = options.source;
  }
}

function subclass<C extends ErrorCode>(code: C) {
  return class extends OAuthStoreError {
    declare readonly code: C;
    constructor(message: string, options?: OAuthStoreErrorOptions) {
      super(code, message, options);
    }
  };
}

/** The backend could not be reached or timed out. */
export class StoreUnavailableError extends subclass(ErrorCode.Unavailable) {}
/** A key or collection name is out of range or malformed. */
export class InvalidKeyError extends subclass(ErrorCode.InvalidKey) {}
/** A value, an option, or a stored record has the wrong type or shape. */
export class InvalidValueError extends subclass(ErrorCode.InvalidValue) {}
/** A value exceeds the store's maximum size. */
export class ValueTooLargeError extends subclass(ErrorCode.ValueTooLarge) {}
/** A conditional write lost to a concurrent writer. */
export class ConflictError extends subclass(ErrorCode.Conflict) {}
/** Stored bytes failed an integrity check. */
export class IntegrityError extends subclass(ErrorCode.Integrity) {}
/** A record was written under a key id the keyring does not hold. */
export class UnknownKeyIdError extends subclass(ErrorCode.UnknownKeyId) {}
/** The store or key source is misconfigured. */
export class ConfigurationError extends subclass(ErrorCode.Configuration) {}
/** The store was used after `close()`. */
export class StoreClosedError extends subclass(ErrorCode.Closed) {}
/** The operation is not supported by this store. */
export class NotSupportedError extends subclass(ErrorCode.NotSupported) {}

/** True when `error` is an {@link OAuthStoreError}, optionally with the given code. */
export function isOAuthStoreError(error: unknown, code?: ErrorCode): error is OAuthStoreError {
  return error instanceof OAuthStoreError && (code === undefined || error.code === code);
}

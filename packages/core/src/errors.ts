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

/**
 * The brand every oauth-store error carries. `Symbol.for` gives the same symbol in every copy of this package (the ESM
 * and the CJS build loaded side by side, or two versions in one app), so error identity never depends on `instanceof`
 * against one particular copy of the class.
 */
export const OAUTH_STORE_ERROR_BRAND: unique symbol = Symbol.for('@oauth-store/core.error') as never;

function hasBrand(value: unknown): value is OAuthStoreError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [OAUTH_STORE_ERROR_BRAND]?: unknown })[OAUTH_STORE_ERROR_BRAND] === true
  );
}

/** Base class of every error oauth-store raises. */
export class OAuthStoreError extends Error {
  /** Stable code to branch on; see {@link ErrorCode}. */
  readonly code: ErrorCode;
  /** The adapter or component that raised the error. */
  readonly source: string | undefined;
  /** The brand behind {@link isOAuthStoreError}; see {@link OAUTH_STORE_ERROR_BRAND}. */
  readonly [OAUTH_STORE_ERROR_BRAND] = true as const;

  constructor(code: ErrorCode, message: string, options: OAuthStoreErrorOptions = {}) {
    super(options.source ? `${options.source}: ${message}` : message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.source = options.source;
  }

  /** `instanceof OAuthStoreError` holds for errors from any copy of this package (brand check, not prototype chain). */
  static override [Symbol.hasInstance](value: unknown): boolean {
    return hasBrand(value);
  }
}

function subclass<C extends ErrorCode>(code: C) {
  return class extends OAuthStoreError {
    declare readonly code: C;
    constructor(message: string, options?: OAuthStoreErrorOptions) {
      super(code, message, options);
    }
    /** `instanceof` holds for errors of this code from any copy of this package. */
    static override [Symbol.hasInstance](value: unknown): boolean {
      return hasBrand(value) && value.code === code;
    }
  };
}

/** Options of {@link StoreUnavailableError}. */
export interface StoreUnavailableErrorOptions extends OAuthStoreErrorOptions {
  /**
   * True when the operation may have been applied (a write, delete or take whose response was lost or that passed its
   * deadline after being sent). False when it certainly was not applied. Default false.
   */
  outcomeUnknown?: boolean;
}

/**
 * The backend could not be reached or timed out. Check `outcomeUnknown` before retrying a non-idempotent operation:
 * when it is true the operation may have been applied (a take may have consumed the code).
 */
export class StoreUnavailableError extends subclass(ErrorCode.Unavailable) {
  /** See {@link StoreUnavailableErrorOptions.outcomeUnknown}. */
  readonly outcomeUnknown: boolean;
  constructor(message: string, options: StoreUnavailableErrorOptions = {}) {
    super(message, options);
    this.outcomeUnknown = options.outcomeUnknown ?? false;
  }
}
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

/**
 * True when `error` is an {@link OAuthStoreError}, optionally with the given code. Works across copies of this package
 * (ESM and CJS builds loaded together): it checks the {@link OAUTH_STORE_ERROR_BRAND}, not the prototype chain.
 */
export function isOAuthStoreError(error: unknown, code?: ErrorCode): error is OAuthStoreError {
  return hasBrand(error) && (code === undefined || error.code === code);
}

/** True when `error` says the operation may have been applied (see {@link StoreUnavailableError.outcomeUnknown}). */
export function isOutcomeUnknown(error: unknown): boolean {
  return isOAuthStoreError(error, ErrorCode.Unavailable) && (error as StoreUnavailableError).outcomeUnknown === true;
}

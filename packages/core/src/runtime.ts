import type {
  ByteStore,
  DeleteOptions,
  ListOptions,
  ListPage,
  SetOptions,
  StoreCapabilities,
  StoredEntry,
} from './contract';
import {
  ConfigurationError,
  InvalidValueError,
  isOAuthStoreError,
  type OAuthStoreError,
  StoreClosedError,
  StoreUnavailableError,
} from './errors';
import {
  type DecodedFrame,
  decodeFrame,
  encodeFrame,
  FRAME_HEADER_BYTES,
  FRAME_VERSION_BYTES,
  FRAME_VERSION_OFFSET,
  frameExpiry,
  sameVersion,
  versionFromString,
  versionToString,
} from './record-frame';
import { type SweepScheduler, startSweepScheduler } from './sweep-scheduler';
import { assertValidKey, assertValidSetOptions, assertValidValue, normalizeListOptions } from './validation';

/** The operations of a store, named in error messages. */
export type StoreOperation = 'get' | 'set' | 'delete' | 'take' | 'list' | 'close';

/** A record as the runtime hands it to {@link StoreDriver.write}: store `bytes` as they are. */
export interface DriverRecord {
  /** The framed bytes (header with expiry and version, then the value). Store and return them unchanged. */
  readonly bytes: Uint8Array;
  /** This write's version, the 16 bytes at offset 9 of `bytes`. */
  readonly versionBytes: Uint8Array;
  /** Absolute expiry in epoch ms, or undefined: store it natively so the backend reclaims the entry. */
  readonly expiresAt: number | undefined;
}

/**
 * The condition of a {@link StoreDriver.write} or {@link StoreDriver.remove}, checked atomically by the backend.
 * `absent`: no live entry (an entry past its expiry counts as absent). `version`: the live entry's version (the 16
 * bytes at offset 9 of its frame) equals `versionBytes`.
 */
export type WriteCondition =
  | { readonly kind: 'none' }
  | { readonly kind: 'absent' }
  | { readonly kind: 'version'; readonly versionBytes: Uint8Array };

/** What the runtime gives a driver with each call. */
export interface OperationContext {
  /** The operation's start on the application clock (epoch ms): compare expiries with it. */
  readonly now: number;
  /** When the runtime rejects the operation (epoch ms). */
  readonly deadline: number;
  /**
   * Aborted at the deadline. Pass it to the client library so a command that has not been sent is never sent later.
   * Created on first access only (an AbortController costs microseconds per operation).
   */
  readonly signal: AbortSignal;
}

/**
 * What an adapter author writes: thin, raw backend operations over framed records. The runtime
 * ({@link RuntimeStore}) owns everything else, once for every adapter: input validation before the backend is
 * touched, the frame (absolute expiry and version), filtering of expired entries, deadlines, recognising a lost
 * conditional write as the caller's own, error typing and scrubbing, and the closed state.
 */
export interface StoreDriver {
  /** See {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities;
  /** Upper bound on every operation in milliseconds; the runtime rejects `unavailable` at it. */
  readonly timeoutMs: number;
  /** The application clock for expiry decisions. Default `Date.now`. */
  readonly now?: () => number;
  /**
   * The framed bytes stored under (collection, key), or undefined. May return an expired entry (the runtime filters by
   * the frame's expiry), but should filter with the backend's own expiry where that is free.
   */
  read(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined>;
  /**
   * Stores `record.bytes` when `condition` holds, atomically, with `record.expiresAt` as native expiry; false when the
   * condition failed. Must not let the client library retry or resend it on its own (the runtime handles unknown
   * outcomes).
   */
  write(
    collection: string,
    key: string,
    record: DriverRecord,
    condition: WriteCondition,
    context: OperationContext,
  ): Promise<boolean>;
  /** Deletes when `condition` (`none` or `version`) holds; true when a live entry was deleted. No library retries. */
  remove(
    collection: string,
    key: string,
    condition: Exclude<WriteCondition, { kind: 'absent' }>,
    context: OperationContext,
  ): Promise<boolean>;
  /** Atomic get-and-delete: returns the framed bytes to exactly one caller. No library retries. */
  take(collection: string, key: string, context: OperationContext): Promise<Uint8Array | undefined>;
  /** One page of live keys; `limit` is validated and defaulted, `cursor` is the driver's own from a previous page. */
  list(
    collection: string,
    page: { cursor: string | undefined; limit: number },
    context: OperationContext,
  ): Promise<ListPage>;
  /** Releases what the driver owns. Called at most once. */
  close(): Promise<void>;
  /**
   * Turns a backend error into a typed one (errors that are already typed pass through). The runtime scrubs the result:
   * no raw backend error survives as `cause`. Default: `unavailable`.
   */
  mapError?(error: unknown, operation: StoreOperation): OAuthStoreError;
  /**
   * True when the error proves the command never reached the backend (connection refused, offline queue rejected it),
   * so a failed write, delete or take certainly was not applied. Default: never proven (outcome unknown).
   */
  notApplied?(error: unknown): boolean;
}

/** Short, value-free description of a backend error: its name and code, never its message (which may echo data). */
export function describeBackendError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { name, code } = error as { name?: unknown; code?: unknown };
    const parts = [typeof name === 'string' ? name : 'Error'];
    if (typeof code === 'string' || typeof code === 'number') parts.push(String(code));
    return parts.join(' ');
  }
  return typeof error;
}

/**
 * What remains of a backend error after scrubbing: its name and code, never its message or fields (a backend's message
 * can quote the key, and keys are authorization codes and tokens).
 */
export class BackendErrorSummary extends Error {
  /** The backend error's `code`, if it had a string or number one. */
  readonly code: string | undefined;
  constructor(error: unknown) {
    super(describeBackendError(error));
    this.name = 'BackendErrorSummary';
    const code = error && typeof error === 'object' ? (error as { code?: unknown }).code : undefined;
    this.code = typeof code === 'string' || typeof code === 'number' ? String(code) : undefined;
    // The stack would point into the runtime, not the backend: it carries nothing useful.
    this.stack = `${this.name}: ${this.message}`;
  }
}

/** Replaces a raw backend `cause` on a typed error by its {@link BackendErrorSummary}. */
function scrub(error: OAuthStoreError): OAuthStoreError {
  const cause = (error as { cause?: unknown }).cause;
  if (cause !== undefined && !isOAuthStoreError(cause) && !(cause instanceof BackendErrorSummary)) {
    Object.defineProperty(error, 'cause', {
      value: new BackendErrorSummary(cause),
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
  return error;
}

const MUTATIONS = new Set<StoreOperation>(['set', 'delete', 'take']);

/** Deadline marker: the runtime's own timeout, recognised when typing errors. */
class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'DeadlineExceeded';
  }
}

/**
 * The per-call context; its AbortSignal exists only if the driver asks for it. It also holds the operation's one
 * deadline timer, so bounding a call allocates no closure beyond the promise's own callbacks.
 */
class Operation implements OperationContext {
  readonly now: number;
  readonly deadline: number;
  #controller: AbortController | undefined;
  #expired = false;
  timer: ReturnType<typeof setTimeout> | undefined;

  constructor(now: number, timeoutMs: number) {
    this.now = now;
    this.deadline = now + timeoutMs;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#expired) this.#controller.abort(new DeadlineExceeded(this.deadline - this.now));
    }
    return this.#controller.signal;
  }

  expire(reason: DeadlineExceeded): void {
    this.#expired = true;
    this.#controller?.abort(reason);
  }
}

/** The deadline timer's callback: module level, its arguments passed by setTimeout (no closure per operation). */
function onDeadline(context: Operation, timeoutMs: number, reject: (reason: unknown) => void): void {
  const reason = new DeadlineExceeded(timeoutMs);
  context.expire(reason);
  reject(reason);
}

/**
 * `pending`, or a {@link DeadlineExceeded} rejection after `timeoutMs`, whichever comes first; at the deadline the
 * context's signal is aborted. The runtime's one deadline mechanism, for every operation of every adapter.
 */
function bounded<T>(context: Operation, pending: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    context.timer = setTimeout(onDeadline, timeoutMs, context, timeoutMs, reject);
    pending.then(
      (value) => {
        clearTimeout(context.timer);
        resolve(value);
      },
      (error) => {
        clearTimeout(context.timer);
        reject(error);
      },
    );
  });
}

/**
 * What {@link StoreDriver.write} receives. `versionBytes` is a view made on first use: most drivers store the frame
 * as it is and never look at it, and a view per write shows on the hot path.
 */
class FrameRecord implements DriverRecord {
  readonly bytes: Uint8Array;
  readonly expiresAt: number | undefined;
  #versionBytes: Uint8Array | undefined;

  constructor(bytes: Uint8Array, expiresAt: number | undefined) {
    this.bytes = bytes;
    this.expiresAt = expiresAt;
  }

  get versionBytes(): Uint8Array {
    this.#versionBytes ??= this.bytes.subarray(FRAME_VERSION_OFFSET, FRAME_VERSION_OFFSET + FRAME_VERSION_BYTES);
    return this.#versionBytes;
  }
}

const NO_CONDITION: WriteCondition = Object.freeze({ kind: 'none' });
const ABSENT: WriteCondition = Object.freeze({ kind: 'absent' });

/**
 * The one adapter runtime: wraps a {@link StoreDriver} into a {@link ByteStore}. Adapters either call
 * {@link defineStore} or extend this class to add backend-specific methods (for example a sweeper).
 */
export class RuntimeStore implements ByteStore {
  /** See {@link StoreCapabilities}. */
  readonly capabilities: StoreCapabilities;
  readonly #driver: StoreDriver;
  readonly #source: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  #closed = false;
  #closing: Promise<void> | undefined;
  #sweeper: SweepScheduler | undefined;

  constructor(driver: StoreDriver) {
    const { capabilities, timeoutMs } = driver;
    if (!Number.isSafeInteger(timeoutMs) || timeoutMs < 1) {
      throw new ConfigurationError(`timeoutMs must be a positive integer, got ${String(timeoutMs)}.`, {
        source: capabilities?.name ?? 'store',
      });
    }
    this.#driver = driver;
    this.capabilities = capabilities;
    this.#source = capabilities.name;
    this.#timeoutMs = timeoutMs;
    this.#now = driver.now ?? Date.now;
  }

  /** See {@link ByteStore.get}. */
  async get(collection: string, key: string): Promise<Uint8Array | undefined> {
    const bytes = await this.#read('get', collection, key);
    if (bytes === undefined) return undefined;
    // Expiry is judged on the clock at completion, not at start: strictly later, so never more permissive.
    const expiresAt = this.#expiry(bytes, 'get');
    return expiresAt === undefined || expiresAt > this.#now() ? valueCopy(bytes) : undefined;
  }

  /** See {@link ByteStore.getEntry}. */
  async getEntry(collection: string, key: string): Promise<StoredEntry | undefined> {
    const bytes = await this.#read('get', collection, key);
    if (bytes === undefined) return undefined;
    const frame = this.#decode(bytes, 'get');
    if (!this.#isLive(frame)) return undefined;
    return { value: copy(frame.value), version: versionToString(frame.versionBytes), expiresAt: frame.expiresAt };
  }

  /** See {@link ByteStore.set}. */
  async set(collection: string, key: string, value: Uint8Array, options?: SetOptions): Promise<boolean> {
    this.#checkOpen('set');
    const capabilities = this.capabilities;
    try {
      assertValidKey(capabilities, collection, key);
      assertValidValue(capabilities, value);
      assertValidSetOptions(capabilities, options);
    } catch (error) {
      throw this.#typed(error, 'set');
    }
    const condition = this.#writeCondition(options);
    const now = this.#now();
    const expiresAt = options?.expiresAt ?? (options?.ttlMs === undefined ? undefined : now + options.ttlMs);
    if (expiresAt !== undefined && expiresAt <= now) {
      // Already expired: storing it could only let a backend with coarser expiry serve it. Nothing is written.
      throw this.#typed(
        new InvalidValueError('set: expiresAt is not in the future; the entry would already be expired.', {
          source: this.#source,
        }),
        'set',
      );
    }
    const record = new FrameRecord(encodeFrame(value, expiresAt), expiresAt);
    let written: boolean;
    try {
      const context = new Operation(now, this.#timeoutMs);
      written = await bounded(
        context,
        this.#driver.write(collection, key, record, condition, context),
        this.#timeoutMs,
      );
    } catch (error) {
      const typed = this.#typed(error, 'set');
      if (!(typed instanceof StoreUnavailableError) || !typed.outcomeUnknown) throw typed;
      // The write may have landed: if our own version is stored, it did.
      if (await this.#isOwnWrite(collection, key, record)) return true;
      throw typed;
    }
    if (written || condition.kind === 'none') return written;
    // A conditional write that "failed" may have failed against itself: a resent or retried command whose first copy
    // landed. The version is unique to this call, so finding it stored proves the write is ours.
    return this.#isOwnWrite(collection, key, record);
  }

  /** See {@link ByteStore.delete}. */
  async delete(collection: string, key: string, options?: DeleteOptions): Promise<boolean> {
    this.#checkOpen('delete');
    let condition: Exclude<WriteCondition, { kind: 'absent' }> = NO_CONDITION as { kind: 'none' };
    try {
      assertValidKey(this.capabilities, collection, key);
      if (options !== undefined) {
        if (typeof options !== 'object' || options === null) {
          throw new InvalidValueError('delete options must be an object.', { source: this.#source });
        }
        if (options.ifVersion !== undefined) {
          condition = { kind: 'version', versionBytes: this.#parseVersion(options.ifVersion) };
        }
      }
    } catch (error) {
      throw this.#typed(error, 'delete');
    }
    try {
      const context = new Operation(this.#now(), this.#timeoutMs);
      return await bounded(context, this.#driver.remove(collection, key, condition, context), this.#timeoutMs);
    } catch (error) {
      throw this.#typed(error, 'delete');
    }
  }

  /** See {@link ByteStore.take}. */
  async take(collection: string, key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen('take');
    try {
      assertValidKey(this.capabilities, collection, key);
    } catch (error) {
      throw this.#typed(error, 'take');
    }
    let bytes: Uint8Array | undefined;
    try {
      const context = new Operation(this.#now(), this.#timeoutMs);
      bytes = await bounded(context, this.#driver.take(collection, key, context), this.#timeoutMs);
    } catch (error) {
      throw this.#typed(error, 'take');
    }
    if (bytes === undefined) return undefined;
    const expiresAt = this.#expiry(bytes, 'take');
    // Taken and expired: the entry is gone either way, and an expired code must not be redeemed.
    return expiresAt === undefined || expiresAt > this.#now() ? valueCopy(bytes) : undefined;
  }

  /** See {@link ByteStore.list}. */
  async list(collection: string, options?: ListOptions): Promise<ListPage> {
    this.#checkOpen('list');
    let page: { cursor: string | undefined; limit: number };
    try {
      assertValidKey(this.capabilities, collection, 'list');
      page = normalizeListOptions(this.capabilities, options);
    } catch (error) {
      throw this.#typed(error, 'list');
    }
    try {
      const context = new Operation(this.#now(), this.#timeoutMs);
      return await bounded(context, this.#driver.list(collection, page, context), this.#timeoutMs);
    } catch (error) {
      throw this.#typed(error, 'list');
    }
  }

  /** See {@link ByteStore.close}. Stops the sweep timer (waiting for a sweep in progress) before the driver closes. */
  close(): Promise<void> {
    if (!this.#closing) {
      this.#closed = true;
      const sweeper = this.#sweeper;
      this.#sweeper = undefined;
      this.#closing = (async () => {
        await sweeper?.stop();
        await this.#driver.close();
      })().catch((error) => {
        throw this.#typed(error, 'close');
      });
    }
    return this.#closing;
  }

  /**
   * Runs `sweep` (an adapter's deletion of expired entries) every `intervalMs` milliseconds until `close()`, which
   * stops the timer and waits for a sweep in progress before closing the driver. Never two sweeps at once; the timer
   * is unref'd; `0` schedules nothing. A failing sweep is retried next interval and reported to `onError` as a typed
   * error whose cause is scrubbed (never thrown, never an unhandled rejection). Call it at most once, from the
   * adapter's constructor.
   */
  protected scheduleSweep(
    sweep: () => Promise<unknown>,
    intervalMs: number,
    onError?: (error: OAuthStoreError) => void,
  ): void {
    if (!Number.isSafeInteger(intervalMs) || intervalMs < 0) {
      throw new ConfigurationError(`the sweep interval must be a non-negative integer, got ${String(intervalMs)}.`, {
        source: this.#source,
      });
    }
    if (this.#sweeper) {
      throw new ConfigurationError('the sweep is already scheduled.', { source: this.#source });
    }
    if (intervalMs === 0 || this.#closed) return;
    this.#sweeper = startSweepScheduler(sweep, intervalMs, (error) => onError?.(this.#sweepError(error)));
  }

  /** A failed sweep as its callback receives it: typed, with no raw backend error inside. */
  #sweepError(error: unknown): OAuthStoreError {
    return scrub(
      isOAuthStoreError(error)
        ? error
        : new StoreUnavailableError(`sweep failed (${describeBackendError(error)}). It is retried next interval.`, {
            source: this.#source,
            cause: error,
          }),
    );
  }

  /** True once `close()` was called. */
  protected get closed(): boolean {
    return this.#closed;
  }

  /** Validates, then reads the raw frame within the deadline. */
  async #read(operation: StoreOperation, collection: string, key: string): Promise<Uint8Array | undefined> {
    this.#checkOpen(operation);
    try {
      assertValidKey(this.capabilities, collection, key);
      const context = new Operation(this.#now(), this.#timeoutMs);
      return await bounded(context, this.#driver.read(collection, key, context), this.#timeoutMs);
    } catch (error) {
      throw this.#typed(error, operation);
    }
  }

  // Checked on the clock at completion, not at start: strictly later, so never more permissive.
  #isLive(frame: DecodedFrame): boolean {
    return frame.expiresAt === undefined || frame.expiresAt > this.#now();
  }

  #expiry(bytes: Uint8Array, operation: StoreOperation): number | undefined {
    try {
      return frameExpiry(bytes, this.#source);
    } catch (error) {
      throw this.#typed(error, operation);
    }
  }

  #decode(bytes: Uint8Array, operation: StoreOperation): DecodedFrame {
    try {
      return decodeFrame(bytes, this.#source);
    } catch (error) {
      throw this.#typed(error, operation);
    }
  }

  async #isOwnWrite(collection: string, key: string, record: DriverRecord): Promise<boolean> {
    let bytes: Uint8Array | undefined;
    try {
      const context = new Operation(this.#now(), this.#timeoutMs);
      bytes = await bounded(context, this.#driver.read(collection, key, context), this.#timeoutMs);
    } catch (error) {
      const typed = this.#typed(error, 'set');
      // We could not find out: the write may or may not have landed.
      throw new StoreUnavailableError(
        'set: the write may have been applied (its answer was lost) and checking for it failed. Read the entry before writing again.',
        { source: this.#source, cause: typed, outcomeUnknown: true },
      );
    }
    if (bytes === undefined) return false;
    const frame = decodeFrame(bytes, this.#source);
    return sameVersion(frame.versionBytes, record.versionBytes);
  }

  #writeCondition(options: SetOptions | undefined): WriteCondition {
    if (!options) return NO_CONDITION;
    if (options.ifVersion !== undefined) {
      if (options.onlyIfAbsent) {
        throw this.#typed(
          new InvalidValueError('set: use either onlyIfAbsent or ifVersion, not both.', { source: this.#source }),
          'set',
        );
      }
      try {
        return { kind: 'version', versionBytes: this.#parseVersion(options.ifVersion) };
      } catch (error) {
        throw this.#typed(error, 'set');
      }
    }
    return options.onlyIfAbsent ? ABSENT : NO_CONDITION;
  }

  #parseVersion(version: unknown): Uint8Array {
    const bytes = typeof version === 'string' ? versionFromString(version) : undefined;
    if (!bytes) {
      throw new InvalidValueError(
        'ifVersion must be the `version` string returned by getEntry (22 characters, base64url).',
        { source: this.#source },
      );
    }
    return bytes;
  }

  #checkOpen(operation: StoreOperation): void {
    if (this.#closed) {
      throw new StoreClosedError(`${operation} called after close(). Create a new store.`, { source: this.#source });
    }
  }

  /** Types, classifies (outcome unknown or not) and scrubs any error leaving the runtime. */
  #typed(error: unknown, operation: StoreOperation): OAuthStoreError {
    const mutation = MUTATIONS.has(operation);
    if (error instanceof DeadlineExceeded) {
      return new StoreUnavailableError(
        mutation
          ? `${operation}: no answer within ${error.timeoutMs} ms; the operation may have been applied. Check the backend's health; read before retrying.`
          : `${operation}: no answer within ${error.timeoutMs} ms. Check the backend's health; the operation can be retried.`,
        { source: this.#source, outcomeUnknown: mutation },
      );
    }
    let typed: OAuthStoreError;
    if (isOAuthStoreError(error)) {
      typed = error;
    } else if (this.#driver.mapError) {
      try {
        typed = this.#driver.mapError(error, operation);
      } catch {
        typed = defaultMapError(this.#source, error, operation);
      }
    } else {
      typed = defaultMapError(this.#source, error, operation);
    }
    if (
      mutation &&
      typed instanceof StoreUnavailableError &&
      !typed.outcomeUnknown &&
      !this.#driver.notApplied?.(error)
    ) {
      typed = new StoreUnavailableError(
        `${stripSource(typed.message, this.#source)} The operation may have been applied: read before retrying.`,
        { source: this.#source, cause: (typed as { cause?: unknown }).cause, outcomeUnknown: true },
      );
    }
    return scrub(typed);
  }
}

function stripSource(message: string, source: string): string {
  return message.startsWith(`${source}: `) ? message.slice(source.length + 2) : message;
}

function defaultMapError(source: string, error: unknown, operation: StoreOperation): OAuthStoreError {
  return new StoreUnavailableError(
    `${operation} failed (${describeBackendError(error)}). Check that the backend is reachable.`,
    { source, cause: error },
  );
}

function copy(view: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(view);
}

/**
 * The value of a frame as a fresh Uint8Array of its own: the caller may keep or change it, and its `buffer` holds no
 * other bytes (a client library's pooled slab can hold other records). One allocation, no intermediate view.
 */
function valueCopy(frame: Uint8Array): Uint8Array {
  return Uint8Array.prototype.slice.call(frame, FRAME_HEADER_BYTES);
}

/** Wraps a {@link StoreDriver} into a {@link ByteStore}: the one way every adapter is built. */
export function defineStore(driver: StoreDriver): RuntimeStore {
  return new RuntimeStore(driver);
}

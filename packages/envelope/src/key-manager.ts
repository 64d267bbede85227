import { ConfigurationError, isOAuthStoreError, type KeySource, type OAuthStoreError } from '@oauth-store/core';
import { createKeyring, type Keyring } from './keyring';

/** Default interval between key refreshes: 5 minutes. */
export const DEFAULT_REFRESH_INTERVAL_MS = 5 * 60_000;

/** A snapshot of what the key manager holds, for health checks. Never includes material. */
export interface KeyStatus {
  /** Kid of the key writing new records, or undefined before the first successful load. */
  readonly primaryKid: string | undefined;
  /** Kids that only decrypt. */
  readonly decryptOnlyKids: readonly string[];
  /** How many times the key source was loaded (successfully or not). Always 0 for a fixed keyring. */
  readonly loads: number;
  /** Epoch ms of the last successful load (or of construction for a fixed keyring). */
  readonly loadedAt: number | undefined;
  /** Code of the last failed load when it failed after the last success, else undefined. */
  readonly lastErrorCode: string | undefined;
}

/** Options of {@link KeyManager}. */
export interface KeyManagerOptions {
  keyring?: Keyring;
  keySource?: KeySource;
  refreshIntervalMs: number;
  onError?: (error: OAuthStoreError) => void;
  now: () => number;
}

function typed(error: unknown, source: KeySource): OAuthStoreError {
  if (isOAuthStoreError(error)) return error;
  // A source that throws a raw error: keep the name of the source, never the raw message (it may quote a secret).
  return new ConfigurationError(
    `loading keys from ${source.description} failed (${error instanceof Error ? error.name : typeof error}). Check the source's configuration and access.`,
    { source: 'envelope' },
  );
}

/**
 * Holds the current keyring: loaded once at start-up, refreshed on an interval, never per operation. A failed refresh
 * keeps the previous keyring and is reported through `onError`; it is never thrown into store operations.
 */
export class KeyManager {
  #keyring: Keyring | undefined;
  #initial: Promise<Keyring>;
  #initialError: OAuthStoreError | undefined;
  #refreshing: Promise<void> | undefined;
  #timer: ReturnType<typeof setInterval> | undefined;
  #loads = 0;
  #loadedAt: number | undefined;
  #lastErrorCode: string | undefined;
  readonly #options: KeyManagerOptions;

  constructor(options: KeyManagerOptions) {
    this.#options = options;
    if (options.keyring) {
      this.#keyring = options.keyring;
      this.#loadedAt = options.now();
      this.#initial = Promise.resolve(options.keyring);
      return;
    }
    const source = options.keySource!;
    this.#initial = this.#load(source).then(
      (keyring) => {
        this.#keyring = keyring;
        return keyring;
      },
      (error: OAuthStoreError) => {
        this.#initialError = error;
        throw error;
      },
    );
    // Observed here so a failed start-up never becomes an unhandled rejection; callers see it via ready()/operations.
    this.#initial.catch(() => {});
    if (options.refreshIntervalMs > 0) {
      this.#timer = setInterval(() => void this.refresh().catch(() => {}), options.refreshIntervalMs);
      // The refresh timer alone must not keep a process alive.
      this.#timer.unref?.();
    }
  }

  async #load(source: KeySource): Promise<Keyring> {
    this.#loads += 1;
    try {
      const keyring = createKeyring(await source.load());
      this.#loadedAt = this.#options.now();
      this.#lastErrorCode = undefined;
      return keyring;
    } catch (error) {
      const failure = typed(error, source);
      this.#lastErrorCode = failure.code;
      throw failure;
    }
  }

  /** Resolves once the first load succeeded; rejects with its typed error when it failed (and no refresh fixed it). */
  async ready(): Promise<void> {
    await this.current();
  }

  /** The keyring when one is loaded (every operation after start-up), without waiting; else undefined. */
  peek(): Keyring | undefined {
    return this.#keyring;
  }

  /** The keyring to use now. Never loads: waits only for the start-up load. */
  async current(): Promise<Keyring> {
    if (this.#keyring) return this.#keyring;
    if (this.#initialError) throw this.#initialError;
    return this.#initial;
  }

  /**
   * Loads the source again and swaps the keyring in. On failure the old keyring stays, `onError` hears about it, and
   * the returned promise rejects with the typed error (the interval timer ignores that rejection).
   */
  refresh(): Promise<void> {
    const source = this.#options.keySource;
    if (!source) return Promise.resolve();
    // Overlapping ticks share one load: a slow secret manager never gets a pile of concurrent requests.
    this.#refreshing ??= this.#initial
      .catch(() => undefined)
      .then(() => this.#load(source))
      .then(
        (keyring) => {
          this.#keyring = keyring;
          this.#initialError = undefined;
        },
        (error: OAuthStoreError) => {
          try {
            this.#options.onError?.(error);
          } catch {
            // A throwing reporter must not turn a reported refresh failure into an unreported one.
          }
          throw error;
        },
      )
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  /** See {@link KeyStatus}. */
  status(): KeyStatus {
    return {
      primaryKid: this.#keyring?.primaryKid,
      decryptOnlyKids: this.#keyring?.decryptOnlyKids ?? [],
      loads: this.#loads,
      loadedAt: this.#loadedAt,
      lastErrorCode: this.#lastErrorCode,
    };
  }

  /** Stops refreshing and closes the key source. */
  async close(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#options.keySource?.close?.();
  }
}

import { randomUUID } from 'node:crypto';
import {
  describeIssues,
  type OAuthClientInformationFull,
  OAuthClientInformationFullSchema,
  type OAuthClientMetadata,
} from './client-schema';
import type { ByteStore, ListOptions } from './contract';
import { ConfigurationError, ConflictError, IntegrityError, InvalidValueError, ValueTooLargeError } from './errors';
import { literalRule, numberRule, objectSchema, optional, required } from './schema-rules';
import { isStorableKey } from './validation';
import { decodeRecord, encodeRecord } from './value-codec';

/** How often `updateClient` re-reads and retries when a concurrent write changed the client in between. */
const UPDATE_ATTEMPTS = 5;

/** Options for {@link ClientStore}. */
export interface ClientStoreOptions {
  /** Collection the clients live in. Default `oauth-clients`. */
  collection?: string;
  /**
   * Expire dynamically registered clients that are never used, after this many milliseconds. A client counts as used
   * the first time `getClient` returns it (every `/authorize` and `/token` request calls it); from then on it never
   * expires. Open DCR endpoints otherwise collect thousands of dead clients. Default: never expire.
   */
  unusedClientTtlMs?: number;
  /** Mints a client id when `registerClient` receives none (the SDK's `clientIdGeneration: false`). Default UUID v4. */
  generateClientId?: () => string;
  /**
   * Largest client record accepted, in bytes of its JSON encoding. Default 16 KiB: RFC 7591 metadata with a `jwks`
   * fits in a few KiB, and an open registration endpoint must not let anyone store megabytes per client.
   */
  maxClientBytes?: number;
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

/** Default of {@link ClientStoreOptions.maxClientBytes}. */
export const DEFAULT_MAX_CLIENT_BYTES = 16 * 1024;

/** One page of {@link ClientStore.listClients}. */
export interface ClientPage {
  /** Clients in this page. */
  clients: OAuthClientInformationFull[];
  /** Pass to the next call; absent on the last page. */
  cursor?: string;
}

/** Fields `updateClient` may change: any metadata, plus the secret and its expiry (for RFC 7592 rotation). */
export type ClientUpdate = Partial<OAuthClientMetadata> &
  Partial<Pick<OAuthClientInformationFull, 'client_secret' | 'client_secret_expires_at'>>;

/** A client record as stored: format version, the client, and when it was registered and first used. */
interface StoredClient {
  v: 1;
  client: OAuthClientInformationFull;
  registeredAt: number;
  usedAt?: number | undefined;
}

const StoredClientSchema = objectSchema<StoredClient>({
  v: required(literalRule(1)),
  client: required((value, path, issues) => {
    const result = OAuthClientInformationFullSchema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) issues.push({ ...issue, path: [...path, ...issue.path] });
    return value as OAuthClientInformationFull;
  }),
  registeredAt: required(numberRule),
  usedAt: optional(numberRule),
});

/**
 * Registered OAuth clients (RFC 7591 DCR) on any {@link ByteStore}. Satisfies the MCP SDK's
 * `OAuthRegisteredClientsStore`, so it can be passed straight to `mcpAuthRouter`, and adds RFC 7592-style update,
 * delete and list. Records are validated with the SDK's schema on write AND on read: a corrupted record is an
 * {@link IntegrityError}, not a crash later. Secrets are stored as registered (the SDK compares them in plaintext);
 * wrap the store with `@oauth-store/envelope` to encrypt them at rest.
 */
export class ClientStore {
  readonly #store: ByteStore;
  readonly #collection: string;
  readonly #unusedTtlMs: number | undefined;
  readonly #generateId: () => string;
  readonly #now: () => number;
  readonly #maxClientBytes: number;

  constructor(store: ByteStore, options: ClientStoreOptions = {}) {
    assertStore(store, 'client-store');
    this.#store = store;
    this.#maxClientBytes = options.maxClientBytes ?? DEFAULT_MAX_CLIENT_BYTES;
    if (!Number.isSafeInteger(this.#maxClientBytes) || this.#maxClientBytes < 1024) {
      throw new InvalidValueError('maxClientBytes must be an integer of at least 1024.', { source: 'client-store' });
    }
    this.#collection = options.collection ?? 'oauth-clients';
    this.#unusedTtlMs = options.unusedClientTtlMs;
    this.#generateId = options.generateClientId ?? randomUUID;
    this.#now = options.now ?? Date.now;
    if (this.#unusedTtlMs !== undefined && !(Number.isSafeInteger(this.#unusedTtlMs) && this.#unusedTtlMs > 0)) {
      throw new InvalidValueError('unusedClientTtlMs must be a positive integer number of milliseconds.', {
        source: 'client-store',
      });
    }
  }

  /** Returns the client, or undefined when none is registered under this id. */
  async getClient(clientId: string): Promise<OAuthClientInformationFull | undefined> {
    // An id that cannot name an entry is simply unknown: the server must answer invalid_client, not 500.
    if (!isStorableKey(this.#store.capabilities, clientId)) return undefined;
    const entry = await this.#store.getEntry(this.#collection, clientId);
    if (!entry) return undefined;
    const stored = this.#parse(entry.value);
    if (this.#unusedTtlMs !== undefined && stored.usedAt === undefined) {
      // First use: rewrite without a TTL so a client that is in use never expires. Compare-and-set, so a concurrent
      // update (a secret rotation) or delete is never undone; if one happened, the next read marks the client.
      await this.#store.set(this.#collection, clientId, encodeRecord({ ...stored, usedAt: this.#now() }), {
        ifVersion: entry.version,
      });
    }
    return stored.client;
  }

  /**
   * Registers a client and returns every field as stored. The SDK's DCR handler passes `client_id` and
   * `client_id_issued_at` (despite its `Omit<>` type); when they are absent this store mints them.
   * Rejects with {@link ConflictError} when the id is already registered.
   */
  async registerClient(
    client: Omit<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'> &
      Partial<Pick<OAuthClientInformationFull, 'client_id' | 'client_id_issued_at'>>,
  ): Promise<OAuthClientInformationFull> {
    if (client === null || typeof client !== 'object' || Array.isArray(client)) {
      throw new InvalidValueError('registerClient needs the client metadata object (RFC 7591).', {
        source: 'client-store',
      });
    }
    const now = this.#now();
    const candidate = {
      ...client,
      client_id: client.client_id ?? this.#generateId(),
      client_id_issued_at: client.client_id_issued_at ?? Math.floor(now / 1000),
    };
    const parsed = this.#validate(candidate);
    const record: StoredClient = { v: 1, client: parsed, registeredAt: now };
    const created = await this.#store.set(this.#collection, parsed.client_id, this.#encode(record), {
      onlyIfAbsent: true,
      ...(this.#unusedTtlMs !== undefined ? { ttlMs: this.#unusedTtlMs } : {}),
    });
    if (!created) {
      throw new ConflictError('a client with this client_id is already registered. Register with a new id.', {
        source: 'client-store',
      });
    }
    return parsed;
  }

  /** Changes a registered client's metadata or secret (RFC 7592). Returns the updated client, or undefined if none. */
  async updateClient(clientId: string, update: ClientUpdate): Promise<OAuthClientInformationFull | undefined> {
    // Read-modify-write with compare-and-set: a concurrent update is retried on top of, never overwritten.
    if (!isStorableKey(this.#store.capabilities, clientId)) return undefined;
    if (update === null || typeof update !== 'object' || Array.isArray(update)) {
      throw new InvalidValueError('updateClient needs an object of the fields to change.', { source: 'client-store' });
    }
    for (let attempt = 0; attempt < UPDATE_ATTEMPTS; attempt++) {
      const entry = await this.#store.getEntry(this.#collection, clientId);
      if (!entry) return undefined;
      const stored = this.#parse(entry.value);
      const client = this.#validate({ ...stored.client, ...update, client_id: clientId });
      const next: StoredClient = { ...stored, client };
      // An unused client keeps its remaining lifetime exactly (the entry carries its absolute expiry).
      const ttl = entry.expiresAt === undefined ? undefined : entry.expiresAt - this.#now();
      if (ttl !== undefined && ttl <= 0) return undefined;
      const written = await this.#store.set(this.#collection, clientId, this.#encode(next), {
        ifVersion: entry.version,
        ...(ttl !== undefined ? { ttlMs: ttl } : {}),
      });
      if (written) return client;
    }
    throw new ConflictError(
      `the client changed ${UPDATE_ATTEMPTS} times while it was being updated. Retry the update later.`,
      { source: 'client-store' },
    );
  }

  /** Deletes a client (RFC 7592). Resolves true when one was deleted. */
  async deleteClient(clientId: string): Promise<boolean> {
    if (!isStorableKey(this.#store.capabilities, clientId)) return false;
    return this.#store.delete(this.#collection, clientId);
  }

  /** One page of registered clients. Clients deleted while paging are left out. */
  async listClients(options: ListOptions = {}): Promise<ClientPage> {
    const page = await this.#store.list(this.#collection, options);
    const records = await Promise.all(page.keys.map((key) => this.#store.get(this.#collection, key)));
    const clients = records.flatMap((bytes) => (bytes ? [this.#parse(bytes).client] : []));
    return page.cursor ? { clients, cursor: page.cursor } : { clients };
  }

  #encode(record: StoredClient): Uint8Array {
    const bytes = encodeRecord(record);
    if (bytes.byteLength > this.#maxClientBytes) {
      throw new ValueTooLargeError(
        `the client metadata is ${bytes.byteLength} bytes encoded; at most ${this.#maxClientBytes} are accepted (maxClientBytes). Send less metadata (a jwks_uri instead of inline jwks).`,
        { source: 'client-store' },
      );
    }
    return bytes;
  }

  #validate(candidate: unknown): OAuthClientInformationFull {
    const result = OAuthClientInformationFullSchema.safeParse(candidate);
    if (!result.success) {
      throw new InvalidValueError(
        `the client is not valid RFC 7591 client information: ${describeIssues(result.error)}.`,
        {
          source: 'client-store',
        },
      );
    }
    return result.data;
  }

  #parse(bytes: Uint8Array): StoredClient {
    const result = StoredClientSchema.safeParse(decodeRecord(bytes));
    if (!result.success) {
      throw new IntegrityError(
        `a stored client record does not match the client schema (${describeIssues(result.error)}). It is corrupted or was written by something else; delete or re-register it.`,
        { source: 'client-store' },
      );
    }
    return result.data;
  }
}

/** Throws a `configuration` error unless `store` looks like a {@link ByteStore} (a careless caller passes undefined). */
export function assertStore(store: unknown, source: string): asserts store is ByteStore {
  const candidate = store as Partial<ByteStore> | null | undefined;
  if (
    !candidate ||
    typeof candidate !== 'object' ||
    !candidate.capabilities ||
    typeof candidate.get !== 'function' ||
    typeof candidate.set !== 'function' ||
    typeof candidate.take !== 'function'
  ) {
    throw new ConfigurationError(
      'expected a store (a ByteStore such as createRedisStore(...) or new MemoryStore()) as the first argument.',
      { source },
    );
  }
}

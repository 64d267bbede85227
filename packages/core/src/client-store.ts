import { randomUUID } from 'node:crypto';
import {
  describeIssues,
  type OAuthClientInformationFull,
  OAuthClientInformationFullSchema,
  type OAuthClientMetadata,
} from './client-schema';
import type { ByteStore, ListOptions } from './contract';
import { ConflictError, IntegrityError, InvalidValueError } from './errors';
import { literalRule, numberRule, objectSchema, optional, required } from './schema-rules';
import { decodeRecord, encodeRecord } from './value-codec';

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
  /** Clock, for tests. Default `Date.now`. */
  now?: () => number;
}

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

  constructor(store: ByteStore, options: ClientStoreOptions = {}) {
    this.#store = store;
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
    const bytes = await this.#store.get(this.#collection, clientId);
    if (!bytes) return undefined;
    const stored = this.#parse(bytes);
    if (this.#unusedTtlMs !== undefined && stored.usedAt === undefined) {
      // First use: rewrite without a TTL so a client that is in use never expires.
      await this.#store.set(this.#collection, clientId, encodeRecord({ ...stored, usedAt: this.#now() }));
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
    const now = this.#now();
    const candidate = {
      ...client,
      client_id: client.client_id ?? this.#generateId(),
      client_id_issued_at: client.client_id_issued_at ?? Math.floor(now / 1000),
    };
    const parsed = this.#validate(candidate);
    const record: StoredClient = { v: 1, client: parsed, registeredAt: now };
    const created = await this.#store.set(this.#collection, parsed.client_id, encodeRecord(record), {
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
    const bytes = await this.#store.get(this.#collection, clientId);
    if (!bytes) return undefined;
    const stored = this.#parse(bytes);
    const client = this.#validate({ ...stored.client, ...update, client_id: clientId });
    const next: StoredClient = { ...stored, client };
    const ttl = this.#unusedTtlMs !== undefined && stored.usedAt === undefined ? this.#remainingTtl(stored) : undefined;
    if (ttl === 0) return undefined;
    await this.#store.set(this.#collection, clientId, encodeRecord(next), ttl ? { ttlMs: ttl } : {});
    return client;
  }

  /** Deletes a client (RFC 7592). Resolves true when one was deleted. */
  deleteClient(clientId: string): Promise<boolean> {
    return this.#store.delete(this.#collection, clientId);
  }

  /** One page of registered clients. Clients deleted while paging are left out. */
  async listClients(options: ListOptions = {}): Promise<ClientPage> {
    const page = await this.#store.list(this.#collection, options);
    const records = await Promise.all(page.keys.map((key) => this.#store.get(this.#collection, key)));
    const clients = records.flatMap((bytes) => (bytes ? [this.#parse(bytes).client] : []));
    return page.cursor ? { clients, cursor: page.cursor } : { clients };
  }

  #remainingTtl(stored: StoredClient): number {
    return Math.max(0, stored.registeredAt + (this.#unusedTtlMs ?? 0) - this.#now());
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

import { randomUUID } from 'node:crypto';
import type { ByteStore } from '@oauth-store/core';
import { Cluster, Redis } from 'ioredis';
import { Cluster as Cluster6, Redis as Redis6 } from 'ioredis6';
import { createClient, createCluster } from 'redis';
import { createClient as createClient6, createCluster as createCluster6 } from 'redis6';
import { createRedisStore, type RedisClientLike, type RedisStore, type RedisStoreOptions } from '../src/index';

/** How a test store reaches Redis. */
export type ClientKind =
  | 'url'
  | 'node-redis'
  | 'node-redis6'
  | 'ioredis'
  | 'ioredis6'
  | 'cluster-urls'
  | 'node-redis-cluster'
  | 'node-redis6-cluster'
  | 'ioredis-cluster'
  | 'ioredis6-cluster';

/** The standalone variants. */
export const STANDALONE_KINDS: ClientKind[] = ['url', 'node-redis', 'node-redis6', 'ioredis', 'ioredis6'];
/** The Redis Cluster variants. */
export const CLUSTER_KINDS: ClientKind[] = [
  'cluster-urls',
  'node-redis-cluster',
  'node-redis6-cluster',
  'ioredis-cluster',
  'ioredis6-cluster',
];

/** ioredis options without which the store refuses a client (no resend of a command after a reconnection). */
export const IOREDIS_OPTIONS = { autoResendUnfulfilledCommands: false } as const;
/** ioredis Cluster options without which the store refuses a client. */
export const IOREDIS_CLUSTER_OPTIONS = { retryDelayOnFailover: 0 } as const;

/** The standalone server global-setup started (or REDIS_URL pointed at). */
export function standaloneUrl(): string {
  const url = process.env.REDIS_URL;
  if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');
  return url;
}

/** The cluster global-setup started (or REDIS_CLUSTER_URLS pointed at). */
export function clusterUrls(): string[] {
  const urls = process.env.REDIS_CLUSTER_URLS;
  if (!urls) throw new Error('REDIS_CLUSTER_URLS is not set: the jest global setup should have started a cluster');
  return urls.split(',');
}

/** `{ host, port }` of a redis:// URL, as ioredis Cluster wants its startup nodes. */
export function hostPort(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

/** A key prefix no other test run uses. */
export function freshPrefix(label = 'test'): string {
  return `oauth-store-${label}-${randomUUID()}:`;
}

/**
 * Creates stores of one client kind and remembers every client it created so `closeAll` can shut them down.
 * Clients the caller gives to the store are real SDK clients connected to the real servers.
 */
export class StoreFactory {
  readonly #closers: Array<() => Promise<unknown>> = [];
  readonly #clients: RedisClientLike[] = [];
  #next = 0;

  /**
   * @param kind how stores reach Redis.
   * @param options store options for every store.
   * @param pool for the client kinds: how many clients to create at most; stores beyond that reuse them in turn
   *   (a store never closes a client it was given, so suites that create hundreds of stores stay at a few connections).
   */
  constructor(
    readonly kind: ClientKind,
    readonly options: Omit<RedisStoreOptions, 'client' | 'url' | 'clusterUrls'> = {},
    readonly pool = Number.POSITIVE_INFINITY,
  ) {}

  async #client(): Promise<RedisClientLike> {
    if (this.#clients.length >= this.pool) return this.#clients[this.#next++ % this.#clients.length] as RedisClientLike;
    let client: RedisClientLike;
    switch (this.kind) {
      case 'node-redis': {
        const nodeRedis = createClient({ url: standaloneUrl() });
        nodeRedis.on('error', () => {});
        await nodeRedis.connect();
        this.#closers.push(() => nodeRedis.close());
        client = nodeRedis;
        break;
      }
      case 'node-redis6': {
        const nodeRedis = createClient6({ url: standaloneUrl() });
        nodeRedis.on('error', () => {});
        await nodeRedis.connect();
        this.#closers.push(() => nodeRedis.close());
        client = nodeRedis;
        break;
      }
      case 'node-redis6-cluster': {
        const cluster = createCluster6({ rootNodes: clusterUrls().map((url) => ({ url })) });
        cluster.on('error', () => {});
        await cluster.connect();
        this.#closers.push(() => cluster.close());
        client = cluster;
        break;
      }
      case 'node-redis-cluster': {
        const cluster = createCluster({ rootNodes: clusterUrls().map((url) => ({ url })) });
        cluster.on('error', () => {});
        await cluster.connect();
        this.#closers.push(() => cluster.close());
        client = cluster;
        break;
      }
      case 'ioredis': {
        const ioredis = new Redis(standaloneUrl(), IOREDIS_OPTIONS);
        ioredis.on('error', () => {});
        this.#closers.push(() => ioredis.quit());
        client = ioredis;
        break;
      }
      case 'ioredis6': {
        const ioredis = new Redis6(standaloneUrl(), IOREDIS_OPTIONS);
        ioredis.on('error', () => {});
        this.#closers.push(() => ioredis.quit());
        client = ioredis;
        break;
      }
      case 'ioredis6-cluster': {
        const cluster = new Cluster6(clusterUrls().map(hostPort), IOREDIS_CLUSTER_OPTIONS);
        cluster.on('error', () => {});
        this.#closers.push(() => cluster.quit());
        client = cluster;
        break;
      }
      default: {
        const cluster = new Cluster(clusterUrls().map(hostPort), IOREDIS_CLUSTER_OPTIONS);
        cluster.on('error', () => {});
        this.#closers.push(() => cluster.quit());
        client = cluster;
      }
    }
    this.#clients.push(client);
    return client;
  }

  /** A new store (and, for the client kinds, a new or pooled client) on the shared servers. */
  async create(extra: Omit<RedisStoreOptions, 'client' | 'url' | 'clusterUrls'> = {}): Promise<RedisStore> {
    const options = { ...this.options, ...extra };
    let store: RedisStore;
    if (this.kind === 'url') store = await createRedisStore({ ...options, url: standaloneUrl() });
    else if (this.kind === 'cluster-urls') store = await createRedisStore({ ...options, clusterUrls: clusterUrls() });
    else store = await createRedisStore({ ...options, client: await this.#client() });
    this.#closers.push(() => store.close());
    return store;
  }

  /** Closes every store, then every client, this factory created. */
  async closeAll(): Promise<void> {
    const closers = this.#closers.splice(0).reverse();
    for (const close of closers) await close().catch(() => {});
  }
}

/** A raw ioredis client (or Cluster) for white-box checks of what the store wrote. */
export function rawClient(cluster: boolean): Redis | Cluster {
  const client = cluster ? new Cluster(clusterUrls().map(hostPort)) : new Redis(standaloneUrl());
  client.on('error', () => {});
  return client;
}

/** Polls `check` every 10 ms until it returns true; fails after `timeoutMs`. */
export async function eventually(what: string, check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Every key of a collection, following cursors. */
export async function listAll(store: ByteStore, collection: string, limit = 100): Promise<string[]> {
  const keys: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await store.list(collection, { cursor, limit });
    keys.push(...page.keys);
    cursor = page.cursor;
  } while (cursor);
  return keys;
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

import { type ByteStore, ConfigurationError, MemoryStore } from '@oauth-store/core';

/**
 * One connection-string syntax for every backend (documented in docs/cli.md):
 *
 * | backend | form |
 * |---|---|
 * | memory (one process) | `memory:` |
 * | Redis | `redis://[user:pass@]host:port[/db]?prefix=&timeout=` (`rediss://` for TLS) |
 * | Redis Cluster | `redis+cluster://host1:port1,host2:port2?prefix=` (`rediss+cluster://`) |
 * | PostgreSQL | `postgres://user[:pass]@host:port/db?schema=&table=&timeout=` (other parameters go to `pg`) |
 * | PGlite (one process) | `pglite:./dir` (`pglite:` alone keeps it in memory) |
 * | DynamoDB | `dynamodb://[endpoint-host:port]?table=&region=&tls=` (no host: AWS itself) |
 * | Firestore | `firestore://project?database=&root=&emulator=host:port` |
 * | Cloud Storage | `gcs://bucket[/prefix/]?endpoint=&project=` |
 */
export type ParsedStoreUrl =
  | { backend: 'memory' }
  | { backend: 'redis'; url: string; keyPrefix?: string; commandTimeoutMs?: number }
  | { backend: 'redis-cluster'; clusterUrls: string[]; keyPrefix?: string; commandTimeoutMs?: number }
  | { backend: 'postgres'; connectionString: string; schema?: string; table?: string; timeoutMs?: number }
  | { backend: 'pglite'; dataDir?: string; schema?: string; table?: string }
  | { backend: 'dynamodb'; tableName: string; endpoint?: string; region?: string }
  | { backend: 'firestore'; projectId: string; databaseId?: string; rootCollection?: string; emulatorHost?: string }
  | { backend: 'gcs'; bucket: string; prefix?: string; apiEndpoint?: string; projectId?: string };

/** The backend names {@link ParsedStoreUrl} can hold. */
export type StoreBackend = ParsedStoreUrl['backend'];

const FORMS =
  'memory:, redis://host:port, postgres://user@host:port/db, pglite:./dir, dynamodb://host:port?table=t, firestore://project, gcs://bucket';

/** Where the connection-string forms are documented (an absolute URL: the message may be read far from the repo). */
const FORMS_URL = 'https://github.com/oauth-store/oauth-store/blob/main/docs/cli.md#store-connection-strings';

function bad(message: string): ConfigurationError {
  return new ConfigurationError(`${message} Connection-string forms: ${FORMS_URL}`, { source: 'store-url' });
}

function integerParam(params: URLSearchParams, name: string): number | undefined {
  const text = params.get(name);
  if (text === null) return undefined;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value <= 0) throw bad(`the "${name}" parameter must be a positive integer.`);
  return value;
}

/** Removes our own parameters from a URL, leaving those the backend's client understands. */
function without(url: URL, names: string[]): string {
  const copy = new URL(url.href);
  for (const name of names) copy.searchParams.delete(name);
  return copy.href;
}

function optional<K extends string>(key: K, value: string | null | undefined): Partial<Record<K, string>> {
  return value === null || value === undefined || value === '' ? {} : ({ [key]: value } as Record<K, string>);
}

function parseRedisCluster(text: string, scheme: string): ParsedStoreUrl {
  const rest = text.slice(scheme.length + 3);
  const queryAt = rest.indexOf('?');
  const hostPart = (queryAt === -1 ? rest : rest.slice(0, queryAt)).replace(/\/+$/, '');
  const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
  const at = hostPart.lastIndexOf('@');
  const credentials = at === -1 ? '' : `${hostPart.slice(0, at)}@`;
  const hosts = (at === -1 ? hostPart : hostPart.slice(at + 1)).split(',').filter(Boolean);
  if (hosts.length === 0 || !hosts.every((host) => /^[^\s/:]+:\d+$/.test(host))) {
    throw bad(
      `${scheme}:// needs a comma-separated list of host:port nodes, as in ${scheme}://10.0.0.1:7000,10.0.0.2:7000.`,
    );
  }
  const nodeScheme = scheme === 'rediss+cluster' ? 'rediss' : 'redis';
  return {
    backend: 'redis-cluster',
    clusterUrls: hosts.map((host) => `${nodeScheme}://${credentials}${host}`),
    ...optional('keyPrefix', params.get('prefix')),
    ...(integerParam(params, 'timeout') !== undefined ? { commandTimeoutMs: integerParam(params, 'timeout') } : {}),
  };
}

/**
 * Parses a store connection string. Throws a `configuration` error saying what is wrong (never echoing the string,
 * which may hold a password).
 */
export function parseStoreUrl(text: string): ParsedStoreUrl {
  if (typeof text !== 'string' || text.trim() === '') throw bad(`a store connection string is required (${FORMS}).`);
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  if (!scheme) throw bad(`the store connection string has no scheme; use one of ${FORMS}.`);
  if (scheme === 'memory') return { backend: 'memory' };
  if (scheme === 'pglite') {
    const rest = text.slice('pglite:'.length);
    const queryAt = rest.indexOf('?');
    const dir = queryAt === -1 ? rest : rest.slice(0, queryAt);
    const params = new URLSearchParams(queryAt === -1 ? '' : rest.slice(queryAt + 1));
    return {
      backend: 'pglite',
      ...optional('dataDir', dir.replace(/^\/\/(?=\/)/, '')),
      ...optional('schema', params.get('schema')),
      ...optional('table', params.get('table')),
    };
  }
  if (scheme === 'redis+cluster' || scheme === 'rediss+cluster') return parseRedisCluster(text, scheme);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`the store connection string (scheme "${scheme}") is not a valid URL.`);
  }
  const params = url.searchParams;
  switch (scheme) {
    case 'redis':
    case 'rediss': {
      if (!url.hostname) throw bad(`${scheme}:// needs a host, as in ${scheme}://127.0.0.1:6379.`);
      const commandTimeoutMs = integerParam(params, 'timeout');
      return {
        backend: 'redis',
        url: without(url, ['prefix', 'timeout']),
        ...optional('keyPrefix', params.get('prefix')),
        ...(commandTimeoutMs !== undefined ? { commandTimeoutMs } : {}),
      };
    }
    case 'postgres':
    case 'postgresql': {
      const timeoutMs = integerParam(params, 'timeout');
      return {
        backend: 'postgres',
        connectionString: without(url, ['schema', 'table', 'timeout']),
        ...optional('schema', params.get('schema')),
        ...optional('table', params.get('table')),
        ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      };
    }
    case 'dynamodb': {
      const tableName = params.get('table');
      if (!tableName) throw bad('dynamodb:// needs ?table=NAME (the table the store uses).');
      const tls = params.get('tls');
      const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
      const protocol = tls === 'true' || (tls === null && !loopback) ? 'https' : 'http';
      const endpoint = url.host && url.hostname !== 'aws' ? `${protocol}://${url.host}` : undefined;
      return {
        backend: 'dynamodb',
        tableName,
        ...optional('endpoint', endpoint),
        ...optional('region', params.get('region')),
      };
    }
    case 'firestore': {
      if (!url.hostname) throw bad('firestore:// needs the project id, as in firestore://my-project.');
      return {
        backend: 'firestore',
        projectId: url.hostname,
        ...optional('databaseId', params.get('database')),
        ...optional('rootCollection', params.get('root')),
        ...optional('emulatorHost', params.get('emulator')),
      };
    }
    case 'gcs': {
      if (!url.hostname) throw bad('gcs:// needs the bucket, as in gcs://my-bucket/oauth-store/.');
      const path = decodeURIComponent(url.pathname.replace(/^\//, ''));
      return {
        backend: 'gcs',
        bucket: url.hostname,
        ...(path ? { prefix: path.endsWith('/') ? path : `${path}/` } : {}),
        ...optional('apiEndpoint', params.get('endpoint')),
        ...optional('projectId', params.get('project')),
      };
    }
    default:
      throw bad(`unknown store scheme "${scheme.slice(0, 20)}"; use one of ${FORMS}.`);
  }
}

/** True when several processes can share the store (everything except `memory:` and `pglite:`). */
export function isShareable(parsed: ParsedStoreUrl): boolean {
  return parsed.backend !== 'memory' && parsed.backend !== 'pglite';
}

/** The connection string with any password replaced by `***`, for messages and reports. */
export function redactStoreUrl(text: string): string {
  return text.replace(/(\/\/[^/@:]*:)[^@/]*@/g, '$1***@');
}

/**
 * Imports a backend's adapter. Adapters and their SDKs are optional peers of the CLI, installed by whoever uses that
 * backend; when either is missing, a `configuration` error names both and the command that installs them.
 */
async function loadAdapter<T>(scheme: string, packages: string[], load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new ConfigurationError(
        `${scheme} needs ${packages.join(' and ')}, which are not installed. Install them next to the CLI: npm install ${packages.join(' ')} (with npx: npx -p @oauth-store/cli ${packages.map((name) => `-p ${name}`).join(' ')} oauth-store ...)`,
        { source: 'store-url' },
      );
    }
    throw error;
  }
}

/**
 * Opens the store a connection string names (see {@link ParsedStoreUrl}). The caller owns the store and closes it.
 * Adapters and backend SDKs load only when their scheme is used.
 */
export async function openStore(text: string): Promise<ByteStore> {
  const parsed = parseStoreUrl(text);
  switch (parsed.backend) {
    case 'memory':
      return new MemoryStore();
    case 'redis':
    case 'redis-cluster': {
      const { createRedisStore } = await loadAdapter(
        `${parsed.backend === 'redis' ? 'redis' : 'redis+cluster'}://`,
        ['@oauth-store/redis', 'redis'],
        () => import('@oauth-store/redis'),
      );
      const common = {
        ...(parsed.keyPrefix !== undefined ? { keyPrefix: parsed.keyPrefix } : {}),
        ...(parsed.commandTimeoutMs !== undefined ? { commandTimeoutMs: parsed.commandTimeoutMs } : {}),
      };
      return parsed.backend === 'redis'
        ? createRedisStore({ url: parsed.url, ...common })
        : createRedisStore({ clusterUrls: parsed.clusterUrls, ...common });
    }
    case 'postgres': {
      const { openPostgresStore } = await loadAdapter(
        'postgres://',
        ['@oauth-store/postgres', 'pg'],
        () => import('@oauth-store/postgres'),
      );
      const { backend: _, ...options } = parsed;
      return openPostgresStore(options);
    }
    case 'pglite': {
      const { openPGliteStore } = await loadAdapter(
        'pglite:',
        ['@oauth-store/postgres', '@electric-sql/pglite'],
        () => import('@oauth-store/postgres'),
      );
      const { backend: _, ...options } = parsed;
      return openPGliteStore(options);
    }
    case 'dynamodb': {
      const { DynamoDbStore } = await loadAdapter(
        'dynamodb://',
        ['@oauth-store/dynamodb', '@aws-sdk/client-dynamodb'],
        () => import('@oauth-store/dynamodb'),
      );
      const local =
        parsed.endpoint !== undefined && /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])[:/]/.test(parsed.endpoint);
      return new DynamoDbStore({
        tableName: parsed.tableName,
        clientConfig: {
          region: parsed.region ?? process.env.AWS_REGION ?? (local ? 'us-east-1' : undefined),
          ...(parsed.endpoint ? { endpoint: parsed.endpoint } : {}),
          // DynamoDB Local accepts any credentials; only a loopback endpoint without configured ones gets dummies.
          ...(local && !process.env.AWS_ACCESS_KEY_ID
            ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
            : {}),
        },
      });
    }
    case 'firestore': {
      const { FirestoreStore } = await loadAdapter(
        'firestore://',
        ['@oauth-store/firestore', '@google-cloud/firestore'],
        () => import('@oauth-store/firestore'),
      );
      // The Firestore SDK switches to emulator mode (no credentials, plaintext) only through this variable.
      if (parsed.emulatorHost) process.env.FIRESTORE_EMULATOR_HOST = parsed.emulatorHost;
      return new FirestoreStore({
        settings: { projectId: parsed.projectId, ...(parsed.databaseId ? { databaseId: parsed.databaseId } : {}) },
        ...(parsed.rootCollection ? { rootCollection: parsed.rootCollection } : {}),
      });
    }
    case 'gcs': {
      const { GcsStore } = await loadAdapter(
        'gcs://',
        ['@oauth-store/gcs', '@google-cloud/storage'],
        () => import('@oauth-store/gcs'),
      );
      return new GcsStore({
        bucket: parsed.bucket,
        ...(parsed.prefix ? { prefix: parsed.prefix } : {}),
        storageOptions: {
          ...(parsed.projectId ? { projectId: parsed.projectId } : {}),
          ...(parsed.apiEndpoint ? { apiEndpoint: parsed.apiEndpoint, useAuthWithCustomEndpoint: false } : {}),
        },
      });
    }
  }
}

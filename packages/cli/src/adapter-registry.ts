import { memoryDescriptor } from './memory-descriptor';

/**
 * One line of {@link ADAPTERS}: what the CLI must know about a backend WITHOUT importing its package (which is an
 * optional peer and may not be installed): the package, the schemes it opens and what to install. Everything else
 * (URL grammar, opening, test server) comes from the package's own `descriptor`, imported on first use.
 */
export interface RegisteredAdapter {
  /** The descriptor's `name`, for messages and tables before the package is loaded. */
  readonly name: string;
  /** The npm package exporting `descriptor` (`@oauth-store/core` for the built-in `memory:`). */
  readonly packageName: string;
  /** Connection-string schemes, without the colon: must equal the descriptor's (a test checks it). */
  readonly schemes: readonly string[];
  /** What `npm install` needs for this backend: must equal the descriptor's `install` (a test checks it). */
  readonly install: readonly string[];
  /**
   * False for connection strings whose store lives inside one process (`memory:`, `pglite:`, `sqlite::memory:`), so
   * commands that start several processes (the demo) can refuse them. Default: shareable.
   */
  readonly shareable?: (connectionString: string) => boolean;
  /**
   * Imports the package lazily: its SDK loads only when its scheme is used. Typed loosely on purpose: an installed
   * package may be older than contract v2 and export no `descriptor`, which `loadDescriptor` reports as such.
   */
  readonly load: () => Promise<object>;
}

/**
 * THE list of backends. The CLI's connection strings, `inspect`, `migrate`, `keys`, the demo and doctor's store
 * option, `pnpm bench` and `pnpm soak` all loop over it; nothing else names a backend. Adding a backend is its package
 * (exporting `descriptor`) plus one line here (and the package as an optional peer of the CLI).
 */
export const ADAPTERS: readonly RegisteredAdapter[] = [
  {
    name: 'memory',
    packageName: '@oauth-store/core',
    schemes: ['memory'],
    install: [],
    shareable: () => false,
    load: async () => ({ descriptor: memoryDescriptor }),
  },
  {
    name: 'redis',
    packageName: '@oauth-store/redis',
    schemes: ['redis', 'rediss', 'redis+cluster', 'rediss+cluster'],
    install: ['@oauth-store/redis', '@redis/client'],
    load: () => import('@oauth-store/redis'),
  },
  {
    name: 'postgres',
    packageName: '@oauth-store/postgres',
    schemes: ['postgres', 'postgresql', 'pglite'],
    install: ['@oauth-store/postgres', 'pg'],
    shareable: (url) => !/^pglite:/i.test(url),
    load: () => import('@oauth-store/postgres'),
  },
  {
    name: 'mysql',
    packageName: '@oauth-store/mysql',
    schemes: ['mysql', 'mariadb'],
    install: ['@oauth-store/mysql', 'mysql2'],
    load: () => import('@oauth-store/mysql'),
  },
  {
    name: 'sqlite',
    packageName: '@oauth-store/sqlite',
    schemes: ['sqlite', 'libsql'],
    install: ['@oauth-store/sqlite', '@libsql/client'],
    shareable: (url) => !/^sqlite::memory:/i.test(url),
    load: () => import('@oauth-store/sqlite'),
  },
  {
    name: 'dynamodb',
    packageName: '@oauth-store/dynamodb',
    schemes: ['dynamodb'],
    install: ['@oauth-store/dynamodb', '@aws-sdk/client-dynamodb'],
    load: () => import('@oauth-store/dynamodb'),
  },
  {
    name: 'firestore',
    packageName: '@oauth-store/firestore',
    schemes: ['firestore'],
    install: ['@oauth-store/firestore', '@google-cloud/firestore'],
    load: () => import('@oauth-store/firestore'),
  },
  {
    name: 'gcs',
    packageName: '@oauth-store/gcs',
    schemes: ['gcs'],
    install: ['@oauth-store/gcs', '@google-cloud/storage'],
    load: () => import('@oauth-store/gcs'),
  },
];

/**
 * `scheme:` of every backend several processes can share (one-process ones such as `memory:` and `pglite:` are left
 * out), one per backend, for help texts and messages that tell the user what to pass.
 */
export const SHAREABLE_SCHEMES: readonly string[] = ADAPTERS.filter(
  (adapter) => adapter.shareable?.(`${adapter.schemes[0]}:x`) ?? true,
).map((adapter) => `${adapter.schemes[0]}:`);

/** The registry entry opening `scheme` (lower case, without the colon), if any. */
export function adapterForScheme(scheme: string): RegisteredAdapter | undefined {
  return ADAPTERS.find((adapter) => adapter.schemes.includes(scheme));
}

/** The registry entry named `name` (a descriptor name such as `redis`), if any. */
export function adapterNamed(name: string): RegisteredAdapter | undefined {
  return ADAPTERS.find((adapter) => adapter.name === name);
}

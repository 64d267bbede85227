/**
 * How the bench runs each backend of the adapter registry (`packages/cli/src/adapter-registry.ts`): where its server
 * comes from and which contenders it measures. The raw client and Keyv's adapter are per database by nature; "ours"
 * is always opened through the registry's descriptor. A test checks that every registry backend (but `memory`) has
 * an entry here, so adding a backend to the registry without a bench row fails the build.
 */
import { ensureBackend, ensureMariaDb, type RunningBackend } from '@oauth-store/test-servers';
import { setupDynamoDb } from './backends/dynamodb';
import { setupFirestore } from './backends/firestore';
import { setupGcs } from './backends/gcs';
import { setupMysql } from './backends/mysql';
import { setupPostgres } from './backends/postgres';
import { setupRedis } from './backends/redis';
import { setupSqlite } from './backends/sqlite';
import type { BackendSetup } from './contender';
import type { CountingKeySource } from './envelope';

/** One backend's bench plan. */
export interface BenchBackend {
  /** The registry name. */
  readonly name: string;
  /** Latency and throughput of raw, ours, ours + envelope and Keyv (else: get/set latency of raw and ours only). */
  readonly full: boolean;
  /** Starts (or finds) its server; its `env` is exported into `process.env` before `setup` runs. */
  start(): Promise<RunningBackend>;
  /** Opens its contenders. */
  setup(value: Uint8Array): Promise<BackendSetup & { keySource?: CountingKeySource }>;
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the harness did not set ${name}`);
  return value;
}

/** Every backend in run order. */
export const BENCH_BACKENDS: readonly BenchBackend[] = [
  {
    name: 'redis',
    full: true,
    start: () => ensureBackend('redis'),
    setup: (value) => setupRedis(required('REDIS_URL'), value),
  },
  {
    name: 'postgres',
    full: true,
    start: () => ensureBackend('postgres'),
    setup: (value) => setupPostgres(required('DATABASE_URL'), value),
  },
  {
    name: 'mysql',
    full: true,
    start: async () => {
      const server = await ensureMariaDb();
      return { env: { MYSQL_URL: server.url }, description: server.description, stop: server.stop };
    },
    setup: (value) => setupMysql(required('MYSQL_URL'), value),
  },
  {
    name: 'sqlite',
    full: true,
    start: async () => ({
      env: {},
      description: 'embedded SQLite (libSQL), a file in a fresh temporary directory',
      stop: async () => {},
    }),
    setup: (value) => setupSqlite(value),
  },
  {
    name: 'dynamodb',
    full: false,
    start: () => ensureBackend('dynamodb'),
    setup: (value) => setupDynamoDb(required('DYNAMODB_ENDPOINT'), value),
  },
  { name: 'firestore', full: false, start: () => ensureBackend('firestore'), setup: (value) => setupFirestore(value) },
  {
    name: 'gcs',
    full: false,
    start: () => ensureBackend('gcs'),
    setup: (value) => setupGcs(required('GCS_FAKE_ENDPOINT'), process.env.GCS_FAKE_BUCKET ?? 'oauth-store-test', value),
  },
];

/**
 * The six backends the soak runs against, each started fresh on loopback and owned by the soak (the faults need
 * the servers' handles), with the faults each one allows and an honest note on whether acknowledged writes must
 * survive those faults.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createTable } from '@oauth-store/dynamodb';
import { openPostgresStore } from '@oauth-store/postgres';
import { providers } from '@oauth-store/test-servers';
// The harness exports only its providers; the handles with kill/pause/restart come from their files.
import { startFakeGcs } from '../../test-servers/src/fakes/gcs/index';
import { startFirestoreEmulator } from '../../test-servers/src/firestore';
import { startPostgresServer } from '../../test-servers/src/postgres';
import { startRedisCluster } from '../../test-servers/src/redis';
import { startDurableRedis } from './durable-redis';
import type { BackendTarget } from './stores';

/** Names of the backends, as the harness providers in packages/test-servers call them. */
export const BACKEND_NAMES = ['redis', 'redis-cluster', 'postgres', 'dynamodb', 'firestore', 'gcs'] as const;
/** One of {@link BACKEND_NAMES}. */
export type BackendName = (typeof BACKEND_NAMES)[number];

/** A fault the soak can inject into a backend. */
export interface Fault {
  name: string;
  /** True when the backend is expected to forget acknowledged writes (an in-memory server restarted). */
  losesData: boolean;
  /** Injects the fault and resolves once the backend is back. */
  inject(): Promise<void>;
}

/** A started backend. */
export interface SoakBackend {
  name: BackendName;
  /** What runs, for the report. */
  description: string;
  target: BackendTarget;
  /** Backend faults, in the order the schedule cycles through them (worker kills are added by the runner). */
  faults: Fault[];
  /** Why acknowledged writes must (or need not) survive this backend's faults. */
  durability: string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A freeze longer than the operation bound, so operations in flight must time out with a typed error. */
function pauseFault(name: string, timeoutMs: number, pause: () => void, resume: () => void): Fault {
  return {
    name,
    losesData: false,
    async inject() {
      pause();
      try {
        await sleep(timeoutMs + 1_000);
      } finally {
        resume();
      }
    },
  };
}

async function redis(timeoutMs: number): Promise<SoakBackend> {
  const server = await startDurableRedis();
  return {
    name: 'redis',
    description: server.description,
    target: { kind: 'redis', url: server.url },
    faults: [
      { name: 'redis SIGKILL + restart', losesData: false, inject: () => server.crashAndRestart() },
      pauseFault('redis SIGSTOP', timeoutMs, server.pause, server.resume),
    ],
    durability: 'durable: AOF with fsync on every write, so a killed server restarts with every acknowledged write',
    stop: () => server.stop(),
  };
}

async function redisCluster(timeoutMs: number): Promise<SoakBackend> {
  const cluster = await startRedisCluster(3);
  const master = cluster.servers[0]!;
  return {
    name: 'redis-cluster',
    description: `Redis Cluster of ${cluster.servers.length} masters (harness, no persistence)`,
    target: { kind: 'redis-cluster', urls: cluster.urls },
    faults: [pauseFault('cluster master SIGSTOP', timeoutMs, master.pause, master.resume)],
    durability:
      'durable within the run: the harness cluster keeps data in memory only, so only faults that keep the process (a frozen master) are injected; crash-restart is covered on standalone Redis',
    stop: () => cluster.stop(),
  };
}

async function postgres(): Promise<SoakBackend> {
  const server = await startPostgresServer();
  const migrator = await openPostgresStore({ connectionString: server.url, table: 'soak' });
  await migrator.close();
  return {
    name: 'postgres',
    description: server.description.replace(/ \(throwaway cluster in [^)]*\)/, ''),
    target: { kind: 'postgres', url: server.url, table: 'soak' },
    faults: [{ name: 'postgres restart (immediate)', losesData: false, inject: () => server.restart('immediate') }],
    durability:
      'durable: committed transactions are in the WAL, which survives a server crash (fsync=off only risks an OS crash)',
    stop: () => server.stop(),
  };
}

async function dynamodb(): Promise<SoakBackend> {
  const provider = providers.dynamodb;
  if (!provider) throw new Error('the harness has no dynamodb provider');
  const running = await provider.startLocal();
  const endpoint = running.env.DYNAMODB_ENDPOINT as string;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    await createTable({ client, tableName: 'soak' });
  } catch (error) {
    await running.stop();
    throw error;
  } finally {
    client.destroy();
  }
  return {
    name: 'dynamodb',
    description: running.description.replace(/ \(dynamodb_local[^)]*\)/, ''),
    target: { kind: 'dynamodb', endpoint, table: 'soak' },
    faults: [],
    durability:
      'durable within the run: DynamoDB Local runs -inMemory and the harness cannot restart it, so only worker kills are injected',
    stop: () => running.stop(),
  };
}

async function firestore(timeoutMs: number): Promise<SoakBackend> {
  const emulator = await startFirestoreEmulator();
  return {
    name: 'firestore',
    description: emulator.description,
    target: { kind: 'firestore', host: emulator.host, rootCollection: 'soak' },
    faults: [
      { name: 'emulator SIGKILL + restart (empty)', losesData: true, inject: () => emulator.restart() },
      pauseFault('emulator SIGSTOP', timeoutMs, emulator.pause, emulator.resume),
    ],
    durability:
      'NOT durable across a restart: the emulator keeps documents in memory, so writes acknowledged before a restart are excused; later ones are checked',
    stop: () => emulator.stop(),
  };
}

async function gcs(): Promise<SoakBackend> {
  const bucket = 'oauth-store-soak';
  const fake = await startFakeGcs({ buckets: [bucket] });
  // The fault lasts until the workers' requests have used it up.
  const inject = (kind: 'unavailable' | 'drop-response', times: number) => async () => {
    for (const method of ['GET', 'POST', 'DELETE']) fake.faults.inject({ kind, method, path: /./, times });
    const deadline = Date.now() + 30_000;
    while (fake.faults.pending > 0 && Date.now() < deadline) await sleep(20);
  };
  return {
    name: 'gcs',
    description: `GCS JSON API fake (not Google's server) on ${fake.endpoint}`,
    target: { kind: 'gcs', endpoint: fake.endpoint, bucket },
    faults: [
      { name: 'fake GCS: 5 × 503 per method', losesData: false, inject: inject('unavailable', 5) },
      { name: 'fake GCS: 3 lost responses per method', losesData: false, inject: inject('drop-response', 3) },
    ],
    durability: 'durable: the fake keeps objects in the soak process, which is never restarted',
    stop: () => fake.close(),
  };
}

/** Starts a backend by name, ready for workers (tables and schemas created). */
export function startBackend(name: BackendName, timeoutMs: number): Promise<SoakBackend> {
  switch (name) {
    case 'redis':
      return redis(timeoutMs);
    case 'redis-cluster':
      return redisCluster(timeoutMs);
    case 'postgres':
      return postgres();
    case 'dynamodb':
      return dynamodb();
    case 'firestore':
      return firestore(timeoutMs);
    case 'gcs':
      return gcs();
  }
}

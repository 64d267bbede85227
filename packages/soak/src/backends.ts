/**
 * The backends the soak runs against (one entry per adapter-registry backend, plus Redis Cluster), each started fresh on loopback and owned by the soak (the faults need
 * the servers' handles), with the faults each one allows and an honest note on whether acknowledged writes must
 * survive those faults.
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type LossyProxy, startLossyProxy } from '@oauth-store/contract-tests';
import { createTable } from '@oauth-store/dynamodb';
import { ensureMariaDb, providers, startMariaDb } from '@oauth-store/test-servers';
// The harness exports only its providers; the handles with kill/pause/restart come from their files.
import { startFakeGcs } from '../../test-servers/src/fakes/gcs/index';
import { startFirestoreEmulator } from '../../test-servers/src/firestore';
import { startPostgresServer } from '../../test-servers/src/postgres';
import { startRedisCluster } from '../../test-servers/src/redis';
import { startDurableRedis } from './durable-redis';
import { type BackendTarget, openAdapter, PROJECT_ID } from './stores';

/** Names of the soak's backends: the adapter registry's (but the one-process `memory`), plus `redis-cluster`. */
export const BACKEND_NAMES = [
  'redis',
  'redis-cluster',
  'postgres',
  'mysql',
  'sqlite',
  'dynamodb',
  'firestore',
  'gcs',
] as const;
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

/**
 * Lost responses: the workers reach the backend through a lossy TCP proxy, which discards every response (commands
 * still reach the backend and are applied) for longer than the operation bound, then resets every connection. A
 * client that retries or resends what it sent meanwhile turns this into double takes or writes applied after they
 * were reported failed.
 */
function lostResponsesFault(proxy: LossyProxy, timeoutMs: number): Fault {
  return {
    name: 'lossy proxy: responses dropped, then connections reset',
    losesData: false,
    async inject() {
      proxy.setMode('drop-responses');
      try {
        await sleep(timeoutMs + 500);
      } finally {
        proxy.resetConnections();
        proxy.setMode('pass');
      }
    },
  };
}

/** `url` with `params` added to its query. */
function withParams(url: string, params: Record<string, string>): string {
  const parsed = new URL(url);
  for (const [name, value] of Object.entries(params)) parsed.searchParams.set(name, value);
  return parsed.href;
}

/** A lossy proxy in front of `host:port` (in `pass` mode), and `address` rewritten to go through it. */
async function proxied(address: string): Promise<{ proxy: LossyProxy; address: string }> {
  const withScheme = address.includes('://') ? address : `tcp://${address}`;
  const url = new URL(withScheme);
  const proxy = await startLossyProxy({ host: url.hostname, port: Number(url.port) });
  url.hostname = '127.0.0.1';
  url.port = String(proxy.port);
  const rewritten = url.toString();
  return {
    proxy,
    address: address.includes('://') ? rewritten.replace(/\/$/, address.endsWith('/') ? '/' : '') : url.host,
  };
}

async function redis(timeoutMs: number): Promise<SoakBackend> {
  const server = await startDurableRedis();
  const { proxy, address } = await proxied(server.url);
  return {
    name: 'redis',
    description: `${server.description}; workers connect through a lossy TCP proxy`,
    target: { kind: 'redis', url: address },
    faults: [
      { name: 'redis SIGKILL + restart', losesData: false, inject: () => server.crashAndRestart() },
      pauseFault('redis SIGSTOP', timeoutMs, server.pause, server.resume),
      lostResponsesFault(proxy, timeoutMs),
    ],
    durability: 'durable: AOF with fsync on every write, so a killed server restarts with every acknowledged write',
    stop: async () => {
      await proxy.close();
      await server.stop();
    },
  };
}

async function redisCluster(timeoutMs: number): Promise<SoakBackend> {
  const cluster = await startRedisCluster(3);
  const master = cluster.servers[0]!;
  return {
    name: 'redis-cluster',
    description: `Redis Cluster of ${cluster.servers.length} masters (harness, no persistence)`,
    target: {
      kind: 'redis',
      url: `redis+cluster://${cluster.urls.map((url) => new URL(url).host).join(',')}`,
    },
    faults: [pauseFault('cluster master SIGSTOP', timeoutMs, master.pause, master.resume)],
    durability:
      'durable within the run: the harness cluster keeps data in memory only, so only faults that keep the process (a frozen master) are injected; crash-restart is covered on standalone Redis',
    stop: () => cluster.stop(),
  };
}

async function postgres(timeoutMs: number): Promise<SoakBackend> {
  const server = await startPostgresServer();
  // Migrated once here, so workers starting together only find the table (their own migration is then a no-op).
  await (await openAdapter({ kind: 'postgres', url: withParams(server.url, { table: 'soak' }) }, 30_000)).close();
  const { proxy, address } = await proxied(server.url);
  return {
    name: 'postgres',
    description: `${server.description.replace(/ \(throwaway cluster in [^)]*\)/, '')}; workers connect through a lossy TCP proxy`,
    target: { kind: 'postgres', url: withParams(address, { table: 'soak' }) },
    faults: [
      { name: 'postgres restart (immediate)', losesData: false, inject: () => server.restart('immediate') },
      lostResponsesFault(proxy, timeoutMs),
    ],
    durability:
      'durable: committed transactions are in the WAL, which survives a server crash (fsync=off only risks an OS crash)',
    stop: async () => {
      await proxy.close();
      await server.stop();
    },
  };
}

async function dynamodb(timeoutMs: number): Promise<SoakBackend> {
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
  const { proxy, address } = await proxied(endpoint);
  return {
    name: 'dynamodb',
    description: `${running.description.replace(/ \(dynamodb_local[^)]*\)/, '')}; workers connect through a lossy TCP proxy`,
    target: { kind: 'dynamodb', url: `dynamodb://${new URL(address).host}?table=soak` },
    faults: [lostResponsesFault(proxy, timeoutMs)],
    durability:
      'durable within the run: DynamoDB Local runs -inMemory and the harness cannot restart it, so only lost responses and worker kills are injected',
    stop: async () => {
      await proxy.close();
      await running.stop();
    },
  };
}

async function firestore(timeoutMs: number): Promise<SoakBackend> {
  const emulator = await startFirestoreEmulator();
  const { proxy, address } = await proxied(emulator.host);
  return {
    name: 'firestore',
    description: `${emulator.description}; workers connect through a lossy TCP proxy`,
    target: { kind: 'firestore', url: `firestore://${PROJECT_ID}?emulator=${address}&root=soak` },
    faults: [
      { name: 'emulator SIGKILL + restart (empty)', losesData: true, inject: () => emulator.restart() },
      pauseFault('emulator SIGSTOP', timeoutMs, emulator.pause, emulator.resume),
      lostResponsesFault(proxy, timeoutMs),
    ],
    durability:
      'NOT durable across a restart: the emulator keeps documents in memory, so writes acknowledged before a restart are excused; later ones are checked',
    stop: async () => {
      await proxy.close();
      await emulator.stop();
    },
  };
}

async function gcs(timeoutMs: number): Promise<SoakBackend> {
  const bucket = 'oauth-store-soak';
  const fake = await startFakeGcs({ buckets: [bucket] });
  // The fault lasts until the workers' requests have used it up.
  const inject = (kind: 'unavailable' | 'drop-response', times: number) => async () => {
    for (const method of ['GET', 'POST', 'DELETE']) fake.faults.inject({ kind, method, path: /./, times });
    const deadline = Date.now() + 30_000;
    while (fake.faults.pending > 0 && Date.now() < deadline) await sleep(20);
  };
  const { proxy, address } = await proxied(fake.endpoint);
  return {
    name: 'gcs',
    description: `GCS JSON API fake (not Google's server) on ${fake.endpoint}; workers connect through a lossy TCP proxy`,
    target: {
      kind: 'gcs',
      url: `gcs://${bucket}?endpoint=${encodeURIComponent(address.replace(/\/$/, ''))}&project=${PROJECT_ID}`,
    },
    faults: [
      { name: 'fake GCS: 5 × 503 per method', losesData: false, inject: inject('unavailable', 5) },
      { name: 'fake GCS: 3 lost responses per method', losesData: false, inject: inject('drop-response', 3) },
      lostResponsesFault(proxy, timeoutMs),
    ],
    durability: 'durable: the fake keeps objects in the soak process, which is never restarted',
    stop: async () => {
      await proxy.close();
      await fake.close();
    },
  };
}

async function mysql(timeoutMs: number): Promise<SoakBackend> {
  // A throwaway MariaDB the soak may restart; where none can start (no mariadbd), the machine's or MYSQL_URL's server
  // without the restart fault.
  let server: { url: string; description: string; stop(): Promise<void>; restart?: () => Promise<void> };
  try {
    server = await startMariaDb();
  } catch {
    server = await ensureMariaDb();
  }
  const url = withParams(server.url, { table: `soak_${Date.now().toString(36)}` });
  await (await openAdapter({ kind: 'mysql', url }, 30_000)).close();
  const { proxy, address } = await proxied(url);
  const restart = server.restart;
  return {
    name: 'mysql',
    description: `${server.description}; workers connect through a lossy TCP proxy`,
    target: { kind: 'mysql', url: address },
    faults: [
      ...(restart ? [{ name: 'mariadbd restart (SIGTERM, start)', losesData: false, inject: () => restart() }] : []),
      lostResponsesFault(proxy, timeoutMs),
    ],
    durability: 'durable: InnoDB commits are in its redo log, which survives a server restart',
    stop: async () => {
      await proxy.close();
      await server.stop();
    },
  };
}

async function sqlite(_timeoutMs: number): Promise<SoakBackend> {
  const dir = await mkdtemp(join(tmpdir(), 'oauth-store-soak-sqlite-'));
  const url = `sqlite:${join(dir, 'soak.db')}`;
  await (await openAdapter({ kind: 'sqlite', url }, 30_000)).close();
  return {
    name: 'sqlite',
    description: 'SQLite file (WAL, synchronous=FULL) shared by the worker processes on this host',
    target: { kind: 'sqlite', url },
    // The fault SQLite is there for is a process killed mid-write: the runner's worker kills (SIGKILL) are it.
    faults: [],
    durability:
      'durable: a write is in the WAL (fsynced) when it resolves, so a worker killed mid-write loses only writes it never acknowledged',
    stop: () => rm(dir, { recursive: true, force: true }),
  };
}

/** How each backend starts, by name. */
const STARTERS: Record<BackendName, (timeoutMs: number) => Promise<SoakBackend>> = {
  redis,
  'redis-cluster': redisCluster,
  postgres,
  mysql,
  sqlite,
  dynamodb,
  firestore,
  gcs,
};

/** Starts a backend by name, ready for workers (tables and schemas created). */
export function startBackend(name: BackendName, timeoutMs: number): Promise<SoakBackend> {
  return STARTERS[name](timeoutMs);
}

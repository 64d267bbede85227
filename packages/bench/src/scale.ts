/**
 * The memory side of issue 16: "listing or migrating 100,000 clients keeps the heap flat (report the peak)". Clients
 * are registered through `ClientStore` in PostgreSQL (ours, opened through the registry), then listed page by page
 * with `listClients` and migrated to Redis with the CLI's `migrate`, while a sampler records the JavaScript heap every
 * 10 ms. The same is done with a tenth of the clients first: a flat heap means the peak above the starting heap does
 * not grow with the number of clients (a run that held every client would need ten times more at the larger size).
 */
import { randomBytes } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { migrate } from '@oauth-store/cli';
import { type ByteStore, ClientStore } from '@oauth-store/core';
import { openRegistered } from './backends/registry-store';
import type { PhasePeak, ScaleResult, ScaleSize } from './scale-result';

export type { PhasePeak, ScaleResult, ScaleSize } from './scale-result';

const PAGE_SIZE = 200;
const WRITE_CONCURRENCY = 64;
const SAMPLE_MS = 10;
/** How often the retained heap is sampled (a forced full collection, then the heap in use). */
const RETAINED_SAMPLE_MS = 250;

/** V8's `gc()`, so each phase starts from a collected heap (the flag is set at run time; tsx gives no CLI flag). */
function collector(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

async function measurePhase(gc: () => void, work: () => Promise<void>): Promise<PhasePeak> {
  gc();
  const startBytes = process.memoryUsage().heapUsed;
  let peakBytes = startBytes;
  let retainedPeakBytes = startBytes;
  const retained = () => {
    gc();
    retainedPeakBytes = Math.max(retainedPeakBytes, process.memoryUsage().heapUsed);
  };
  const sampler = setInterval(() => {
    peakBytes = Math.max(peakBytes, process.memoryUsage().heapUsed);
  }, SAMPLE_MS);
  const retainedSampler = setInterval(retained, RETAINED_SAMPLE_MS);
  const started = performance.now();
  try {
    await work();
  } finally {
    clearInterval(sampler);
    clearInterval(retainedSampler);
  }
  const seconds = (performance.now() - started) / 1000;
  peakBytes = Math.max(peakBytes, process.memoryUsage().heapUsed);
  retained();
  return { startBytes, peakBytes, retainedPeakBytes, seconds };
}

/** A client as a DCR request registers it: about 400 bytes of metadata. */
function clientMetadata(index: number) {
  return {
    client_id: `scale-${index.toString(36).padStart(6, '0')}-${randomBytes(6).toString('hex')}`,
    client_name: `Scale test client ${index}`,
    redirect_uris: [`https://app-${index}.example.com/oauth/callback`, `http://127.0.0.1:${1024 + (index % 60000)}/cb`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
    scope: 'mcp:tools mcp:resources offline_access',
  };
}

async function register(clients: ClientStore, count: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < count) await clients.registerClient(clientMetadata(next++));
  };
  await Promise.all(Array.from({ length: WRITE_CONCURRENCY }, worker));
}

async function runSize(postgresUrl: string, redisUrl: string, clients: number, gc: () => void): Promise<ScaleSize> {
  const tag = randomBytes(4).toString('hex');
  const source = await openRegistered('postgres', withParameter(postgresUrl, 'table', `bench_scale_${tag}`));
  let target: ByteStore | undefined;
  try {
    const store = new ClientStore(source);
    await register(store, clients);
    let listed = 0;
    const list = await measurePhase(gc, async () => {
      let cursor: string | undefined;
      do {
        const page = await store.listClients({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        listed += page.clients.length;
        cursor = page.cursor;
      } while (cursor);
    });
    target = await openRegistered('redis', withParameter(redisUrl, 'prefix', `scale${tag}:`));
    let migrated = 0;
    const migration = await measurePhase(gc, async () => {
      const result = await migrate(source, target as ByteStore, {
        collections: ['oauth-clients'],
        pageSize: PAGE_SIZE,
      });
      migrated = result.collections[0]?.copied ?? 0;
    });
    return { clients, listed, migrated, list, migrate: migration };
  } finally {
    await target?.close();
    await source.close();
  }
}

function withParameter(url: string, name: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(name, value);
  return parsed.toString();
}

/** Runs a tenth of `clients` and then `clients`, each in fresh tables and prefixes. */
export async function measureScale(postgresUrl: string, redisUrl: string, clients: number): Promise<ScaleResult> {
  const gc = collector();
  const small = await runSize(postgresUrl, redisUrl, Math.max(1, Math.round(clients / 10)), gc);
  const full = await runSize(postgresUrl, redisUrl, clients, gc);
  return { small, full, pageSize: PAGE_SIZE };
}

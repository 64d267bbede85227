// One fetch per document per fleet: 8 OS processes, each with its own connection to the shared store, miss the same
// cold document at the same moment; the document host sees exactly one request. The control run (a per-process
// MemoryStore in each, as frameworks cache today) sees one request per process, so the test can fail.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tsxChildOptions } from '@oauth-store/contract-tests';
import { type DocumentServer, documentFor, startDocumentServer } from './support/document-server';
import { BACKENDS } from './support/stores';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'fixtures', 'resolve-worker.ts');
const TSCONFIG = join(here, '..', '..', 'contract-tests', 'tsconfig.child.json');
const PROCESSES = 8;

interface Worker {
  child: ChildProcess;
  ready: Promise<void>;
  done: Promise<{ clientId: string; events: string[] }>;
}

function startWorker(config: object): Worker {
  const options = tsxChildOptions({ tsconfig: TSCONFIG });
  const child = spawn(process.execPath, [...(options.execArgv ?? []), WORKER, JSON.stringify(config)], {
    cwd: join(here, '..'),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
    if (stdout.startsWith('ready\n')) signalReady();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<{ clientId: string; events: string[] }>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': 'exit' can come before the last stdout chunk is read (it did once in CI under load: exit
    // code 0, no JSON line yet).
    child.once('close', (code, signal) => {
      const last = stdout.trim().split('\n').at(-1) ?? '';
      if (code === 0 && last.startsWith('{')) resolve(JSON.parse(last));
      else reject(new Error(`worker exited with ${code ?? signal}: ${stderr.slice(0, 2000)}`));
    });
  });
  return { child, ready, done };
}

/** Starts the workers, waits until every one is connected, then releases them at once. */
async function runFleet(config: object): Promise<Array<{ clientId: string; events: string[] }>> {
  const workers = Array.from({ length: PROCESSES }, () => startWorker(config));
  children.push(...workers.map((worker) => worker.child));
  await Promise.all(workers.map((worker) => worker.ready));
  for (const worker of workers) worker.child.stdin?.write('go\n');
  return Promise.all(workers.map((worker) => worker.done));
}

let server: DocumentServer;
const children: ChildProcess[] = [];
beforeAll(async () => {
  server = await startDocumentServer();
});
afterAll(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
  await server?.close();
});

describe(`${PROCESSES} processes resolve the same cold document at once`, () => {
  it.each(BACKENDS)(
    'over %s: exactly one HTTP fetch, every process gets the client',
    async (backend) => {
      const path = `/fleet/${backend}-${randomBytes(4).toString('hex')}.json`;
      // A slow host (1.5 s) so every process misses while the one fetch is in flight.
      const url = server.serve(path, {
        body: (u) => documentFor(u),
        delayMs: 1500,
        headers: { 'cache-control': 'max-age=600' },
      });
      const results = await runFleet({
        backend,
        clientId: url,
        collection: `cimd-fleet-${randomBytes(4).toString('hex')}`,
      });
      expect(results.map((result) => result.clientId)).toEqual(Array(PROCESSES).fill(url));
      expect(server.hits.get(path)).toBe(1);
      expect(results.flatMap((result) => result.events).filter((type) => type === 'fetch')).toHaveLength(1);
      expect(results.flatMap((result) => result.events).filter((type) => type === 'waited').length).toBeGreaterThan(0);
    },
    60_000,
  );

  it('control: per-process memory caches fetch once per process', async () => {
    const path = `/fleet/memory-${randomBytes(4).toString('hex')}.json`;
    const url = server.serve(path, { body: (u) => documentFor(u), delayMs: 300 });
    const results = await runFleet({ backend: 'memory', clientId: url, collection: 'cimd-fleet' });
    expect(results.map((result) => result.clientId)).toEqual(Array(PROCESSES).fill(url));
    expect(server.hits.get(path)).toBe(PROCESSES);
  }, 60_000);
});

// Compare-and-set across OS processes: in every round, 4 child processes (each with its own store and connections)
// write under the same `ifVersion` at once; exactly one succeeds, and the stored value is the winner's.
import { type ChildProcess, fork } from 'node:child_process';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ChildStoreConfig } from './fixtures/child-store';
import { clusterUrls, freshPrefix, StoreFactory, standaloneUrl } from './support';

const WORKERS = 4;
const ROUNDS = 15;
const workerModule = new URL('./fixtures/cas-worker.ts', import.meta.url).pathname;
const childTsconfig = new URL('../tsconfig.child.json', import.meta.url).pathname;

interface Result {
  type: 'result' | 'ready';
  round?: number;
  won?: boolean;
  error?: string;
}

/** A forked worker and its inbox. */
class Worker {
  readonly inbox: Result[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly child: ChildProcess;
  #ended = false;

  constructor(config: ChildStoreConfig, id: string) {
    this.child = fork(workerModule, [JSON.stringify(config), id], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TSX_TSCONFIG_PATH: childTsconfig },
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (message: Result) => {
      this.inbox.push(message);
      this.#wake();
    });
    this.child.on('exit', () => {
      this.#ended = true;
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  async next(type: Result['type']): Promise<Result> {
    for (;;) {
      const index = this.inbox.findIndex((message) => message.type === type);
      if (index >= 0) return this.inbox.splice(index, 1)[0] as Result;
      if (this.#ended) throw new Error(`worker exited before sending ${type}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  kill(): void {
    if (this.child.exitCode === null) this.child.kill('SIGKILL');
  }
}

const variants: Array<{
  name: string;
  kind: 'url' | 'ioredis-cluster';
  config: () => Omit<ChildStoreConfig, 'keyPrefix'>;
}> = [
  { name: 'standalone, node-redis', kind: 'url', config: () => ({ client: 'node-redis', url: standaloneUrl() }) },
  {
    name: 'cluster, ioredis',
    kind: 'ioredis-cluster',
    config: () => ({ client: 'ioredis', clusterUrls: clusterUrls() }),
  },
];

describe.each(variants)('compare-and-set across processes ($name)', ({ kind, config }) => {
  const keyPrefix = freshPrefix('cas-race');
  const factory = new StoreFactory(kind, { keyPrefix, commandTimeoutMs: 15_000 });
  const workers: Worker[] = [];
  afterAll(async () => {
    for (const worker of workers) worker.kill();
    await factory.closeAll();
  });

  it(`exactly one of ${WORKERS} processes wins each of ${ROUNDS} rounds`, async () => {
    const store = await factory.create();
    for (let i = 0; i < WORKERS; i++) {
      workers.push(new Worker({ ...config(), keyPrefix, commandTimeoutMs: 15_000 }, `worker-${i}`));
    }
    await Promise.all(workers.map((worker) => worker.next('ready')));
    for (let round = 0; round < ROUNDS; round++) {
      const key = `client-${round}`;
      await store.set('clients', key, new TextEncoder().encode('initial'));
      const before = await store.getEntry('clients', key);
      if (!before) throw new Error('the initial entry is missing');
      for (const worker of workers) {
        worker.child.send({ type: 'round', round, collection: 'clients', key, version: before.version });
      }
      const results = await Promise.all(workers.map((worker) => worker.next('result')));
      expect(results.filter((result) => result.error)).toEqual([]);
      const winners = results.flatMap((result, index) => (result.won ? [index] : []));
      expect(winners).toHaveLength(1);
      const after = await store.getEntry('clients', key);
      expect(new TextDecoder().decode(after?.value)).toBe(`worker-${winners[0]}`);
      expect(after?.version).not.toBe(before.version);
    }
    for (const worker of workers) worker.child.send({ type: 'stop' });
  }, 120_000);
});

// The cross-process compare-and-set race of the adapters' own tests (postgres, mysql, sqlite, dynamodb, firestore,
// gcs): one copy here, each package's test calls casRaceTests with its own process factory. Stricter than the published suite's race
// (runCompareAndSetRaceTests): an IPC barrier makes every worker read the same version before any writes, and a
// compare-and-set counter shows no update is lost under retries.
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';

const here = dirname(fileURLToPath(import.meta.url));

interface Reply {
  type: string;
  [field: string]: unknown;
}

/** One forked worker process and a queue of its replies. */
class Worker {
  readonly #inbox: Reply[] = [];
  readonly #waiters: Array<() => void> = [];
  #exit: string | undefined;
  #stderr = '';
  readonly child: ChildProcess;

  constructor(modulePath: string, config: unknown, index: number, tsconfig: string) {
    this.child = fork(join(here, 'cas-worker.ts'), [modulePath, JSON.stringify(config), String(index)], {
      execArgv: ['--import', 'tsx'],
      env: { ...process.env, TSX_TSCONFIG_PATH: tsconfig },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2000);
    });
    this.child.on('message', (reply: Reply) => {
      this.#inbox.push(reply);
      this.#wake();
    });
    this.child.on('exit', (code, signal) => {
      this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  send(command: Record<string, unknown>): void {
    this.child.send(command);
  }

  async next(type: string): Promise<Reply> {
    for (;;) {
      const at = this.#inbox.findIndex((reply) => reply.type === type || reply.type === 'error');
      if (at >= 0) {
        const [reply] = this.#inbox.splice(at, 1) as [Reply];
        if (reply.type === 'error') throw new Error(`worker failed: ${reply.name} ${reply.code} ${reply.message}`);
        return reply;
      }
      if (this.#exit) throw new Error(`worker ended (${this.#exit}) before '${type}': ${this.#stderr}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async stop(): Promise<void> {
    if (this.#exit) return;
    this.send({ type: 'exit', collection: '', key: '' });
    const killer = setTimeout(() => this.child.kill('SIGKILL'), 10_000);
    while (!this.#exit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
    clearTimeout(killer);
  }
}

/** Where the workers get their store: a module exporting `createStore(config)`, loaded through tsx. */
export interface CasRaceTarget {
  /** Shown in the test titles. */
  name: string;
  /** Absolute path of the module exporting `createStore(config)`. */
  module: string;
  /** JSON-safe argument of `createStore`. */
  config: unknown;
  /** tsconfig.json the children's tsx uses. */
  tsconfig: string;
  /** A store in this (the parent) process on the same data. */
  open: () => Promise<ByteStore>;
  /** Worker processes. Default 4. */
  workers?: number;
  /** Rounds of the barrier race. Default 25. */
  rounds?: number;
  /** Increments per worker in the counter race. Default 25. */
  increments?: number;
}

/**
 * Compare-and-set races between processes: (1) every worker reads the same version, then all write with it at once
 * (in three rounds of four, one worker, a different one each round, deletes on that version instead): exactly one wins
 * each round, and what is stored is the winner's value, or nothing when the winner deleted; (2) a read-modify-write counter incremented by every
 * worker with compare-and-set retries ends at exactly the sum of the increments (no lost update).
 */
export function casRaceTests(target: CasRaceTarget): void {
  const workerCount = target.workers ?? 4;
  describe(`compare-and-set race between ${workerCount} processes on ${target.name}`, () => {
    let workers: Worker[] = [];
    let store: ByteStore;
    const collection = `cas-race-${process.pid}-${Date.now()}`;

    beforeAll(async () => {
      store = await target.open();
      workers = Array.from(
        { length: workerCount },
        (_, i) => new Worker(target.module, target.config, i, target.tsconfig),
      );
      await Promise.all(workers.map((worker) => worker.next('ready')));
    }, 60_000);

    afterAll(async () => {
      await Promise.all(workers.map((worker) => worker.stop()));
      await store?.close();
    }, 30_000);

    it('exactly one process wins each round of set/delete on one version, and what is stored is the winner’s', async () => {
      const rounds = target.rounds ?? 25;
      for (let round = 0; round < rounds; round++) {
        const key = `round-${round}`;
        await store.set(collection, key, Buffer.from('initial'));
        const version = (await store.getEntry(collection, key))?.version;
        for (const worker of workers) worker.send({ type: 'read', collection, key });
        const reads = await Promise.all(workers.map((worker) => worker.next('read')));
        expect(reads.map((reply) => reply.version)).toEqual(workers.map(() => version));
        const deleter = round % 4 === 3 ? -1 : round % workerCount;
        workers.forEach((worker, index) => {
          worker.send({ type: 'write', collection, key, remove: index === deleter });
        });
        const writes = await Promise.all(workers.map((worker) => worker.next('wrote')));
        const winners = writes.flatMap((reply, index) => (reply.ok === true ? [index] : []));
        expect(winners).toHaveLength(1);
        const stored = await store.getEntry(collection, key);
        if (winners[0] === deleter) expect(stored).toBeUndefined();
        else {
          expect(Buffer.from(stored?.value ?? []).toString()).toBe(`worker-${winners[0]}`);
          expect(stored?.version).not.toBe(version);
        }
      }
    }, 120_000);

    it('a compare-and-set counter incremented by every process loses no update', async () => {
      const increments = target.increments ?? 25;
      const key = 'counter';
      await store.set(collection, key, Buffer.from('0'));
      for (const worker of workers) worker.send({ type: 'count', collection, key, times: increments });
      const replies = await Promise.all(workers.map((worker) => worker.next('counted')));
      const stored = await store.get(collection, key);
      expect(Buffer.from(stored ?? []).toString()).toBe(String(workerCount * increments));
      // The processes really raced: some compare-and-sets lost and retried.
      expect(replies.reduce((sum, reply) => sum + Number(reply.conflicts), 0)).toBeGreaterThan(0);
    }, 120_000);
  });
}

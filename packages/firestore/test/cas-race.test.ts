// Compare-and-set across processes (issue 11): 4 OS processes, each with its own client, race conditional writes and
// deletes on the same keys against the same version, against the patched emulator. Each decides on the record it read
// and commits with a precondition on that read's update time (no transactions: the emulator does not isolate them), so
// exactly one may win each round, and what is stored afterwards is the winner's.
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FirestoreStore } from '../src/index';
import type { CasMove, CasOutcome } from './fixtures/cas-worker';
import type { ChildStoreConfig } from './fixtures/child-store';
import { emulatorHost, freshRoot, newStore, PROJECT_ID } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = 4;
const ROUNDS = 24;

const rootCollection = freshRoot();
let store: FirestoreStore;
beforeAll(() => {
  store = newStore({ rootCollection, timeoutMs: 20_000 });
});
afterAll(() => store.close());

/** Forks one worker and resolves once its store is connected. */
function startWorker(id: number, config: ChildStoreConfig): Promise<ChildProcess> {
  const child = fork(join(here, 'fixtures', 'cas-worker.ts'), [String(id), JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', 'tsconfig.json') },
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    child.once('message', () => resolve(child));
    child.once('exit', (code) => reject(new Error(`cas worker ${id} exited with ${code} before it was ready`)));
  });
}

function outcomesOf(child: ChildProcess): Promise<CasOutcome[]> {
  return new Promise((resolve, reject) => {
    child.once('message', (message: { outcomes: CasOutcome[] }) => resolve(message.outcomes));
    child.once('exit', (code) => reject(new Error(`cas worker exited with ${code} before reporting`)));
  });
}

describe('firestore (patched emulator): compare-and-set race across 4 processes', () => {
  it(`exactly one winner per round over ${ROUNDS} rounds of ifVersion set/delete`, async () => {
    const config: ChildStoreConfig = {
      emulatorHost: emulatorHost(),
      projectId: PROJECT_ID,
      rootCollection,
      operationTimeoutMs: 20_000,
    };
    const workers = await Promise.all(Array.from({ length: WORKERS }, (_, id) => startWorker(id, config)));
    try {
      const collection = `cas-${freshRoot()}`;
      const keys = Array.from({ length: ROUNDS }, (_, round) => `round-${round}`);
      const versions = await Promise.all(
        keys.map(async (key) => {
          await store.set(collection, key, Buffer.from('initial'));
          return (await store.getEntry(collection, key))?.version as string;
        }),
      );
      // Every round one worker deletes and the others set (a different one each round); in every 4th round all set.
      const movesOf = (id: number): CasMove[] =>
        keys.map((key, round) => ({
          key,
          version: versions[round] as string,
          op: round % 4 !== 3 && round % WORKERS === id ? 'delete' : 'set',
        }));
      const pending = workers.map(outcomesOf);
      workers.forEach((child, id) => {
        child.send({ collection, moves: movesOf(id) });
      });
      const outcomes = await Promise.all(pending);
      for (const [round, key] of keys.entries()) {
        const perWorker = outcomes.map((list) => list[round]);
        expect(perWorker.filter((o) => o && 'error' in o)).toEqual([]);
        const winners = perWorker.flatMap((o, id) => (o && 'won' in o && o.won ? [id] : []));
        expect(winners).toHaveLength(1);
        const winner = winners[0] as number;
        const stored = await store.getEntry(collection, key);
        if (movesOf(winner)[round]?.op === 'delete') {
          expect(stored).toBeUndefined();
        } else {
          expect(Buffer.from(stored?.value ?? []).toString()).toBe(`worker-${winner}`);
          expect(stored?.version).not.toBe(versions[round]);
        }
      }
    } finally {
      for (const child of workers) child.kill();
    }
  });
});

// Compare-and-set across processes (issue 11): 4 OS processes, each with its own SDK clients, race conditional writes
// and deletes on the same keys against the same version, through the real SDK to the harness's GCS server (the
// wire-level FAKE unless GCS_FAKE_ENDPOINT says otherwise). Each decides on the version it downloaded together with
// the object's generation, and the write or delete applies only if that generation is still live
// (`ifGenerationMatch`), so exactly one may win each round and what is stored afterwards is the winner's.
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { GcsStore } from '../src/index';
import type { CasMove, CasOutcome } from './fixtures/cas-worker';
import type { ProcessStoreConfig } from './fixtures/process-store';
import { endpoint, freshBucket, newStore, randomCollection } from './support';

const here = dirname(fileURLToPath(import.meta.url));
const WORKERS = 4;
const ROUNDS = 24;

let bucket: string;
let store: GcsStore;
beforeAll(async () => {
  bucket = await freshBucket();
  store = newStore(bucket);
});
afterAll(() => store.close());

/** Forks one worker and resolves once its store answered a first read. */
function startWorker(id: number, config: ProcessStoreConfig): Promise<ChildProcess> {
  const child = fork(join(here, 'fixtures', 'cas-worker.ts'), [String(id), JSON.stringify(config)], {
    execArgv: ['--import', 'tsx'],
    env: { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', '..', 'contract-tests', 'tsconfig.child.json') },
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

describe('gcs (wire-level GCS fake): compare-and-set race across 4 processes', () => {
  it(`exactly one winner per round over ${ROUNDS} rounds of ifVersion set/delete`, async () => {
    const config: ProcessStoreConfig = { apiEndpoint: endpoint(), bucket };
    const workers = await Promise.all(Array.from({ length: WORKERS }, (_, id) => startWorker(id, config)));
    try {
      const collection = randomCollection();
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

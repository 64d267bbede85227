// Conditional create and take racing between processes on short-lived keys, the way authorization codes are issued
// and redeemed: no value may be taken twice, and every value taken must come from a create that reported it wrote.
import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { TakeStrategy } from '../src/index';
import { type ChildStoreConfig, createStore } from './fixtures/process-factory';
import { adminPool, dropTable, mysqlUrl, uniqueName } from './helpers';

const here = dirname(fileURLToPath(import.meta.url));
const admin = adminPool();
const tables: string[] = [];
const PROCESSES = 4;
const RUN_MS = 4_000;
const SLOT_MS = 20;
/**
 * Rounds each of a worker's loops runs at least, however long they take: a fixed wall time alone gave 32 values on a
 * machine at load ~45 (the workers start late and each round is slow), failing the "really raced" check below.
 */
const MIN_ROUNDS = 30;

afterAll(async () => {
  for (const table of tables) await dropTable(admin, table);
  await admin.end();
});

interface Report {
  created: string[];
  taken: string[];
}

function runWorker(config: ChildStoreConfig, index: number): Promise<Report> {
  return new Promise((resolve, reject) => {
    const child = fork(
      join(here, 'fixtures', 'create-take-worker.ts'),
      [JSON.stringify(config), String(index), String(RUN_MS), String(SLOT_MS), String(MIN_ROUNDS)],
      {
        execArgv: ['--import', 'tsx'],
        env: { ...process.env, TSX_TSCONFIG_PATH: join(here, '..', 'tsconfig.json') },
        stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      },
    );
    let report: Report | undefined;
    child.on('message', (message: Report) => {
      report = message;
    });
    // 'close', not 'exit': the IPC channel can still hold the report when 'exit' comes.
    child.on('close', (code) => (report ? resolve(report) : reject(new Error(`worker ${index} exited with ${code}`))));
  });
}

for (const takeStrategy of ['delete-returning', 'locking-read'] as TakeStrategy[]) {
  describe(`conditional create + take between ${PROCESSES} processes (${takeStrategy})`, () => {
    it('takes every value at most once, and only values whose create reported true', async () => {
      const config: ChildStoreConfig = { url: mysqlUrl(), table: uniqueName('create_take'), takeStrategy };
      tables.push(config.table);
      const store = await createStore(config);
      await store.migrate();
      await store.close();

      const reports = await Promise.all(Array.from({ length: PROCESSES }, (_, i) => runWorker(config, i)));
      const created = new Set(reports.flatMap((report) => report.created));
      const taken = reports.flatMap((report) => report.taken);
      const counts = new Map<string, number>();
      for (const value of taken) counts.set(value, (counts.get(value) ?? 0) + 1);

      expect([...counts].filter(([, count]) => count > 1)).toEqual([]);
      expect(taken.filter((value) => !created.has(value))).toEqual([]);
      // Every created value was taken: its creator takes the same key right after, unless another process got it first.
      expect(taken.length).toBe(created.size);
      // The processes really raced: values went round, and some were taken by a process other than their creator.
      expect(taken.length).toBeGreaterThanOrEqual(MIN_ROUNDS);
      const takenElsewhere = reports.flatMap((report, index) =>
        report.taken.filter((value) => !value.startsWith(`worker-${index}-`)),
      );
      expect(takenElsewhere.length).toBeGreaterThan(0);
    }, 120_000);
  });
}

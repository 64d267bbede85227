// increment from several OS processes at once, each with its own Redis connection: every count from 1 to the total
// is handed out exactly once, and the counter ends at exactly processes x increments.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tsxChildOptions } from '@oauth-store/contract-tests';
import type { ByteStore } from '@oauth-store/core';
import { createSecondaryStorage } from '../src/index';
import { openStore } from './support/stores';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'fixtures', 'increment-worker.ts');
const TSCONFIG = join(here, '..', '..', 'contract-tests', 'tsconfig.child.json');
const PROCESSES = 4;
const INCREMENTS = 60;

/** One child: resolves with its stdout lines once it has exited with code 0. */
function startWorker(config: object): { child: ChildProcess; ready: Promise<void>; done: Promise<string[]> } {
  const options = tsxChildOptions({ tsconfig: TSCONFIG });
  const child = spawn(process.execPath, [...(options.execArgv ?? []), WORKER, JSON.stringify(config)], {
    cwd: join(here, '..'),
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let stderr = '';
  let signalReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    signalReady = resolve;
  });
  let buffered = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    let newline = buffered.indexOf('\n');
    while (newline >= 0) {
      const line = buffered.slice(0, newline);
      buffered = buffered.slice(newline + 1);
      lines.push(line);
      if (line === 'ready') signalReady();
      newline = buffered.indexOf('\n');
    }
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<string[]>((resolve, reject) => {
    child.once('error', reject);
    // 'close', not 'exit': 'exit' can come before the last stdout lines are read.
    child.once('close', (code, signal) => {
      if (code === 0) resolve(lines);
      else reject(new Error(`worker exited with ${code ?? signal}: ${stderr.slice(0, 2000)}`));
    });
  });
  return { child, ready, done };
}

describe('increment across OS processes', () => {
  let store: ByteStore;
  const children: ChildProcess[] = [];
  beforeAll(async () => {
    store = await openStore('redis');
  });
  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await store?.close();
  });

  it(`${PROCESSES} processes x ${INCREMENTS} increments: every count handed out once, final count exact`, async () => {
    const url = process.env.REDIS_URL;
    if (!url) throw new Error('REDIS_URL is not set: the jest global setup should have started redis-server');
    const collection = `xp-${randomBytes(4).toString('hex')}`;
    const key = 'rate-limit:198.51.100.7/sign-in/email';
    const workers = Array.from({ length: PROCESSES }, () =>
      startWorker({ url, collection, key, increments: INCREMENTS, concurrency: 4, ttlSeconds: 300 }),
    );
    children.push(...workers.map((worker) => worker.child));
    const timeout = setTimeout(() => {
      for (const child of children) child.kill('SIGKILL');
    }, 45_000);
    try {
      // Start together: every child has connected before any increments.
      await Promise.all(workers.map((worker) => worker.ready));
      for (const worker of workers) worker.child.stdin?.write('go\n');
      const outputs = await Promise.all(workers.map((worker) => worker.done));
      const reports = outputs.map((lines) => JSON.parse(lines.at(-1) ?? '{}') as { counts: number[]; ms: number });
      const perProcess = reports.map((report) => report.counts);
      console.log(`increments per process took ${reports.map((report) => report.ms).join(', ')} ms`);

      const total = PROCESSES * INCREMENTS;
      const all = perProcess.flat().sort((x, y) => x - y);
      expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1));
      const storage = createSecondaryStorage(store, { collection });
      expect(await storage.get(key)).toBe(String(total));
      // The processes really raced: their count ranges overlap rather than running one after another.
      const ranges = perProcess.map((counts) => [Math.min(...counts), Math.max(...counts)] as const);
      const overlapping = ranges.filter(([low], i) =>
        ranges.some(([otherLow, otherHigh], j) => i !== j && low > otherLow && low < otherHigh),
      );
      expect(overlapping.length).toBeGreaterThan(0);
      expect(await storage.increment(key, 300)).toBe(total + 1);
    } finally {
      clearTimeout(timeout);
    }
  }, 60_000);
});

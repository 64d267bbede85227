/**
 * One backend's soak: start the backend, start the workers, inject faults on a schedule while the workload runs,
 * stop the workers, read back every acknowledged client, and run the checkers over the logs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendName, type Fault, startBackend } from './backends';
import type { BrokenKind } from './broken';
import { check, expectedClients, type FaultRecord, type Findings, passed } from './checks';
import { readLog } from './log';
import type { StoreConfig } from './stores';
import { readBackClients } from './verify';
import { WorkerProcess } from './workers';

/** Knobs of a soak run. */
export interface SoakOptions {
  /** Workload duration per backend, in seconds. */
  seconds: number;
  /** Worker processes running at once. */
  workers: number;
  /** Operations each worker keeps in flight. */
  concurrency: number;
  /** Target rate per worker, operations per second. */
  opsPerSecond: number;
  /** The adapters' bound on one operation, in ms. */
  timeoutMs: number;
  /** Lag tolerated on top of `timeoutMs` before a failure counts as slow. */
  slackMs: number;
  /** Lag tolerated between an entry's expiry and the store no longer returning it. */
  clockSlackMs: number;
  /** Inject faults (default true). */
  faults: boolean;
  /** Break one contract promise on purpose, to prove the checkers catch it. */
  broken?: BrokenKind;
  /** Progress lines (fault injected, workers started...). */
  onProgress?: (line: string) => void;
}

/** Defaults of `pnpm soak`. */
export const DEFAULT_OPTIONS: SoakOptions = {
  seconds: 60,
  workers: 3,
  concurrency: 4,
  opsPerSecond: 150,
  timeoutMs: 2_000,
  slackMs: 1_000,
  clockSlackMs: 250,
  faults: true,
};

/** The outcome of one backend's soak. */
export interface BackendRun {
  backend: BackendName;
  description: string;
  durability: string;
  /** When the workload started (epoch ms). */
  startedAt: number;
  /** Measured workload duration, ms. */
  durationMs: number;
  /** Worker processes started, replacements included. */
  workersStarted: number;
  /** Workers that ignored `stop` and had to be killed. */
  hungWorkers: number;
  faults: FaultRecord[];
  findings: Findings;
  passed: boolean;
}

const WORKER_READY_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When each fault fires: spread over 10%..70% of the run, so every fault leaves time to observe recovery. */
function faultTimes(seconds: number): number[] {
  const count = Math.max(2, Math.min(10, Math.floor(seconds / 5)));
  return Array.from({ length: count }, (_, i) => seconds * 1000 * (0.1 + (0.6 * i) / (count - 1)));
}

/** Backend faults interleaved with worker kills: b0, kill, b1, kill, ... (only kills when the backend has none). */
function faultSequence(backendFaults: Fault[], killWorker: Fault): Fault[] {
  return backendFaults.length ? backendFaults.flatMap((fault) => [fault, killWorker]) : [killWorker];
}

/** Runs the soak against one backend and returns what the checkers found. */
export async function soakBackend(name: BackendName, options: SoakOptions): Promise<BackendRun> {
  const progress = options.onProgress ?? (() => {});
  const backend = await startBackend(name, options.timeoutMs);
  const dir = await mkdtemp(join(tmpdir(), `oauth-store-soak-${name}-`));
  const workers: WorkerProcess[] = [];
  const store: StoreConfig = {
    target: backend.target,
    timeoutMs: options.timeoutMs,
    ...(options.broken ? { broken: options.broken } : {}),
  };
  const startWorker = async () => {
    const id = `w${workers.length + 1}`;
    const worker = new WorkerProcess({
      id,
      logPath: join(dir, `${id}.jsonl`),
      store,
      concurrency: options.concurrency,
      opsPerSecond: options.opsPerSecond,
    });
    workers.push(worker);
    await worker.ready(WORKER_READY_TIMEOUT_MS);
  };
  const killWorker: Fault = {
    name: 'worker SIGKILL + replacement',
    losesData: false,
    async inject() {
      const alive = workers.filter((worker) => worker.alive);
      await alive[Math.floor(Math.random() * alive.length)]?.kill();
      await startWorker();
    },
  };

  try {
    progress(`${name}: ${backend.description}; starting ${options.workers} workers`);
    await Promise.all(Array.from({ length: options.workers }, startWorker));
    const start = Date.now();
    const end = start + options.seconds * 1000;
    const faults: FaultRecord[] = [];
    const injecting = (async () => {
      if (!options.faults) return;
      const sequence = faultSequence(backend.faults, killWorker);
      for (const [i, at] of faultTimes(options.seconds).entries()) {
        if (Date.now() < start + at) await sleep(start + at - Date.now());
        if (Date.now() >= end) return;
        const fault = sequence[i % sequence.length] as Fault;
        const t0 = Date.now();
        try {
          await fault.inject();
          faults.push({ name: fault.name, t0, t1: Date.now(), losesData: fault.losesData });
        } catch (error) {
          const what = error instanceof Error ? error.message : String(error);
          faults.push({ name: fault.name, t0, t1: Date.now(), losesData: fault.losesData, error: what.slice(0, 300) });
        }
        progress(`${name}: ${fault.name} at +${((t0 - start) / 1000).toFixed(1)} s, back after ${Date.now() - t0} ms`);
      }
    })();
    await sleep(end - Date.now());
    // A fault still in progress (a restart) finishes first, so the backend is up for the read-back.
    await injecting;
    const durationMs = Date.now() - start;
    const graceMs = 3 * options.timeoutMs + 5_000;
    await Promise.all(workers.map((worker) => worker.stop(graceMs)));
    const records = workers.flatMap((worker) => readLog(worker.logPath));
    const expected = expectedClients(records);
    progress(`${name}: workload done (${records.length} log lines); reading back ${expected.length} clients`);
    const readBack = await readBackClients(store, expected);
    const findings = check({
      records,
      faults,
      readBack,
      runEnd: end,
      limits: options,
    });
    const hungWorkers = workers.filter((worker) => worker.hung).length;
    return {
      backend: name,
      description: backend.description,
      durability: backend.durability,
      startedAt: start,
      durationMs,
      workersStarted: workers.length,
      hungWorkers,
      faults,
      findings,
      passed: passed(findings, hungWorkers),
    };
  } finally {
    await Promise.all(workers.map((worker) => worker.kill()));
    await backend.stop().catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

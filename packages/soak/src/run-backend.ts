/**
 * One backend's soak: start the backend, start the workers, inject faults on a schedule while the workload runs,
 * stop the workers, read back every acknowledged client, and run the checkers over the logs.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BackendName, type Fault, type SoakBackend, startBackend } from './backends';
import type { BrokenKind } from './broken';
import { check, expectedClients, type FaultRecord, type Findings, failedProbeKeys, passed } from './checks';
import { readLog } from './log';
import type { StoreConfig } from './stores';
import { readBackClients, readBackProbes } from './verify';
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
  /**
   * How many faults to inject: `undefined` for the default schedule (one per 5 s of workload, 2 to 10), 0 for none.
   * They fire one at a time, cycling through the backend's faults interleaved with worker kills.
   */
  faults?: number;
  /** Break one contract promise on purpose, to prove the checkers catch it. */
  broken?: BrokenKind;
  /** Keep the workers' logs (their directory is named in the progress lines) instead of deleting them. */
  keepLogs?: boolean;
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

/** How long a worker may take to boot and open its stores on a loaded machine. */
const READY_TIMEOUT_MS = 60_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** When each fault fires (ms into the run): spread over 10%..70% of it, leaving time to observe recovery. */
function faultTimes(seconds: number, requested: number | undefined): number[] {
  const count = requested ?? Math.max(2, Math.min(10, Math.floor(seconds / 5)));
  return Array.from({ length: count }, (_, i) => seconds * 1000 * (0.1 + (count > 1 ? (0.6 * i) / (count - 1) : 0)));
}

/** How long the workload keeps running after it recovered from the last fault (a restart can outlast a short run). */
function settleMs(seconds: number): number {
  return Math.max(2_000, seconds * 250);
}

/** End of the first operation that started at or after `since` and succeeded, in any worker's log so far. */
function firstSuccessAfter(workers: WorkerProcess[], since: number): number | undefined {
  let first: number | undefined;
  for (const worker of workers) {
    for (const r of readLog(worker.logPath)) {
      if (r.k === 'op' && r.ok && r.t0 >= since && (first === undefined || r.t1 < first)) first = r.t1;
    }
  }
  return first;
}

/**
 * Keeps the workload running past the planned end until `settle` ms after the first success following the last
 * fault (at most a minute more), so every fault's recovery is observed and writes made after it are checked.
 */
async function settle(workers: WorkerProcess[], faults: FaultRecord[], end: number, settleFor: number): Promise<void> {
  if (!faults.length) return;
  const lastFaultEnd = Math.max(...faults.map((fault) => fault.t1));
  const cap = Date.now() + 60_000;
  let recoveredAt: number | undefined;
  for (;;) {
    recoveredAt ??= firstSuccessAfter(workers, lastFaultEnd);
    const until = recoveredAt === undefined ? cap : Math.min(cap, Math.max(end, recoveredAt + settleFor));
    if (Date.now() >= until) return;
    await sleep(Math.min(500, until - Date.now()));
  }
}

/** Backend faults interleaved with worker kills: b0, kill, b1, kill, ... (only kills when the backend has none). */
function faultSequence(backendFaults: Fault[], killWorker: Fault): Fault[] {
  return backendFaults.length ? backendFaults.flatMap((fault) => [fault, killWorker]) : [killWorker];
}

/** Runs the soak against one backend and returns what the checkers found. */
export async function soakBackend(name: BackendName, options: SoakOptions): Promise<BackendRun> {
  const progress = options.onProgress ?? (() => {});
  // Workers boot (loading their SDK: the slow part) while the backend starts; a booted spare replaces a killed one.
  const processes: WorkerProcess[] = [];
  const spawn = () => {
    const worker = new WorkerProcess(name);
    processes.push(worker);
    return worker;
  };
  const booting = Array.from({ length: options.workers }, spawn);
  let spare: WorkerProcess | undefined = options.faults === 0 ? undefined : spawn();
  let backend: SoakBackend;
  try {
    backend = await startBackend(name, options.timeoutMs);
  } catch (error) {
    await Promise.all(processes.map((worker) => worker.kill()));
    throw error;
  }
  const dir = await mkdtemp(join(tmpdir(), `oauth-store-soak-${name}-`));
  const workers: WorkerProcess[] = [];
  const store: StoreConfig = {
    target: backend.target,
    timeoutMs: options.timeoutMs,
    ...(options.broken ? { broken: options.broken } : {}),
  };
  const startWorker = async (worker: WorkerProcess) => {
    const id = `w${workers.length + 1}`;
    workers.push(worker);
    const { concurrency, opsPerSecond } = options;
    await worker.start({ id, logPath: join(dir, `${id}.jsonl`), store, concurrency, opsPerSecond }, READY_TIMEOUT_MS);
  };
  const killWorker: Fault = {
    name: 'worker SIGKILL + replacement',
    losesData: false,
    async inject() {
      const alive = workers.filter((worker) => worker.alive);
      await alive[Math.floor(Math.random() * alive.length)]?.kill();
      const replacement = spare ?? spawn();
      spare = spawn();
      await startWorker(replacement);
    },
  };

  try {
    progress(`${name}: ${backend.description}; starting ${options.workers} workers`);
    await Promise.all(booting.map(startWorker));
    const start = Date.now();
    const end = start + options.seconds * 1000;
    const faults: FaultRecord[] = [];
    const injecting = (async () => {
      const sequence = faultSequence(backend.faults, killWorker);
      for (const [i, at] of faultTimes(options.seconds, options.faults).entries()) {
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
    // A fault still in progress (a restart) finishes first; then the workload runs on until it has recovered.
    await injecting;
    await settle(workers, faults, end, settleMs(options.seconds));
    const runEnd = Date.now();
    const durationMs = runEnd - start;
    const graceMs = 3 * options.timeoutMs + 5_000;
    await Promise.all(workers.map((worker) => worker.stop(graceMs)));
    const records = workers.flatMap((worker) => readLog(worker.logPath));
    const expected = expectedClients(records);
    progress(`${name}: workload done (${records.length} log lines); reading back ${expected.length} clients`);
    const readBack = await readBackClients(store, expected);
    const probes = await readBackProbes(store, failedProbeKeys(records));
    const findings = check({
      records,
      faults,
      readBack,
      probes,
      runEnd,
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
    await Promise.all(processes.map((worker) => worker.kill()));
    await backend.stop().catch(() => {});
    if (options.keepLogs) progress(`${name}: worker logs kept in ${dir}`);
    else await rm(dir, { recursive: true, force: true });
  }
}

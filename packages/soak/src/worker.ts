/**
 * A soak worker: a child process (run through tsx). It boots as soon as it is spawned, loading the adapter and SDK
 * of its backend (the slow part), then waits for `start` with its config: so the parent can boot workers while the
 * backend starts, and keep a booted spare to replace a killed worker at once. Once started, it builds the stores,
 * runs the workload from several concurrent loops at a paced rate, logs every operation, samples its heap every
 * second, and reports unhandled rejections instead of dying of them. It stops on `stop` (or when the parent goes).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type LogRecord, LogWriter } from './log';
import { type BackendTarget, openSoakStores, preloadAdapter, type StoreConfig } from './stores';
import { Workload } from './workload';

/** What the parent sends with `start`. */
export interface WorkerConfig {
  id: string;
  logPath: string;
  store: StoreConfig;
  /** Operations each worker keeps in flight. */
  concurrency: number;
  /** Target rate of the whole worker, operations per second. */
  opsPerSecond: number;
}

/** Messages between the parent and a worker. */
export type WorkerMessage =
  | { type: 'booted' }
  | { type: 'start'; config: WorkerConfig }
  | { type: 'ready' }
  | { type: 'stop' }
  | { type: 'failed'; what: string };

/** Environment variable naming the backend kind, so the worker can load its SDK before it is started. */
export const WORKER_BACKEND_ENV = 'SOAK_WORKER_BACKEND';

const HEAP_SAMPLE_MS = 1_000;

function describeError(error: unknown): string {
  const name = error instanceof Error ? error.name : typeof error;
  const code = (error as { code?: unknown } | undefined)?.code;
  return code === undefined ? name : `${name}(${String(code)})`;
}

async function main(): Promise<void> {
  // Listening from the start: a stop sent while the worker boots or opens its stores must not be lost.
  let stopping = false;
  let started: (config: WorkerConfig) => void = () => {};
  const startMessage = new Promise<WorkerConfig>((resolve) => {
    started = resolve;
  });
  const stop = new Promise<void>((resolve) => {
    process.on('message', (message: WorkerMessage) => {
      if (message.type === 'stop') resolve();
      if (message.type === 'start') started(message.config);
    });
    process.on('disconnect', () => resolve());
  }).then(() => {
    stopping = true;
  });

  // Report and survive: the checker counts these, and a worker that died of one would hide the rest of the run.
  let log: (record: LogRecord) => void = () => {};
  let w = 'booting';
  const unhandled = (error: unknown) => log({ k: 'unhandled', w, t: Date.now(), what: describeError(error) });
  process.on('unhandledRejection', unhandled);
  process.on('uncaughtException', unhandled);

  // Enabled now: the histogram needs a first tick as a baseline, or a block right after start (the Firestore SDK's
  // first request loads its protos synchronously for seconds) would go unrecorded.
  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();

  await preloadAdapter(process.env[WORKER_BACKEND_ENV] as BackendTarget['kind']);
  process.send?.({ type: 'booted' } satisfies WorkerMessage);
  const config = await Promise.race([startMessage, stop.then(() => undefined)]);
  if (!config) return;
  const writer = new LogWriter(config.logPath);
  log = (record) => writer.write(record);
  w = config.id;

  loopDelay.reset();
  const sampleHeap = () => {
    const lag = Math.round(loopDelay.max / 1e6);
    // A full collection first (a few ms): heapUsed is then what the worker really retains, so a leak shows as a
    // slope instead of hiding in the garbage collector's sawtooth.
    (globalThis as { gc?: () => void }).gc?.();
    loopDelay.reset();
    log({ k: 'heap', w, t: Date.now(), heap: process.memoryUsage().heapUsed, lag });
  };
  sampleHeap();
  const sampler = setInterval(sampleHeap, HEAP_SAMPLE_MS);

  const stores = await openSoakStores(config.store, (failure) => log({ k: 'call-fail', w, ...failure }));
  const workload = new Workload(w, stores, log);
  const periodMs = (config.concurrency * 1000) / config.opsPerSecond;
  const loop = async () => {
    while (!stopping) {
      const begun = Date.now();
      await workload.step();
      const wait = periodMs * (0.5 + Math.random()) - (Date.now() - begun);
      if (wait > 0 && !stopping) await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), stop]);
    }
  };
  log({ k: 'ready', w, t: Date.now() });
  process.send?.({ type: 'ready' } satisfies WorkerMessage);
  await Promise.all(Array.from({ length: config.concurrency }, loop));

  clearInterval(sampler);
  sampleHeap();
  await stores.store.close().catch(() => {});
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    // Start-up failures (no backend, bad config) happen before any key is used, so the message is safe to pass on.
    const what = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error);
    if (process.send) process.send({ type: 'failed', what } satisfies WorkerMessage, () => process.exit(1));
    else process.exit(1);
  },
);

/**
 * A soak worker: a child process (run through tsx) that builds the stores from the JSON in `SOAK_WORKER`, runs the
 * workload from several concurrent loops at a paced rate, logs every operation, samples its heap every second, and
 * reports unhandled rejections instead of dying of them. It stops when the parent sends `stop` (or goes away).
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type LogRecord, LogWriter } from './log';
import { openSoakStores, type StoreConfig } from './stores';
import { Workload } from './workload';

/** What the parent passes in the `SOAK_WORKER` environment variable. */
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
export type WorkerMessage = { type: 'ready' } | { type: 'stop' } | { type: 'done' } | { type: 'failed'; what: string };

const HEAP_SAMPLE_MS = 1_000;

async function main(): Promise<void> {
  const config = JSON.parse(process.env.SOAK_WORKER ?? 'null') as WorkerConfig | null;
  if (!config) throw new Error('SOAK_WORKER is not set: this file is started by the soak runner');
  const writer = new LogWriter(config.logPath);
  const log = (record: LogRecord) => writer.write(record);
  const w = config.id;
  // Listening from the start: a stop sent while the stores are still opening must not be lost.
  let stopping = false;
  const stop = new Promise<void>((resolve) => {
    process.on('message', (message: WorkerMessage) => {
      if (message.type === 'stop') resolve();
    });
    process.on('disconnect', () => resolve());
  }).then(() => {
    stopping = true;
  });

  // Report and survive: the checker counts these, and a worker that died of one would hide the rest of the run.
  const unhandled = (error: unknown) => {
    const name = error instanceof Error ? error.name : typeof error;
    const code = (error as { code?: unknown })?.code;
    log({ k: 'unhandled', w, t: Date.now(), what: code === undefined ? name : `${name}(${String(code)})` });
  };
  process.on('unhandledRejection', unhandled);
  process.on('uncaughtException', unhandled);

  const loopDelay = monitorEventLoopDelay({ resolution: 10 });
  loopDelay.enable();
  const sampleHeap = () => {
    const lag = Math.round(loopDelay.max / 1e6);
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
      const started = Date.now();
      await workload.step();
      const wait = periodMs * (0.5 + Math.random()) - (Date.now() - started);
      if (wait > 0 && !stopping) await Promise.race([new Promise((resolve) => setTimeout(resolve, wait)), stop]);
    }
  };
  log({ k: 'ready', w, t: Date.now() });
  process.send?.({ type: 'ready' } satisfies WorkerMessage);
  await Promise.all(Array.from({ length: config.concurrency }, loop));

  clearInterval(sampler);
  sampleHeap();
  await stores.store.close().catch(() => {});
  process.send?.({ type: 'done' } satisfies WorkerMessage, () => process.exit(0));
}

main().catch((error: unknown) => {
  // Start-up failures (no backend, bad config) happen before any key is used, so the message is safe to pass on.
  const what = error instanceof Error ? `${error.name}: ${error.message}`.slice(0, 500) : String(error);
  if (process.send) process.send({ type: 'failed', what } satisfies WorkerMessage, () => process.exit(1));
  else process.exit(1);
});

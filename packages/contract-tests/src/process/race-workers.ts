import { type ChildProcess, fork } from 'node:child_process';
import type { ProcessFactory } from '../options';
import { takeWorkerPath } from './worker-path';

/**
 * What one child reports: the keys it won (take: with the value, base64; compare-and-set: 'set' or 'delete') and the
 * errors its operations raised.
 */
export interface WorkerReport {
  wins: Array<[key: string, base64: string]>;
  failures: Array<{ name: string; code?: string; message: string }>;
}

/** Parameters of {@link raceTakeAcrossProcesses}. */
export interface CrossProcessRace {
  factory: ProcessFactory;
  workers: number;
  collection: string;
  keys: string[];
  /** Takes each child keeps in flight. */
  concurrency: number;
  timeoutMs: number;
}

interface Message {
  type: string;
  [field: string]: unknown;
}

/** One forked child, with a way to await its next message of a given type. */
class Worker {
  readonly child: ChildProcess;
  readonly #inbox: Message[] = [];
  readonly #waiters: Array<() => void> = [];
  #stderr = '';
  #exit: string | undefined;

  constructor(index: number, factory: ProcessFactory) {
    this.child = fork(takeWorkerPath(), [String(index)], {
      execArgv: factory.execArgv ?? [],
      env: { ...process.env, ...factory.env },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.child.stderr?.setEncoding('utf8');
    this.child.stderr?.on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2000);
    });
    this.child.on('message', (message: Message) => {
      this.#inbox.push(message);
      this.#wake();
    });
    this.child.on('exit', (code, signal) => {
      this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
      this.#wake();
    });
    this.child.on('error', (error) => {
      this.#exit = `spawn error ${error.name}`;
      this.#wake();
    });
  }

  #wake(): void {
    for (const waiter of this.#waiters.splice(0)) waiter();
  }

  /** Resolves with the next message of `type`; rejects on an error report or when the child exits first. */
  async next(type: string): Promise<Message> {
    for (;;) {
      const index = this.#inbox.findIndex((message) => message.type === type || message.type === 'error');
      if (index >= 0) {
        const [message] = this.#inbox.splice(index, 1) as [Message];
        if (message.type === 'error') throw new Error(this.#explain(message));
        return message;
      }
      if (this.#exit) throw new Error(`child process ended (${this.#exit}) before sending '${type}'${this.#tail()}`);
      await new Promise<void>((resolve) => this.#waiters.push(resolve));
    }
  }

  async exited(): Promise<void> {
    while (!this.#exit) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  send(message: Message): void {
    this.child.send(message);
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }

  #explain(message: Message): string {
    const error = message.error as { name?: string; code?: string; message?: string } | undefined;
    const code = error?.code ? ` (code ${error.code})` : '';
    return `child process failed at ${String(message.stage)}: ${error?.name ?? 'Error'}${code}: ${error?.message ?? ''}${this.#tail()}`;
  }

  #tail(): string {
    const text = this.#stderr.trim();
    return text ? `\n--- child stderr (last lines) ---\n${text}` : '';
  }
}

/**
 * Starts `workers` child processes that each build the store from `factory`, waits until all are ready, then sends
 * every child `work` (a 'take' or 'cas' message) with one shared start instant and collects their reports.
 *
 * The children work in `batches` batches of `concurrency` operations behind a barrier: every child reports each
 * batch ready, and the parent releases it to all of them at once. Without it a child that started a little late
 * (descheduled on a busy machine, or just the last to be woken) stayed behind the first one for the whole race: each
 * of its attempts came after the leader had already taken the key or won the round, so it lost every one however
 * many there were, and no two children ever contended for a key at the same moment (seen on Redis under CPU load:
 * one child won all 100, 400 and 1600 compare-and-set rounds). Behind the barrier every batch is a fresh start. The start
 * and the race are each bounded by `timeoutMs`; children are killed when a bound passes and in every case at the end.
 */
async function raceAcrossProcesses(
  options: { factory: ProcessFactory; workers: number; timeoutMs: number },
  work: (child: number) => Message,
  batches: number,
): Promise<WorkerReport[]> {
  const workers = Array.from({ length: options.workers }, (_, i) => new Worker(i, options.factory));
  // Two phases, each with its own bound: the children's start (loading the factory module, a TypeScript graph under
  // tsx, and building the store) and the race itself. On a loaded machine the start alone took 23 s of what used to
  // be one 30 s bound while the race took 2 s; the message names the phase that ran out.
  let phase = 'starting (loading the factory and building the store in each child)';
  let timer: NodeJS.Timeout | undefined;
  let arm: () => void = () => undefined;
  const timeout = new Promise<never>((_, reject) => {
    arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        for (const worker of workers) worker.kill();
        reject(
          new Error(`cross-process test timed out after ${options.timeoutMs} ms; the children were killed (${phase})`),
        );
      }, options.timeoutMs);
    };
  });
  arm();
  const run = async (): Promise<WorkerReport[]> => {
    await Promise.all(workers.map((worker) => worker.next('hello')));
    const { module, exportName, config } = options.factory;
    for (const worker of workers) worker.send({ type: 'init', module, exportName, config });
    await Promise.all(workers.map((worker) => worker.next('ready')));
    phase = 'racing (every child had built its store)';
    arm();
    // A shared start instant a little ahead removes the skew of delivering the message to each child in turn.
    const startAt = Date.now() + 250;
    for (const [child, worker] of workers.entries()) worker.send({ ...work(child), startAt });
    // The barrier: a batch starts when every child is ready for it, in all children at once.
    for (let batch = 0; batch < batches; batch += 1) {
      await Promise.all(workers.map((worker) => worker.next('batch-ready')));
      for (const worker of workers) worker.send({ type: 'go', batch });
    }
    const reports = await Promise.all(workers.map((worker) => worker.next('result')));
    await Promise.all(workers.map((worker) => worker.exited()));
    return reports.map(({ wins, failures }) => ({ wins, failures }) as WorkerReport);
  };
  try {
    return await Promise.race([run(), timeout]);
  } finally {
    clearTimeout(timer);
    for (const worker of workers) worker.kill();
    // SIGKILL cannot be ignored, so exits follow promptly; the bound only guards against a lost 'exit' event.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.all(workers.map((worker) => worker.exited())),
      new Promise((resolve) => {
        bound = setTimeout(resolve, 2000);
      }),
    ]);
    clearTimeout(bound);
  }
}

/** Every child takes every key at once; see {@link CrossProcessRace}. */
export function raceTakeAcrossProcesses(race: CrossProcessRace): Promise<WorkerReport[]> {
  const { collection, keys, concurrency } = race;
  return raceAcrossProcesses(
    race,
    () => ({ type: 'take', collection, keys, concurrency }),
    Math.ceil(keys.length / concurrency),
  );
}

/** One round of the cross-process compare-and-set race: every child writes (or deletes) `key` on `version`. */
export interface CasRound {
  key: string;
  version: string;
  /** The value a child writes, base64. */
  value: string;
  /** Compare-and-delete instead of compare-and-set. */
  remove: boolean;
}

/**
 * Every child runs every round's compare-and-set at once. A child's report lists the rounds it won as
 * `[key, 'set' | 'delete']`. `roundsFor(index)` gives each child its own rounds (its own values); every child gets the
 * same number of rounds.
 */
export async function raceCompareAndSetAcrossProcesses(race: {
  factory: ProcessFactory;
  workers: number;
  collection: string;
  roundsFor: (child: number) => CasRound[];
  /** Rounds each child keeps in flight. */
  concurrency: number;
  timeoutMs: number;
}): Promise<WorkerReport[]> {
  const rounds = Array.from({ length: race.workers }, (_, child) => race.roundsFor(child));
  return raceAcrossProcesses(
    race,
    (child) => ({ type: 'cas', collection: race.collection, rounds: rounds[child], concurrency: race.concurrency }),
    Math.ceil(rounds[0]!.length / race.concurrency),
  );
}

/**
 * The parent's handle on one worker process: start it (TypeScript through tsx, workspace packages mapped to their
 * sources by the soak tsconfig), wait until its stores are up, kill it with SIGKILL, or stop it gracefully.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { WorkerConfig, WorkerMessage } from './worker';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER_MODULE = join(here, 'worker.ts');
const SOAK_TSCONFIG = resolve(here, '..', 'tsconfig.json');
const REPO_ROOT = resolve(here, '..', '..', '..');

/** One running worker process. */
export class WorkerProcess {
  /** Worker id (also in its log lines). */
  readonly id: string;
  /** Its JSON-lines log. */
  readonly logPath: string;
  /** True when it ignored `stop` and had to be killed. */
  hung = false;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  #exit: string | undefined;
  #stderr = '';
  #failure: string | undefined;

  constructor(config: WorkerConfig) {
    this.id = config.id;
    this.logPath = config.logPath;
    // jest's NODE_OPTIONS (--experimental-vm-modules) means nothing to a worker.
    const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
    this.#child = fork(WORKER_MODULE, [], {
      // `--import tsx` is resolved from the working directory: the repository root, where tsx is installed.
      cwd: REPO_ROOT,
      execArgv: ['--import', 'tsx'],
      env: { ...env, TSX_TSCONFIG_PATH: SOAK_TSCONFIG, SOAK_WORKER: JSON.stringify(config) },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2_000);
    });
    this.#child.on('message', (message: WorkerMessage) => {
      if (message.type === 'failed') this.#failure = message.what;
    });
    this.#exited = new Promise((resolveExit) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
        resolveExit();
      });
    });
  }

  /** Resolves once the worker's stores are up and its workload runs; rejects if it exits first or takes too long. */
  ready(timeoutMs: number): Promise<void> {
    return new Promise((resolveReady, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`worker ${this.id} was not ready within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.#child.on('message', (message: WorkerMessage) => {
        if (message.type === 'ready') {
          clearTimeout(timer);
          resolveReady();
        }
      });
      this.#exited.then(() => {
        clearTimeout(timer);
        reject(new Error(`worker ${this.id} ended (${this.#exit}) before it was ready: ${this.describeFailure()}`));
      });
    });
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** How it ended, if it did. */
  get exit(): string | undefined {
    return this.#exit;
  }

  /** Why it failed: its own report, else the end of its stderr. */
  describeFailure(): string {
    return this.#failure ?? (this.#stderr.trim().slice(-500) || 'no output');
  }

  /** SIGKILL: the worker dies mid-operation, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    if (this.alive) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Asks the worker to finish its in-flight operations and exit; kills it (and marks it hung) after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.#child.send({ type: 'stop' } satisfies WorkerMessage);
    const timer = setTimeout(() => {
      this.hung = true;
      this.#child.kill('SIGKILL');
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

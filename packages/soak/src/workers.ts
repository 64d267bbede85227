/**
 * The parent's handle on one worker process: spawn it (TypeScript through tsx, workspace packages mapped to their
 * sources by the soak tsconfig) so it boots and loads its backend's SDK, start it with a config, wait until its
 * stores are up, kill it with SIGKILL, or stop it gracefully.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BackendTarget } from './stores';
import { WORKER_BACKEND_ENV, type WorkerConfig, type WorkerMessage } from './worker';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER_MODULE = join(here, 'worker.ts');
const SOAK_TSCONFIG = resolve(here, '..', 'tsconfig.json');
const REPO_ROOT = resolve(here, '..', '..', '..');

/** One worker process. */
export class WorkerProcess {
  /** Worker id (also in its log lines); set by {@link WorkerProcess.start}. */
  id = '';
  /** Its JSON-lines log; set by {@link WorkerProcess.start}. */
  logPath = '';
  /** True when it ignored `stop` and had to be killed. */
  hung = false;
  readonly #child: ChildProcess;
  readonly #exited: Promise<void>;
  readonly #messages: WorkerMessage[] = [];
  readonly #waiters: Array<() => void> = [];
  #exit: string | undefined;
  #stderr = '';

  /** Spawns a worker for a backend kind; it boots, then waits for {@link WorkerProcess.start}. */
  constructor(kind: BackendTarget['kind']) {
    // jest's NODE_OPTIONS (--experimental-vm-modules) means nothing to a worker.
    const { NODE_OPTIONS: _jestOnly, ...env } = process.env;
    this.#child = fork(WORKER_MODULE, [], {
      // `--import tsx` is resolved from the working directory: the repository root, where tsx is installed.
      cwd: REPO_ROOT,
      // --expose-gc: the worker collects garbage before each heap sample, so samples show the live heap.
      execArgv: ['--import', 'tsx', '--expose-gc'],
      env: { ...env, TSX_TSCONFIG_PATH: SOAK_TSCONFIG, [WORKER_BACKEND_ENV]: kind },
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json',
    });
    this.#child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.#stderr = (this.#stderr + chunk).slice(-2_000);
    });
    this.#child.on('message', (message: WorkerMessage) => {
      this.#messages.push(message);
      this.#wake();
    });
    this.#exited = new Promise((resolveExit) => {
      this.#child.once('exit', (code, signal) => {
        this.#exit = signal ? `signal ${signal}` : `exit code ${code}`;
        this.#wake();
        resolveExit();
      });
    });
  }

  #wake(): void {
    for (const wake of this.#waiters.splice(0)) wake();
  }

  /** Resolves when the worker has sent `type`; rejects when it failed, exited first, or took over `timeoutMs`. */
  async #until(type: WorkerMessage['type'], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.#messages.some((message) => message.type === type)) return;
      const failed = this.#messages.find((message) => message.type === 'failed');
      if (failed || this.#exit) {
        const why = failed?.type === 'failed' ? failed.what : this.#stderr.trim().slice(-500) || 'no output';
        throw new Error(`worker ${this.id || '(booting)'} ended (${this.#exit ?? 'failed'}) before '${type}': ${why}`);
      }
      if (Date.now() > deadline) throw new Error(`worker ${this.id || '(booting)'} did not send '${type}' in time`);
      await new Promise<void>((wake) => {
        const timer = setTimeout(wake, deadline - Date.now() + 1);
        this.#waiters.push(() => {
          clearTimeout(timer);
          wake();
        });
      });
    }
  }

  /** Gives the worker its config and resolves once its stores are up and its workload runs. */
  async start(config: WorkerConfig, timeoutMs: number): Promise<void> {
    this.id = config.id;
    this.logPath = config.logPath;
    await this.#until('booted', timeoutMs);
    this.#child.send({ type: 'start', config } satisfies WorkerMessage);
    await this.#until('ready', timeoutMs);
  }

  /** True while the process runs. */
  get alive(): boolean {
    return this.#exit === undefined;
  }

  /** SIGKILL: the worker dies mid-operation, as in a crash or an OOM kill. */
  async kill(): Promise<void> {
    if (this.alive) this.#child.kill('SIGKILL');
    await this.#exited;
  }

  /** Asks the worker to finish its in-flight operations and exit; kills it (and marks it hung) after `graceMs`. */
  async stop(graceMs: number): Promise<void> {
    if (!this.alive) return;
    this.#child.send({ type: 'stop' } satisfies WorkerMessage, () => {});
    const timer = setTimeout(() => {
      this.hung = true;
      this.#child.kill('SIGKILL');
    }, graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

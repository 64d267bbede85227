// Four OS processes, each with its own connection to one Redis or PostgreSQL server, race on the same refresh
// token, jti and request_uri. Each process runs several calls at once, so the race is inside and across processes.
import { type ChildProcess, spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { tsxChildOptions } from '@oauth-store/contract-tests';
import type { ByteStore } from '@oauth-store/core';
import { decodeProtectedHeader } from 'jose';
import { PushedAuthorizationRequests, RefreshTokenFamilies, type RotateResult } from '../src/index';
import { BACKENDS, openStore, uniquePrefix } from './support/stores';

const here = dirname(fileURLToPath(import.meta.url));
const WORKER = join(here, 'fixtures', 'token-worker.ts');
const TSCONFIG = join(here, '..', '..', 'contract-tests', 'tsconfig.child.json');
const PROCESSES = 4;
const PARALLEL = 4;

/** One worker process answering JSON commands. */
class Worker {
  readonly child: ChildProcess;
  readonly ready: Promise<void>;
  #nextId = 0;
  readonly #waiting = new Map<number, (results: unknown[]) => void>();
  #stderr = '';

  constructor(config: object) {
    const options = tsxChildOptions({ tsconfig: TSCONFIG });
    this.child = spawn(process.execPath, [...(options.execArgv ?? []), WORKER, JSON.stringify(config)], {
      cwd: join(here, '..'),
      env: { ...process.env, ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let signalReady: () => void = () => {};
    this.ready = new Promise<void>((resolve, reject) => {
      signalReady = resolve;
      this.child.once('exit', (code) =>
        reject(new Error(`worker exited with ${code}: ${this.#stderr.slice(0, 2000)}`)),
      );
    });
    let buffered = '';
    this.child.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      for (let newline = buffered.indexOf('\n'); newline >= 0; newline = buffered.indexOf('\n')) {
        const line = buffered.slice(0, newline);
        buffered = buffered.slice(newline + 1);
        if (line === 'ready') signalReady();
        else {
          const { id, results } = JSON.parse(line) as { id: number; results: unknown[] };
          this.#waiting.get(id)?.(results);
          this.#waiting.delete(id);
        }
      }
    });
    this.child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr += chunk.toString('utf8');
    });
  }

  send<T>(command: { op: string; arg?: string; expiresAt?: number; parallel?: number }): Promise<T[]> {
    const id = this.#nextId++;
    return new Promise<T[]>((resolve) => {
      this.#waiting.set(id, resolve as (results: unknown[]) => void);
      this.child.stdin?.write(`${JSON.stringify({ id, ...command })}\n`);
    });
  }
}

describe.each(BACKENDS)(`token stores across ${PROCESSES} processes on %s`, (backend) => {
  let store: ByteStore;
  let workers: Worker[];
  const prefix = uniquePrefix(`tokens-${backend}`);

  beforeAll(async () => {
    store = await openStore(backend);
    workers = Array.from({ length: PROCESSES }, () => new Worker({ backend, prefix }));
    await Promise.all(workers.map((worker) => worker.ready));
  }, 60_000);
  afterAll(async () => {
    for (const worker of workers ?? []) {
      worker.child.stdin?.write('{"op":"exit"}\n');
      if (worker.child.exitCode === null) setTimeout(() => worker.child.kill('SIGKILL'), 5_000).unref();
    }
    await store?.close();
  });

  /** Sends the same command to every worker at once and returns every result. */
  async function everywhere<T>(command: { op: string; arg?: string; expiresAt?: number; parallel?: number }) {
    return (await Promise.all(workers.map((worker) => worker.send<T>(command)))).flat();
  }

  it('exactly one of 16 concurrent rotations wins; the losers see reuse and the family dies on every instance', async () => {
    const families = new RefreshTokenFamilies(store, { prefix });
    for (let round = 0; round < 3; round += 1) {
      const issued = await families.issue({ sub: `alice-${round}` });
      const results = await everywhere<RotateResult<unknown>>({ op: 'rotate', arg: issued.token, parallel: PARALLEL });
      expect(results).toHaveLength(PROCESSES * PARALLEL);
      const winners = results.filter((result) => result.ok);
      expect(winners).toHaveLength(1);
      for (const loser of results.filter((result) => !result.ok)) {
        expect(['reused', 'revoked']).toContain((loser as { reason: string }).reason);
      }
      const winner = winners[0] as { token: string };
      for (const verdict of await everywhere<{ ok: boolean; reason?: string }>({ op: 'verify', arg: winner.token })) {
        expect(verdict).toMatchObject({ ok: false, reason: 'revoked' });
      }
    }
  });

  it('a replayed rotated token presented at one instance revokes the family at all of them', async () => {
    const families = new RefreshTokenFamilies(store, { prefix });
    const issued = await families.issue({ sub: 'bob' });
    const [first] = await (workers[0] as Worker).send<RotateResult<unknown>>({ op: 'rotate', arg: issued.token });
    if (!first?.ok) throw new Error('rotation failed');
    const [second] = await (workers[1] as Worker).send<RotateResult<unknown>>({ op: 'rotate', arg: first.token });
    if (!second?.ok) throw new Error('rotation failed');
    for (const verdict of await everywhere<{ ok: boolean }>({ op: 'verify', arg: second.token })) {
      expect(verdict.ok).toBe(true);
    }
    const [replay] = await (workers[2] as Worker).send<RotateResult<unknown>>({ op: 'rotate', arg: issued.token });
    expect(replay).toMatchObject({ ok: false, reason: 'reused' });
    for (const verdict of await everywhere<{ ok: boolean; reason?: string }>({ op: 'verify', arg: second.token })) {
      expect(verdict).toMatchObject({ ok: false, reason: 'revoked' });
    }
    expect(
      (await (workers[3] as Worker).send<RotateResult<unknown>>({ op: 'rotate', arg: second.token }))[0],
    ).toMatchObject({
      ok: false,
      reason: 'revoked',
    });
  });

  it('each jti is accepted exactly once across all processes', async () => {
    for (let round = 0; round < 5; round += 1) {
      const verdicts = await everywhere<string>({
        op: 'check',
        arg: `jti-${round}-${prefix}`,
        expiresAt: Date.now() + 60_000,
        parallel: PARALLEL,
      });
      expect(verdicts.filter((verdict) => verdict === 'first_seen')).toHaveLength(1);
      expect(verdicts.filter((verdict) => verdict === 'replayed')).toHaveLength(PROCESSES * PARALLEL - 1);
    }
  });

  it('the processes race to create the signing keyring: one key, and each verifies what the others signed', async () => {
    const signed = await everywhere<string>({ op: 'sign', parallel: PARALLEL });
    const kids = new Set(signed.map((token) => decodeProtectedHeader(token).kid));
    expect(kids.size).toBe(1);
    for (const [index, worker] of workers.entries()) {
      const others = signed.filter((_, position) => Math.floor(position / PARALLEL) !== index);
      for (const token of others) {
        const [verdict] = await worker.send<{ ok: boolean }>({ op: 'verify-jwt', arg: token });
        expect(verdict).toMatchObject({ ok: true });
      }
    }
  });

  it('every process hands out the same DPoP nonce', async () => {
    const handedOut = await everywhere<string>({ op: 'nonce', parallel: PARALLEL });
    expect(handedOut).toHaveLength(PROCESSES * PARALLEL);
    expect(new Set(handedOut).size).toBe(1);
  });

  it('a pushed request_uri is consumed exactly once across all processes', async () => {
    const par = new PushedAuthorizationRequests(store, { prefix });
    for (let round = 0; round < 5; round += 1) {
      const pushed = await par.push({ scope: 'openid', round });
      const results = await everywhere<{ ok: boolean; payload?: unknown }>({
        op: 'consume',
        arg: pushed.requestUri,
        parallel: PARALLEL,
      });
      expect(results.filter((result) => result.ok)).toEqual([{ ok: true, payload: { scope: 'openid', round } }]);
    }
  });
});

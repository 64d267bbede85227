/**
 * `pnpm bench`: starts throwaway backends with the test harness, measures every contender per backend (see
 * runner.ts), checks the targets, prints the report and writes docs/benchmarks.md. The servers start before the
 * first measurement and are stopped on every exit path, Ctrl-C included.
 */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import type { RunningBackend } from '@oauth-store/test-servers';
import { allocationProfileContender, type ContenderAllocations } from './allocation-profile';
import { type BackendName, FULL_BACKENDS, parseBenchArgs, USAGE } from './args';
import { BENCH_BACKENDS } from './bench-backends';
import { benchJson } from './bench-json';
import { type Role, VALUE_BYTES } from './contender';
import { countKeySourceLoads, type KeyLoadResult } from './key-loads';
import { type LoginResult, measureLogins } from './login';
import { loadAverages, machineInfo } from './machine';
import { type ContenderProfile, profileContender } from './profile';
import type { BackendReport, RunReport } from './report';
import { measureBackend, type RunPlan, warmUp } from './runner';
import { measureScale, type ScaleResult } from './scale';
import { cellSizes } from './sizing';
import { renderReport } from './table';
import { checkTargets } from './targets';
import { repositoryRoot } from './versions';

const CONCURRENCY = 64;
/** Operations per contender per operation under the CPU profiler (at most; the latency cell's count if smaller). */
const PROFILE_OPS = 2000;
const running = new Set<RunningBackend>();

function log(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the harness did not set ${name}`);
  return value;
}

/**
 * Starts every backend the run needs with the harness (`ensureBackend`, the per-backend step of `ensureBackends`, which
 * also returns the server description the report shows) and exports their environment. All start before any is
 * measured: the Firestore emulator failed to start after another backend had been stopped (see the README).
 */
async function startAll(names: readonly BackendName[]): Promise<Map<BackendName, RunningBackend>> {
  const started = new Map<BackendName, RunningBackend>();
  for (const name of names) {
    const backend = await benchBackend(name).start();
    running.add(backend);
    started.set(name, backend);
    Object.assign(process.env, backend.env);
    log(`started ${backend.description}`);
  }
  return started;
}

async function stop(backend: RunningBackend): Promise<void> {
  running.delete(backend);
  await backend.stop();
}

function benchBackend(name: BackendName) {
  const found = BENCH_BACKENDS.find((backend) => backend.name === name);
  if (!found) throw new Error(`bench-backends.ts has no entry for ${name}`);
  return found;
}

async function runBackend(
  name: BackendName,
  backend: RunningBackend,
  value: Uint8Array,
  runTag: string,
  options: { ops?: number; seconds?: number; warmup: number; share: number; keyLoadOps: number; profile: boolean },
): Promise<{ report: BackendReport; keyLoads?: KeyLoadResult }> {
  const ready = await benchBackend(name).setup(value);
  try {
    const full = ready.throughput;
    const basePlan = {
      warmup: full ? options.warmup : Math.max(20, Math.round(options.warmup * options.share)),
      latencyBlock: full ? 100 : 25,
      throughputBlock: 8 * CONCURRENCY,
      concurrency: full ? CONCURRENCY : 0,
    };
    log(`${name}: warming up`);
    const pace = await warmUp(ready.contenders, ready.operations, basePlan, runTag);
    const sizes = cellSizes(pace, { ...options, throughput: full, operations: ready.operations.length });
    log(
      `${name}: measuring ${sizes.ops} operations per contender per latency cell` +
        (full ? `, ${sizes.throughputOps} per throughput cell` : ''),
    );
    const plan: RunPlan = { ...basePlan, ...sizes };
    const result = await measureBackend(ready.contenders, ready.operations, plan, runTag);
    log(`${name}: done in ${result.seconds.toFixed(1)} s`);
    const profiles: Partial<Record<Role, ContenderProfile>> = {};
    const throughputProfiles: Partial<Record<Role, ContenderProfile>> = {};
    const allocations: Partial<Record<Role, ContenderAllocations>> = {};
    if (options.profile) {
      const profileOps = Math.min(PROFILE_OPS, sizes.ops);
      log(`${name}: CPU and allocation profiles, ${profileOps} operations per contender per operation`);
      for (const [position, contender] of ready.contenders.entries()) {
        if (contender.role === 'keyv') continue;
        profiles[contender.role] = await profileContender(contender, ready.operations, profileOps, runTag, position);
        if (full) {
          throughputProfiles[contender.role] = await profileContender(
            contender,
            ready.operations,
            Math.min(PROFILE_OPS * 4, sizes.throughputOps),
            runTag,
            position,
            CONCURRENCY,
          );
        }
        allocations[contender.role] = await allocationProfileContender(
          contender,
          ready.operations,
          profileOps,
          runTag,
          position,
        );
      }
    }
    const report: BackendReport = {
      name,
      title: ready.title,
      server: backend.description,
      operations: ready.operations,
      throughput: full,
      concurrency: CONCURRENCY,
      ops: sizes.ops,
      throughputOps: sizes.throughputOps,
      seconds: result.seconds,
      rows: ready.contenders.map((contender, index) => ({
        label: contender.label,
        role: contender.role,
        ...(contender.takeNote ? { takeNote: contender.takeNote } : {}),
        result: result.contenders[index]!,
        ...(contender.role === 'envelope' && ready.keySource ? { keyLoads: ready.keySource.loads } : {}),
      })),
      versions: ready.versions,
      notes: ready.notes,
      ...(options.profile ? { profiles, allocations, ...(full ? { throughputProfiles } : {}) } : {}),
    };
    if (name !== 'redis') return { report };
    log(`redis: counting key-source loads over ${options.keyLoadOps} encrypted operations`);
    return { report, keyLoads: await countKeySourceLoads(required('REDIS_URL'), options.keyLoadOps, value) };
  } finally {
    await ready.close();
  }
}

async function main(): Promise<number> {
  const root = repositoryRoot();
  const options = parseBenchArgs(process.argv.slice(2), join(root, 'docs', 'benchmarks.md'));
  if (options === 'help') {
    console.log(USAGE);
    return 0;
  }
  const started = performance.now();
  const date = new Date().toISOString();
  const loadBefore = loadAverages();
  const value = new Uint8Array(randomBytes(VALUE_BYTES));
  const runTag = randomBytes(4).toString('hex');
  const backends: BackendReport[] = [];
  let keyLoads: KeyLoadResult | undefined;
  const servers = await startAll(options.only);
  for (const name of options.only) {
    const share = FULL_BACKENDS.includes(name) || options.seconds !== undefined ? 1 : options.emulatorShare;
    const outcome = await runBackend(name, servers.get(name)!, value, runTag, {
      ...(options.ops !== undefined ? { ops: options.ops } : {}),
      ...(options.seconds !== undefined ? { seconds: options.seconds } : {}),
      warmup: options.warmup,
      share,
      keyLoadOps: options.keyLoadOps,
      profile: options.profile,
    });
    backends.push(outcome.report);
    keyLoads ??= outcome.keyLoads;
  }
  let scale: ScaleResult | undefined;
  if (options.scale > 0 && servers.has('postgres') && servers.has('redis')) {
    log(`scale: registering, listing and migrating ${options.scale / 10} then ${options.scale} clients`);
    scale = await measureScale(required('DATABASE_URL'), required('REDIS_URL'), options.scale);
  }
  await stopAll();
  let logins: LoginResult | undefined;
  let loginError: string | undefined;
  if (options.logins > 0) {
    log(`logins: the demo, ${options.logins} logins per run (per-instance memory, then the embedded PostgreSQL)`);
    try {
      logins = await measureLogins(options.logins);
    } catch (error) {
      // Everything else was measured: report without the login comparison rather than lose the run.
      log(
        `logins: the demo failed, no login comparison in this report: ${error instanceof Error ? error.message : String(error)}`,
      );
      loginError = error instanceof Error ? error.message : String(error);
    }
  }
  const report: RunReport = {
    date,
    machine: machineInfo(),
    loadBefore,
    loadAfter: loadAverages(),
    command: ['pnpm bench', ...process.argv.slice(2)].join(' '),
    warmup: options.warmup,
    backends,
    ...(keyLoads ? { keyLoads } : {}),
    ...(scale ? { scale } : {}),
    ...(logins ? { logins } : {}),
    ...(loginError ? { loginError } : {}),
    seconds: (performance.now() - started) / 1000,
  };
  const checks = checkTargets(report);
  const markdown = renderReport(report, checks);
  console.log(markdown);
  if (options.out) {
    await writeFile(options.out, markdown);
    log(`wrote ${relative(process.cwd(), options.out) || options.out}`);
  }
  if (options.json) {
    await writeFile(options.json, `${JSON.stringify(benchJson(report, checks), null, 2)}\n`);
    log(`wrote ${relative(process.cwd(), options.json) || options.json}`);
  }
  return 0;
}

async function stopAll(): Promise<void> {
  await Promise.allSettled([...running].map((backend) => stop(backend)));
}

process.once('SIGINT', () => {
  log('interrupted: stopping the servers');
  void stopAll().finally(() => process.exit(130));
});

main().then(
  async (code) => {
    await stopAll();
    process.exit(code);
  },
  async (error: unknown) => {
    await stopAll();
    console.error(error instanceof Error ? (error.stack ?? error.message) : error);
    process.exit(1);
  },
);

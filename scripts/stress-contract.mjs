// `pnpm stress:contract`: the store contract suite (ms-precision expiry included) on every adapter x client
// combination, N runs in a row per package while busy processes keep every core loaded. A package's series stops at its
// first failure and keeps that run's whole output in a log file. Writes docs/reliability-contract-stress.md and the
// marked summary block of docs/reliability.md (which `pnpm soak` carries over when it regenerates that file).
// Each package's latest series is also kept in docs/reliability-contract-stress.json: a run with --only replaces the
// series of the packages it ran and keeps the others' (each row names the commit and command of its own series), so
// the slow packages can be run separately without losing the fast ones' record. --fresh drops the kept series.
//
//   node scripts/stress-contract.mjs [--runs 20] [--only redis,postgres] [--parallel 1] [--busy 3]
//     [--deadline 2026-12-07T15:55:00Z] [--logs DIR] [--no-write] [--fresh]
//   node scripts/stress-contract.mjs --render-only   (rewrites the docs from the .json record; runs nothing)
//
// --deadline: no run starts that would not end by then (judged by the package's slowest run so far), and a run still
// going at the deadline is stopped and not counted; a series cut short is reported as such (runs passed of runs
// asked), never as a pass.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What each package runs: its contract test files, and which combinations those cover. */
const PACKAGES = [
  {
    name: 'redis',
    files: ['packages/redis/test/contract.test.ts'],
    combinations:
      'node-redis 5, node-redis 6, ioredis 5, ioredis 6; each standalone and Cluster (8 contract runs per file run)',
  },
  {
    name: 'postgres',
    files: ['packages/postgres/test/contract.test.ts', 'packages/postgres/test/pglite.test.ts'],
    combinations: 'pg on PostgreSQL; PGlite (in-process)',
  },
  { name: 'mysql', files: ['packages/mysql/test/contract.test.ts'], combinations: 'mysql2 on MariaDB' },
  { name: 'sqlite', files: ['packages/sqlite/test/contract.test.ts'], combinations: '@libsql/client (file)' },
  {
    name: 'dynamodb',
    files: ['packages/dynamodb/test/contract.test.ts', 'packages/dynamodb/test/sdk-lowest.test.ts'],
    combinations:
      'contract: @aws-sdk/client-dynamodb newest 3.x on DynamoDB Local; 3.600.0 (lowest): key paths only (sdk-lowest)',
  },
  {
    name: 'firestore',
    files: ['packages/firestore/test/contract.test.ts', 'packages/firestore/test/sdk-majors.test.ts'],
    combinations: 'contract: @google-cloud/firestore 7 on the emulator; 7/8/9: adapter paths only (sdk-majors)',
  },
  {
    name: 'gcs',
    files: ['packages/gcs/test/contract.test.ts', 'packages/gcs/test/sdk-majors.test.ts'],
    combinations: 'contract: @google-cloud/storage 7 on the fake GCS server; 7/8: adapter paths only (sdk-majors)',
  },
  {
    name: 'keyv',
    files: ['packages/keyv/test/contract.test.ts'],
    combinations:
      "Keyv 6 on its Map store; Keyv 6 and the newest Keyv 5 on Redis (@keyv/redis); Keyv 5.0.0 (the peer range's lowest) on its Map store",
  },
  {
    name: 'memory',
    files: ['packages/contract-tests/test/memory.test.ts'],
    combinations: "core's memory store",
  },
  {
    name: 'envelope',
    files: [
      'packages/envelope/test/contract.test.ts',
      'packages/envelope/test/postgres.test.ts',
      'packages/envelope/test/redis.test.ts',
    ],
    combinations: 'envelope encryption over memory, PostgreSQL (pg) and Redis',
  },
];

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '20' },
    only: { type: 'string' },
    parallel: { type: 'string', default: '1' },
    busy: { type: 'string', default: '3' },
    deadline: { type: 'string' },
    logs: { type: 'string', default: join(tmpdir(), 'oauth-store-contract-stress') },
    'no-write': { type: 'boolean', default: false },
    fresh: { type: 'boolean', default: false },
    'render-only': { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  console.log(
    readFileSync(fileURLToPath(import.meta.url), 'utf8')
      .split('\n')
      .slice(0, 14)
      .join('\n'),
  );
  process.exit(0);
}
const runs = positive(args.runs, '--runs');
const parallel = positive(args.parallel, '--parallel');
const busyCount = Number(args.busy);
const deadline = args.deadline ? Date.parse(args.deadline) : undefined;
if (deadline !== undefined && Number.isNaN(deadline)) fail(`--deadline: not a date: ${args.deadline}`);
const selected = args.only ? args.only.split(',').map((name) => name.trim()) : PACKAGES.map((pkg) => pkg.name);
for (const name of selected) {
  if (!PACKAGES.some((pkg) => pkg.name === name)) fail(`--only: unknown package ${name}`);
}
const packages = PACKAGES.filter((pkg) => selected.includes(pkg.name));
mkdirSync(args.logs, { recursive: true });

/** Every child this script started (busy loops and jest runs, each its own process group), stopped on any exit. */
const children = new Set();
function stopAll() {
  for (const child of children) {
    try {
      process.kill(-child.pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  children.clear();
}
process.on('exit', stopAll);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    console.error(`\n${signal}: stopping the busy processes and the runs in progress (not counted)`);
    interrupted = true;
    stopAll();
    finish();
    process.exit(130);
  });
}

function startChild(command, argv, options) {
  const child = spawn(command, argv, { ...options, detached: true });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

/** One run of a package's files through scripts/run-jest.mjs; resolves with its outcome and its whole output. */
function runOnce(pkg) {
  return new Promise((resolve) => {
    const started = Date.now();
    const loadStart = loadavg()[0];
    const output = [];
    const child = startChild(process.execPath, [join(root, 'scripts/run-jest.mjs'), ...pkg.files], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    // The deadline is hard: a run still going then is stopped and counted as not run (neither passed nor failed).
    let killedAtDeadline = false;
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              killedAtDeadline = true;
              process.kill(-child.pid, 'SIGKILL');
            },
            Math.max(0, deadline - Date.now()),
          );
    child.stdout.on('data', (chunk) => output.push(chunk));
    child.stderr.on('data', (chunk) => output.push(chunk));
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        killedAtDeadline,
        passed: code === 0,
        code,
        signal,
        ms: Date.now() - started,
        load: [loadStart, loadavg()[0]],
        output: Buffer.concat(output).toString('utf8'),
      });
    });
  });
}

/** The first failing test's name and error line, from jest's output. */
function firstFailure(output) {
  const lines = output.split('\n');
  const at = lines.findIndex((line) => line.trim().startsWith('●') && !line.includes('Console'));
  if (at === -1) {
    const failed = lines.find((line) => /FAIL|Error|error/.test(line));
    return (failed ?? lines.filter(Boolean).at(-1) ?? 'no output').trim().slice(0, 200);
  }
  const name = lines[at].trim().replace(/^●\s*/, '');
  const detail = lines.slice(at + 1).find((line) => line.trim() !== '');
  return `${name}: ${(detail ?? '').trim()}`.slice(0, 300);
}

/** Per package: its runs so far and how its series ended. */
const results = packages.map((pkg) => ({
  pkg,
  runs: [],
  failure: undefined,
  log: undefined,
  cutShort: false,
  done: false,
  running: false,
}));

/** Wall-clock time a package's runs have taken so far. */
function spent(result) {
  return result.runs.reduce((sum, run) => sum + run.ms, 0);
}

/**
 * One slot of `--parallel`: repeatedly takes the package that has used the least time so far (and is not running and
 * not done), and runs it once. Runs of one package never overlap, so each package's series is still N runs in a row;
 * the least-time-first order shares the time evenly when not every series can finish by the deadline (fast packages
 * then get more runs, each package about the same time).
 */
async function slot() {
  for (;;) {
    const next = results
      .filter((result) => !result.done && !result.running)
      .sort((a, b) => spent(a) - spent(b) || a.runs.length - b.runs.length)[0];
    if (!next) return;
    next.running = true;
    await runNext(next);
    next.running = false;
  }
}

async function runNext(result) {
  const { pkg } = result;
  const index = result.runs.length + 1;
  // A run is started only if it can end by the deadline, judged by this package's slowest run so far.
  const expected = Math.max(0, ...result.runs.map((run) => run.ms));
  if (deadline !== undefined && Date.now() + expected >= deadline) {
    result.cutShort = true;
    result.done = true;
    log(`${pkg.name}: run ${index} would not end by the deadline; stopping`);
    return;
  }
  const run = await runOnce(pkg);
  if (run.killedAtDeadline || interrupted) {
    result.cutShort = true;
    result.done = true;
    log(`${pkg.name}: run ${index} was still going at the deadline: stopped, not counted`);
    return;
  }
  result.runs.push({ ms: run.ms, load: run.load, passed: run.passed });
  log(
    `${pkg.name}: run ${index}/${runs} ${run.passed ? 'passed' : 'FAILED'} in ${(run.ms / 1000).toFixed(1)} s` +
      ` (load ${run.load[0].toFixed(1)} -> ${run.load[1].toFixed(1)})`,
  );
  if (!run.passed) {
    result.failure = `run ${index}: ${firstFailure(run.output)}`;
    result.log = join(args.logs, `${pkg.name}-run${index}.log`);
    writeFileSync(result.log, run.output);
    result.done = true;
    log(`${pkg.name}: stopped at its first failure; output in ${result.log}`);
  } else if (result.runs.length === runs) {
    result.done = true;
  }
}

async function main() {
  const commit = git(['rev-parse', 'HEAD']);
  const dirty = git(['status', '--porcelain']) !== '';
  const command = ['node scripts/stress-contract.mjs', ...process.argv.slice(2)].join(' ');
  const startedAt = new Date();
  log(`commit ${commit}${dirty ? ' (with uncommitted changes)' : ''}; ${command}`);
  for (let index = 0; index < busyCount; index++) {
    startChild(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' });
  }
  log(`${busyCount} busy processes started; ${packages.length} package(s), ${runs} run(s) each, ${parallel} at once`);

  identity = { commit, dirty, command, startedAt };
  await Promise.all(Array.from({ length: Math.min(parallel, packages.length) }, slot));
  stopAll();
  finish();
  const passed = results.every((result) => !result.failure && result.runs.length === runs);
  return passed ? 0 : 1;
}

/** The run's identity, set once it started (what an interrupted run reports too). */
let identity;
let interrupted = false;

/** Prints the table and writes the docs (unless --no-write), for a finished or an interrupted run. */
function finish() {
  if (!identity) return;
  const endedAt = new Date();
  const series = results.map((result) => ({
    name: result.pkg.name,
    commit: identity.commit,
    dirty: identity.dirty,
    command: identity.command,
    busy: busyCount,
    parallel,
    runsAsked: runs,
    startedAt: identity.startedAt.toISOString(),
    endedAt: endedAt.toISOString(),
    interrupted,
    machine: machine(),
    runs: result.runs,
    failure: result.failure,
    log: result.log,
    cutShort: result.cutShort,
  }));
  const kept = args.fresh ? [] : readRecord().filter((entry) => !selected.includes(entry.name));
  const order = (entry) => PACKAGES.findIndex((pkg) => pkg.name === entry.name);
  const merged = [...kept, ...series].sort((a, b) => order(a) - order(b));
  console.log(`\n${renderTable(series)}\n`);
  if (!args['no-write']) writeDocs(merged);
}

const recordPath = join(root, 'docs/reliability-contract-stress.json');

/** Every package's latest series, as kept in the .json record. */
function readRecord() {
  return existsSync(recordPath) ? JSON.parse(readFileSync(recordPath, 'utf8')).series : [];
}

/** Writes the .json record, docs/reliability-contract-stress.md and the marked block of docs/reliability.md. */
function writeDocs(entries) {
  const table = renderTable(entries);
  const detailPath = join(root, 'docs/reliability-contract-stress.md');
  writeFileSync(recordPath, `${JSON.stringify({ series: entries }, null, 2)}\n`);
  writeFileSync(detailPath, renderDetail(entries, table));
  writeBlock(join(root, 'docs/reliability.md'), renderBlock(entries, table));
  log(`wrote ${relative(root, detailPath)}, its .json record and the contract-stress block of docs/reliability.md`);
}

function packageOf(entry) {
  return PACKAGES.find((pkg) => pkg.name === entry.name) ?? { name: entry.name, combinations: '?', files: [] };
}

function complete(entry) {
  return !entry.failure && entry.runs.length >= entry.runsAsked && entry.runs.every((run) => run.passed);
}

function stats(result) {
  const ms = result.runs.map((run) => run.ms);
  const loads = result.runs.flatMap((run) => run.load);
  const sum = ms.reduce((a, b) => a + b, 0);
  return {
    passed: result.runs.filter((run) => run.passed).length,
    total: sum,
    min: ms.length ? Math.min(...ms) : 0,
    max: ms.length ? Math.max(...ms) : 0,
    loadMin: loads.length ? Math.min(...loads) : 0,
    loadMax: loads.length ? Math.max(...loads) : 0,
  };
}

function seconds(ms) {
  return `${(ms / 1000).toFixed(0)} s`;
}

function renderTable(entries) {
  const rows = [
    '| package | combinations covered | runs passed / of | first failure | duration per run (min-max) | total | load avg (1 min) | series (commit, started) |',
    '|---|---|---|---|---|---|---|---|',
  ];
  for (const entry of entries) {
    const s = stats(entry);
    const failure = entry.failure
      ? `${entry.failure.replaceAll('|', '\\|')} (log: ${entry.log})`
      : entry.cutShort || entry.runs.length < entry.runsAsked
        ? `none; cut short (${entry.interrupted ? 'interrupted' : '--deadline'}) after ${entry.runs.length} run(s)`
        : 'none';
    rows.push(
      `| ${entry.name} | ${packageOf(entry).combinations} | ${s.passed} / ${entry.runsAsked} | ${failure} | ` +
        `${seconds(s.min)}-${seconds(s.max)} | ${seconds(s.total)} | ${s.loadMin.toFixed(1)}-${s.loadMax.toFixed(1)} | ` +
        `\`${entry.commit.slice(0, 7)}\`${entry.dirty ? ' (dirty)' : ''}, ${entry.startedAt.slice(0, 16)}Z |`,
    );
  }
  return rows.join('\n');
}

function machine() {
  const cpu = cpus();
  return `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`;
}

function verdict(entries) {
  const done = entries.filter(complete).map((e) => `${e.name} (${e.runs.length})`);
  const failed = entries.filter((e) => e.failure).map((e) => e.name);
  const short = entries.filter((e) => !e.failure && !complete(e)).map((e) => `${e.name} (${e.runs.length})`);
  const parts = [];
  if (done.length) parts.push(`every run asked passed, in a row: ${done.join(', ')}.`);
  if (failed.length) parts.push(`FAILED (series stopped at the first failure): ${failed.join(', ')}.`);
  if (short.length) parts.push(`NOT complete (fewer runs than asked, no failure): ${short.join(', ')}.`);
  return parts.join(' ');
}

/** One line per distinct series (command and commit) in the record. */
function header(entries) {
  const seen = new Map();
  for (const entry of entries) {
    const id = `${entry.commit} ${entry.startedAt}`;
    seen.set(id, { ...entry, names: [...(seen.get(id)?.names ?? []), entry.name] });
  }
  return [
    ...[...seen.values()].map(
      (entry) =>
        `- ${entry.names.join(', ')}: \`${entry.command}\` (\`pnpm stress:contract\`) at commit \`${entry.commit}\`${entry.dirty ? ' (with uncommitted changes)' : ''}, ${entry.busy} busy processes (\`node -e 'for(;;){}'\`) for the whole run, ${entry.parallel} package series at once, ${entry.startedAt} to ${entry.endedAt}${entry.interrupted ? ' (INTERRUPTED)' : ''}, on ${entry.machine ?? 'an unrecorded machine'} (shared with other work)`,
    ),
    `- ${verdict(entries)}`,
  ].join('\n');
}

function renderDetail(entries, table) {
  return `# Contract suite under CPU load

Generated by \`pnpm stress:contract\` (scripts/stress-contract.mjs). Do not edit by hand: run it again.

Each package's contract test files (the whole \`runStoreContract\` suite, expiry at millisecond precision included)
run through \`node scripts/run-jest.mjs <files>\` N times in a row while busy processes keep the cores loaded. A
series stops at its first failure and keeps that run's output in a log file. Each row is its package's latest series
(docs/reliability-contract-stress.json keeps them); a series at an older commit says so in its last column.

${header(entries)}

${table}

What these runs found, and the fixes: [reliability-findings.md](reliability-findings.md) (hand-written).

Per-run durations (s), in order:

${entries
  .map(
    (e) =>
      `- ${e.name} (${packageOf(e).files.join(', ')}): ${e.runs.map((run) => (run.ms / 1000).toFixed(0)).join(', ') || 'none'}`,
  )
  .join('\n')}
`;
}

const BEGIN = '<!-- contract-stress:begin (written by pnpm stress:contract; pnpm soak keeps this block) -->';
const END = '<!-- contract-stress:end -->';

function renderBlock(entries, table) {
  return `${BEGIN}
## Contract suite under CPU load

The store contract suite (expiry at millisecond precision included) on every adapter x client combination, N runs in
a row per package under CPU load; each row is that package's latest series. Details and per-run durations:
[reliability-contract-stress.md](reliability-contract-stress.md).

${header(entries)}

${table}

What these runs found, and the fixes: [reliability-findings.md](reliability-findings.md) (hand-written).
${END}`;
}

/** Replaces the marked block of `path`, or appends it when the file has none. */
function writeBlock(path, block) {
  const text = existsSync(path) ? readFileSync(path, 'utf8') : '';
  const begin = text.indexOf(BEGIN.slice(0, BEGIN.indexOf(' ')));
  const end = text.indexOf(END);
  const next =
    begin !== -1 && end > begin
      ? `${text.slice(0, begin)}${block}${text.slice(end + END.length)}`
      : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(path, next);
}

function git(argv) {
  return spawnSync('git', argv, { cwd: root, encoding: 'utf8' }).stdout.trim();
}

function positive(value, name) {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1) fail(`${name}: a positive integer, not ${value}`);
  return number;
}

function fail(message) {
  console.error(message);
  process.exit(2);
}

function log(message) {
  console.log(`[${new Date().toISOString().slice(11, 19)}] ${message}`);
}

if (args['render-only']) {
  writeDocs(readRecord());
  process.exit(0);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    stopAll();
    process.exit(2);
  },
);

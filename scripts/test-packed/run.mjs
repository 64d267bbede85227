#!/usr/bin/env node
// pnpm test:packed — the packages as npm will serve them, used as the READMEs say, by a new user.
//
// Packs every public package (pnpm pack), checks the packed manifests (no `workspace:` left, no source maps, a README
// whose links resolve on the npm page), installs the tarballs with npm into fresh projects in a temporary directory
// outside the workspace, and there runs: the root README's quick start as ESM and as CommonJS against a throwaway
// redis-server (exits 0 and prints its result; fails naming the key variable when it is unset), the contract suite on
// a tiny custom adapter under jest, vitest and node:test, `npx oauth-store --help`, a backend that is not
// installed, and `demo` (fetching its packages on first use; as root, then as an unprivileged user), and tsc --noEmit
// consumers under moduleResolution node16 and bundler. It measures install sizes (node_modules on disk and the number
// of packages) and prints them.
//
// Options: --keep (leave the temporary directory), --skip-demo, --json FILE (write the measurements).
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pool, run, tail } from './process.mjs';
import { readmeLinkProblems } from './readme-links.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'scripts', 'test-packed', 'fixtures');
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const skipDemo = args.includes('--skip-demo');
const jsonOut = args.includes('--json') ? args[args.indexOf('--json') + 1] : undefined;
const started = Date.now();
const failures = [];
const measurements = {};

const seconds = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
const log = (text) => console.log(`[test:packed ${seconds()}] ${text}`);
function fail(text) {
  failures.push(text);
  console.log(`  FAIL ${text}`);
}
function pass(text) {
  console.log(`  ok   ${text}`);
}
/** Records a check: passes when `ok`, else fails with `detail`. */
function check(ok, text, detail = '') {
  if (ok) pass(text);
  else fail(detail ? `${text}\n${detail}` : text);
  return ok;
}

const npmEnv = (extra = {}) => ({
  ...process.env,
  npm_config_audit: 'false',
  npm_config_fund: 'false',
  npm_config_update_notifier: 'false',
  npm_config_loglevel: 'error',
  // The workspace's .npmrc holds pnpm settings npm does not know; these projects are outside it anyway.
  ...extra,
});

// ---------------------------------------------------------------------------------------------------------------
// 1. The public packages, built and packed.

const packages = readdirSync(join(root, 'packages'))
  .map((dir) => ({
    dir: join(root, 'packages', dir),
    manifest: JSON.parse(readFileSync(join(root, 'packages', dir, 'package.json'), 'utf8')),
  }))
  .filter(({ manifest }) => !manifest.private);
const work = mkdtempSync(join(tmpdir(), 'oauth-store-packed-'));
const tarballDir = join(work, 'tarballs');
mkdirSync(tarballDir);
log(`${packages.length} public packages; working in ${work}`);

const unbuilt = packages.filter(({ dir }) => !existsSync(join(dir, 'dist')));
if (unbuilt.length > 0) {
  log(`building (${unbuilt.map(({ manifest }) => manifest.name).join(', ')} had no dist/)`);
  const built = await run('pnpm', ['build'], { cwd: root, timeoutMs: 600_000 });
  if (built.code !== 0) {
    console.log(tail(built, 40));
    throw new Error('pnpm build failed');
  }
}

log('pnpm pack');
const tarballs = {};
await pool(
  4,
  packages.map(({ dir, manifest }) => async () => {
    const packed = await run('pnpm', ['pack', '--pack-destination', tarballDir], { cwd: dir, timeoutMs: 120_000 });
    const file = join(tarballDir, `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`);
    if (check(packed.code === 0 && existsSync(file), `pnpm pack ${manifest.name}`, tail(packed)))
      tarballs[manifest.name] = file;
  }),
);
const tgz = (name) => tarballs[name];

// ---------------------------------------------------------------------------------------------------------------
// 2. The packed manifests and READMEs, as npm will serve them.

log('packed manifests and READMEs');
const tarballSizes = {};
for (const { manifest } of packages) {
  const file = tgz(manifest.name);
  if (!file) continue;
  const entries = execFileSync('tar', ['-tzf', file], { encoding: 'utf8' }).trim().split('\n');
  const packedManifest = execFileSync('tar', ['-xzf', file, '-O', 'package/package.json'], { encoding: 'utf8' });
  tarballSizes[manifest.name] = Math.round(readFileSync(file).length / 1024);
  check(!packedManifest.includes('workspace:'), `${manifest.name}: no workspace: range in the packed package.json`);
  const parsed = JSON.parse(packedManifest);
  check(
    Boolean(
      parsed.repository?.url && parsed.homepage && parsed.bugs?.url && parsed.engines?.node && parsed.keywords?.length,
    ),
    `${manifest.name}: repository, homepage, bugs, engines and keywords`,
  );
  const maps = entries.filter((entry) => entry.endsWith('.map'));
  check(maps.length === 0, `${manifest.name}: no source maps in the tarball`, maps.join(', '));
  if (!check(entries.includes('package/README.md'), `${manifest.name}: ships a README`)) continue;
  const readme = execFileSync('tar', ['-xzf', file, '-O', 'package/README.md'], { encoding: 'utf8' });
  const problems = readmeLinkProblems(manifest.name, readme, root);
  check(
    problems.length === 0,
    `${manifest.name}: README links resolve on the npm page`,
    problems.map((p) => `      ${p}`).join('\n'),
  );
}
measurements.tarballKiB = tarballSizes;

// ---------------------------------------------------------------------------------------------------------------
// 3. Fresh projects outside the workspace.

/** Creates an npm project in the work directory. */
function project(name, packageJson = {}) {
  const dir = join(work, name);
  mkdirSync(dir);
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ name: `packed-${name}`, version: '0.0.0', private: true, ...packageJson }, null, 2)}\n`,
  );
  return dir;
}

async function npmInstall(dir, specs, label) {
  const result = await run('npm', ['install', '--no-audit', '--no-fund', ...specs], {
    cwd: dir,
    env: npmEnv(),
    timeoutMs: 300_000,
  });
  check(result.code === 0, `npm install (${label})`, tail(result));
  return result.code === 0;
}

/** node_modules on disk (du, MB) and the number of packages npm installed (its hidden lockfile's entries). */
function installSize(dir) {
  const kib = Number(execFileSync('du', ['-sk', join(dir, 'node_modules')], { encoding: 'utf8' }).split(/\s/)[0]);
  const lock = JSON.parse(readFileSync(join(dir, 'node_modules', '.package-lock.json'), 'utf8'));
  const count = Object.keys(lock.packages).filter(
    (path) => path.startsWith('node_modules/') && !lock.packages[path].link,
  ).length;
  return { mb: Math.round((kib / 1024) * 10) / 10, packages: count };
}

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

/** A throwaway redis-server on a free loopback port (the quick start's shared backend). */
async function startRedis() {
  const port = await freePort();
  const { spawn } = await import('node:child_process');
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  await new Promise((resolveReady, reject) => {
    let output = '';
    const timer = setTimeout(() => reject(new Error(`redis-server did not start: ${output.slice(-500)}`)), 20_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`redis-server could not start (${error.message}); install it (apt-get install redis-server)`));
    });
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (/Ready to accept connections/i.test(output)) {
        clearTimeout(timer);
        resolveReady();
      }
    });
  });
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

/** The code block that follows `<!-- marker -->` in a markdown file. */
function markedBlock(file, marker) {
  const text = readFileSync(file, 'utf8');
  const at = text.indexOf(`<!-- ${marker} -->`);
  if (at < 0) return undefined;
  return /```[a-z]*\n([\s\S]*?)```/.exec(text.slice(at))?.[1];
}

/** The fixture adapter as CommonJS, compiled from its ESM source with the workspace's TypeScript. */
function commonJsAdapter() {
  const ts = createRequire(join(root, 'package.json'))('typescript');
  const source = readFileSync(join(fixtures, 'contract', 'my-store.mjs'), 'utf8');
  return ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 },
  }).outputText;
}

const redis = await startRedis();
const key = Buffer.from(Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256)).toString('base64');

// A. The README quick start: core + redis + envelope + the Redis client, ESM and CommonJS; then the tsc consumers.
async function quickStartProject() {
  const dir = project('quick-start');
  if (
    !(await npmInstall(
      dir,
      [tgz('@oauth-store/core'), tgz('@oauth-store/redis'), tgz('@oauth-store/envelope'), 'redis@^5'],
      'quick start',
    ))
  )
    return;
  measurements.quickStart = {
    what: '@oauth-store/core + redis + envelope + redis (the quick start)',
    ...installSize(dir),
  };
  for (const [kind, file] of [
    ['esm', 'quick-start.mjs'],
    ['cjs', 'quick-start.cjs'],
  ]) {
    const code = markedBlock(join(root, 'README.md'), `quick-start: ${kind}`);
    if (!check(code !== undefined, `README has the ${kind.toUpperCase()} quick start (<!-- quick-start: ${kind} -->)`))
      continue;
    writeFileSync(join(dir, file), code);
    const env = { ...process.env, REDIS_URL: redis.url, OAUTH_STORE_KEY: key };
    const ran = await run(process.execPath, [file], { cwd: dir, env, timeoutMs: 30_000 });
    check(
      ran.code === 0 && /registered/i.test(ran.stdout),
      `quick start ${kind.toUpperCase()}: exits 0 and prints its result (${ran.ms} ms): ${ran.stdout.trim().split('\n').pop()}`,
      tail(ran),
    );
    const { OAUTH_STORE_KEY: _, ...withoutKey } = env;
    const noKey = await run(process.execPath, [file], { cwd: dir, env: withoutKey, timeoutMs: 30_000 });
    check(
      noKey.code !== 0 && /OAUTH_STORE_KEY/.test(noKey.stderr) && !noKey.stdout.includes('registered'),
      `quick start ${kind.toUpperCase()} without OAUTH_STORE_KEY: stops before any write, naming the variable`,
      tail(noKey),
    );
  }
  // tsc consumers: the same project plus the remaining packages' types.
  if (
    !(await npmInstall(
      dir,
      [tgz('@oauth-store/contract-tests'), tgz('@oauth-store/cli'), 'typescript@5.9.3', '@types/node@^22'],
      'tsc consumers',
    ))
  )
    return;
  for (const file of readdirSync(join(fixtures, 'types')))
    writeFileSync(join(dir, file), readFileSync(join(fixtures, 'types', file)));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify({ ...JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')), type: 'module' }, null, 2)}\n`,
  );
  for (const resolution of ['node16', 'bundler']) {
    const tsc = await run(
      process.execPath,
      [join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', `tsconfig.${resolution}.json`],
      { cwd: dir, timeoutMs: 120_000 },
    );
    check(tsc.code === 0, `tsc --noEmit, moduleResolution ${resolution} (skipLibCheck off)`, tail(tsc, 20));
  }
}

// A'. The same adapter with node-redis's client package alone (no Redis Stack modules), measured only.
async function redisClientOnlyProject() {
  const dir = project('redis-client-only');
  if (
    !(await npmInstall(
      dir,
      [tgz('@oauth-store/core'), tgz('@oauth-store/redis'), tgz('@oauth-store/envelope'), '@redis/client@^5'],
      'core + redis + envelope + @redis/client',
    ))
  )
    return;
  measurements.redisClientOnly = { what: '@oauth-store/core + redis + envelope + @redis/client', ...installSize(dir) };
  writeFileSync(
    join(dir, 'client-only.mjs'),
    [
      "import { createClient } from '@redis/client';",
      "import { ClientStore } from '@oauth-store/core';",
      "import { createRedisStore } from '@oauth-store/redis';",
      'const client = await createClient({ url: process.env.REDIS_URL }).connect();',
      'const store = await createRedisStore({ client });',
      "const registered = await new ClientStore(store).registerClient({ redirect_uris: ['http://127.0.0.1:3000/cb'] });",
      "console.log('registered', registered.client_id, 'through @redis/client');",
      'await store.close();',
      'await client.close();',
      '',
    ].join('\n'),
  );
  const ran = await run(process.execPath, ['client-only.mjs'], {
    cwd: dir,
    env: { ...process.env, REDIS_URL: redis.url },
    timeoutMs: 30_000,
  });
  check(
    ran.code === 0 && /registered/.test(ran.stdout),
    'the Redis adapter on a client from @redis/client alone',
    tail(ran),
  );
}

// B. The contract suite on a tiny custom adapter (fixtures/contract/my-store.mjs) under jest, vitest and node:test.
async function contractProject() {
  const dir = project('contract');
  if (
    !(await npmInstall(
      dir,
      [tgz('@oauth-store/core'), tgz('@oauth-store/contract-tests'), 'jest@^30', 'vitest@^3'],
      'contract suite',
    ))
  )
    return;
  writeFileSync(join(dir, 'my-store.cjs'), commonJsAdapter());
  for (const file of readdirSync(join(fixtures, 'contract')))
    writeFileSync(join(dir, file), readFileSync(join(fixtures, 'contract', file)));
  writeFileSync(
    join(dir, 'jest.config.cjs'),
    "module.exports = { testEnvironment: 'node', testMatch: ['**/*.jest.test.cjs'], transform: {}, moduleFileExtensions: ['js', 'cjs', 'mjs', 'json'] };\n",
  );
  const runs = await Promise.all([
    run(process.execPath, [join(dir, 'node_modules', 'jest', 'bin', 'jest.js'), '--ci'], {
      cwd: dir,
      timeoutMs: 240_000,
    }),
    run(process.execPath, [join(dir, 'node_modules', 'vitest', 'vitest.mjs'), 'run', 'contract.vitest'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
      timeoutMs: 240_000,
    }),
    run(process.execPath, ['--test', '--test-reporter=tap', 'contract.node-test.mjs'], {
      cwd: dir,
      timeoutMs: 240_000,
    }),
  ]);
  const [jest, vitest, nodeTest] = runs;
  const jestPassed = Number(/Tests:\s+(?:\d+ skipped, )?(\d+) passed/.exec(jest.stderr)?.[1] ?? 0);
  check(jest.code === 0 && jestPassed >= 45, `contract suite under jest (CJS): ${jestPassed} passed`, tail(jest));
  const vitestPassed = Number(/Tests\s+(\d+) passed/.exec(vitest.stdout)?.[1] ?? 0);
  check(
    vitest.code === 0 && vitestPassed >= 45,
    `contract suite under vitest (ESM): ${vitestPassed} passed`,
    tail(vitest),
  );
  const nodePassed = Number(/^# pass (\d+)$/m.exec(nodeTest.stdout)?.[1] ?? 0);
  check(
    nodeTest.code === 0 && nodePassed >= 45,
    `contract suite under node:test (ESM): ${nodePassed} passed`,
    tail(nodeTest),
  );
}

// C. The CLI alone: --help, a backend that is not installed, and the demo (fetching its packages on first use).
async function cliProject() {
  const dir = project('cli');
  if (
    !(await npmInstall(dir, [tgz('@oauth-store/cli'), tgz('@oauth-store/core'), tgz('@oauth-store/envelope')], 'CLI'))
  )
    return;
  measurements.cli = { what: '@oauth-store/cli (all that --help, keys and doctor need)', ...installSize(dir) };
  const cache = join(dir, '.npm-cache');
  const env = npmEnv({ npm_config_cache: cache, OAUTH_STORE_PACKAGES_DIR: tarballDir, npm_config_yes: 'true' });
  // Cold: a fresh npm cache and no project, as `npx @oauth-store/cli --help` on a new machine (tarballs for the registry).
  const cold = await run(
    'npx',
    [
      '--yes',
      ...['cli', 'core', 'envelope'].map((name) => `--package=${tgz(`@oauth-store/${name}`)}`),
      '--',
      'oauth-store',
      '--help',
    ],
    { cwd: work, env: npmEnv({ npm_config_cache: join(work, 'cold-npm-cache') }), timeoutMs: 120_000 },
  );
  check(
    cold.code === 0 && cold.stdout.includes('Usage: oauth-store'),
    `cold npx oauth-store --help, empty npm cache (${cold.ms} ms)`,
    tail(cold),
  );
  measurements.coldNpxHelpMs = cold.ms;
  const help = await run('npx', ['oauth-store', '--help'], { cwd: dir, env, timeoutMs: 60_000 });
  check(
    help.code === 0 && help.stdout.includes('Usage: oauth-store'),
    `npx oauth-store --help (${help.ms} ms)`,
    tail(help),
  );
  const generated = await run('npx', ['oauth-store', 'keys', 'generate'], { cwd: dir, env, timeoutMs: 60_000 });
  check(
    generated.code === 0 && Buffer.from(generated.stdout.trim(), 'base64').length === 32,
    'npx oauth-store keys generate: a 32-byte key',
    tail(generated),
  );
  const inspect = await run('npx', ['oauth-store', 'inspect', redis.url], { cwd: dir, env, timeoutMs: 60_000 });
  check(
    inspect.code === 1 &&
      /@oauth-store\/redis/.test(inspect.stderr) &&
      /npm install @oauth-store\/redis (redis|@redis\/client)/.test(inspect.stderr),
    'npx oauth-store inspect redis://... without the Redis adapter: exit 1 naming what to install',
    tail(inspect),
  );
  if (skipDemo) return;
  // Three instances behind round robin: with per-instance memory a login succeeds only when its registration,
  // authorization, callback and token requests happen to meet the same instance's memory, so that six logins all
  // succeed by luck (which would fail this check) is far less likely than with two instances and four logins.
  const demoArgs = ['oauth-store', 'demo', '--instances', '3', '--logins', '6', '--concurrency', '3', '--json'];
  const demos = [['as ' + (process.getuid?.() === 0 ? 'root' : 'the current user'), {}]];
  // The issue this guards: as root, npx keeps packages where PostgreSQL's unprivileged account cannot enter.
  if (process.getuid?.() === 0) {
    const nobody = readFileSync('/etc/passwd', 'utf8')
      .split('\n')
      .find((line) => line.startsWith('nobody:'))
      ?.split(':');
    if (nobody) demos.push(['as an unprivileged user (nobody)', { uid: Number(nobody[2]), gid: Number(nobody[3]) }]);
  }
  for (const [who, ids] of demos) {
    if (ids.uid !== undefined) {
      // The second run reuses the first one's npx cache: hand the project to the user.
      execFileSync('chown', ['-R', `${ids.uid}:${ids.gid}`, dir]);
      chmodSync(work, 0o755);
      execFileSync('chmod', ['-R', 'a+rX', tarballDir]);
    }
    const demoEnv = ids.uid === undefined ? env : { ...env, HOME: dir };
    const demo = await run('npx', demoArgs, { cwd: dir, env: demoEnv, timeoutMs: 240_000, ...ids });
    let report;
    try {
      report = JSON.parse(demo.stdout);
    } catch {
      report = undefined;
    }
    check(
      demo.code === 0 && report?.runs?.[0]?.failed > 0 && report?.runs?.[1]?.failed === 0,
      `npx oauth-store demo ${who} (${demo.ms} ms): per-instance memory ${report?.runs?.[0]?.failed}/${report?.runs?.[0]?.logins} failed, embedded PostgreSQL ${report?.runs?.[1]?.failed}/${report?.runs?.[1]?.logins} failed`,
      tail(demo, 20),
    );
  }
}

try {
  await Promise.all([quickStartProject(), redisClientOnlyProject(), contractProject(), cliProject()]);
} finally {
  redis.stop();
}

// ---------------------------------------------------------------------------------------------------------------

log('install sizes');
for (const name of ['quickStart', 'redisClientOnly', 'cli']) {
  const size = measurements[name];
  if (size) console.log(`  ${size.what}: ${size.mb} MB in node_modules, ${size.packages} packages`);
}
if (jsonOut) writeFileSync(jsonOut, `${JSON.stringify(measurements, null, 2)}\n`);
if (keep) log(`kept ${work}`);
else rmSync(work, { recursive: true, force: true });
if (failures.length > 0) {
  log(`${failures.length} check(s) failed:`);
  for (const failure of failures) console.log(`  - ${failure.split('\n')[0]}`);
  process.exit(1);
}
log('every check passed');

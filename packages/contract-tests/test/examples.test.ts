// The README's examples run as written: the vitest example under vitest and the node:test example under
// `node --test`, each in its own process, both against the file-system fixture store (shared across processes, so
// the vitest example's cross-process take test really races). The README's code blocks must equal the fixture
// files byte for byte, so the examples cannot drift from what runs.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fixture, packageRoot } from './helpers/workspace';

const exampleDir = fixture('example');
const readme = readFileSync(join(packageRoot, 'README.md'), 'utf8');

/** The fenced code block that follows `<!-- example: <path> -->` in the README. */
function readmeBlock(path: string): string | undefined {
  const marker = `<!-- example: ${path} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) return undefined;
  const match = /```(?:ts|typescript)\n([\s\S]*?)```/.exec(readme.slice(start + marker.length));
  return match?.[1];
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

/** Runs a command in the example folder with a fresh store directory; never rejects. */
function run(args: string[], timeoutMs: number): Promise<Finished> {
  const dir = mkdtempSync(join(tmpdir(), 'contract-example-'));
  dirs.push(dir);
  // NODE_OPTIONS is jest's (--experimental-vm-modules); the examples run the way a user runs them.
  const env = { ...process.env, NODE_OPTIONS: '', MY_STORE_URL: pathToFileURL(dir).href };
  const child = spawn(process.execPath, args, { cwd: exampleDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => {
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const vitestBin = join(
  createRequire(join(packageRoot, 'package.json')).resolve('vitest/package.json'),
  '..',
  'vitest.mjs',
);
let vitestRun: Promise<Finished>;
let nodeTestRun: Promise<Finished>;
let vitestReport: string;

// Both examples start at once: they are separate processes, so they overlap instead of adding up.
beforeAll(() => {
  vitestReport = join(mkdtempSync(join(tmpdir(), 'contract-vitest-report-')), 'report.json');
  dirs.push(join(vitestReport, '..'));
  // The whole v2 suite (two cross-process races among it) on a file-system store, on a machine that may be busy.
  vitestRun = run([vitestBin, 'run', '--root', '.', '--reporter=json', `--outputFile=${vitestReport}`], 230_000);
  nodeTestRun = run(['--import', 'tsx', '--test', '--test-reporter=tap', 'contract.node-test.ts'], 230_000);
});

afterAll(() => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('README examples', () => {
  it.each(['contract.vitest.ts', 'contract.jest.ts', 'contract.node-test.ts'])(
    'the README block for %s is the fixture file, verbatim',
    (file) => {
      const block = readmeBlock(`test/fixtures/example/${file}`);
      expect(block).toBeDefined();
      expect(block).toBe(readFileSync(join(exampleDir, file), 'utf8'));
    },
  );

  it('the vitest example passes under vitest, cross-process take test included', async () => {
    const result = await vitestRun;
    const report = JSON.parse(readFileSync(vitestReport, 'utf8')) as {
      numTotalTests: number;
      numPassedTests: number;
      testResults: Array<{ assertionResults: Array<{ fullName: string; status: string }> }>;
    };
    const tests = report.testResults.flatMap((file) => file.assertionResults);
    expect({ code: result.code, failed: tests.filter((t) => t.status !== 'passed').map((t) => t.fullName) }).toEqual({
      code: 0,
      failed: [],
    });
    expect(report.numPassedTests).toBeGreaterThanOrEqual(45);
    expect(tests.filter((t) => /2 OS processes race to take 200 keys/.test(t.fullName))).toHaveLength(1);
  }, 240_000);

  it('the node:test example passes under node --test, and says the cross-process test was not registered', async () => {
    const result = await nodeTestRun;
    const count = (label: string) => Number(new RegExp(`^# ${label} (\\d+)$`, 'm').exec(result.stdout)?.[1]);
    expect({ code: result.code, fail: count('fail'), cancelled: count('cancelled') }).toEqual({
      code: 0,
      fail: 0,
      cancelled: 0,
    });
    expect(count('pass')).toBeGreaterThanOrEqual(45);
    expect(result.stdout + result.stderr).toMatch(/my-store: cross-process take test NOT registered/);
  }, 240_000);
});

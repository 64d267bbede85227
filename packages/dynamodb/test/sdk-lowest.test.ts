// The peer range is ^3.600.0. Every other test runs the newest 3.x (the devDependency); this one runs the adapter's
// key paths with @aws-sdk/client-dynamodb 3.600.0, the lowest of the range: a child process loads the adapter's own
// sources through tsx with a tsconfig that maps the SDK's module name to that version (fixtures/lowest-sdk-check.ts).
// It checks plain and conditional writes, compare-and-set, take, and that a create whose answer was lost is not
// resent by that version's retry strategy (the single-attempt middleware works on its middleware stack).
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { endpoint } from './support';

const here = dirname(fileURLToPath(import.meta.url));

describe('@aws-sdk/client-dynamodb 3.600.0 (lowest of the peer range)', () => {
  it('runs set, onlyIfAbsent, compare-and-set, take and the lost-create check on DynamoDB Local', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DYNAMODB_ENDPOINT: endpoint(),
      TSX_TSCONFIG_PATH: join(here, 'fixtures', 'tsconfig.lowest-sdk.json'),
    };
    delete env.NODE_OPTIONS;
    // Asynchronous, not spawnSync: the harness may serve DynamoDB Local through a forwarder in this very process.
    const child = spawn(process.execPath, ['--import', 'tsx', join(here, 'fixtures', 'lowest-sdk-check.ts')], { env });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill(), 90_000);
    // 'close', not 'exit': stdout is parsed below, and 'exit' can come before its last chunk is read.
    const status = await new Promise<number | null>((resolve) => child.once('close', resolve));
    clearTimeout(timer);
    if (status !== 0) throw new Error(`the check failed (${status}): ${stderr.slice(-2000)}`);
    const result = JSON.parse(stdout.trim().split('\n').at(-1) as string);
    expect(result).toEqual({
      sdkIsLowest: true,
      lowestVersion: '3.600.0',
      basics: [true, false],
      compareAndSet: [true, false, false],
      take: ['v2', null],
      lostCreate: { outcomeUnknown: true, writtenBack: false },
    });
  }, 120_000);
});

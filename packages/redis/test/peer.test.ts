import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';

const here = dirname(fileURLToPath(import.meta.url));

describe('optional peers', () => {
  it('without `@redis/client` and `redis`, `url` fails with a ConfigurationError naming the packages, and ioredis still works', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', join(here, 'fixtures', 'without-redis-package.mts')],
        { cwd: dirname(here), timeout: 30_000 },
        (error, out, err) => (error ? reject(new Error(`child failed: ${err || error.message}`)) : resolve(out)),
      );
    });
    const [withUrl, withIoredis] = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(withUrl).toMatchObject({ name: 'ConfigurationError', code: 'configuration' });
    expect(withUrl.message).toContain('npm install @redis/client');
    expect(withIoredis).toEqual({ created: 'redis' });
  });
});

import { describe, expect, it } from '@jest/globals';
import { SHAREABLE_SCHEMES } from '../src/adapter-registry';
import { main } from '../src/main';
import { recordingIo } from './support/io';

async function run(argv: string[]) {
  const io = recordingIo();
  const code = await main(argv, io);
  return { code, out: io.out, err: io.err };
}

describe('usage errors: one line, what is wrong and what to do, exit code 2', () => {
  it.each([
    [['frobnicate'], /unknown command "frobnicate".*oauth-store --help/],
    [['demo', '--bogus'], /demo: Unknown option '--bogus'\. Run `oauth-store demo --help`/],
    [['demo', '--instances', '0'], /--instances must be a whole number from 1 to 32/],
    [['demo', '--store', 'memory:'], /cannot be shared by instances in separate processes/],
    [['demo', '--store', 'pglite:./x'], /cannot be shared/],
    [['doctor'], /give exactly one MCP server URL/],
    [['doctor', 'ftp://x/mcp'], /http:\/\/ or https:\/\//],
    [['migrate', '--to', 'redis://127.0.0.1:1'], /--from is required/],
    [['migrate', '--from', 'redis://a:1', '--to', 'redis://a:1'], /same store/],
    [['inspect'], /give exactly one store URL/],
    [['keys'], /keys generate.*keys rewrap/],
    [['keys', 'rewrap', '--store', 'redis://a:1'], /--key-file is required/],
  ])('%j', async (argv, message) => {
    const { code, err } = await run(argv);
    expect(err).toMatch(message);
    // The backends to use instead come from the adapter registry, not a hand-kept list.
    if (argv[0] === 'demo' && argv[1] === '--store') {
      for (const scheme of SHAREABLE_SCHEMES) expect(err).toContain(scheme);
    }
    expect(err.trim().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('a bad store URL is a one-line configuration error that never echoes the URL (it may hold a password)', async () => {
    const { code, err } = await run(['inspect', 'mongodb://user:hunter2@host/db']);
    expect(code).toBe(1);
    expect(err).toMatch(/unknown store scheme "mongodb"/);
    expect(err).not.toContain('hunter2');
    expect(err.trim().split('\n')).toHaveLength(1);
  });

  it('prints help for every command and exits 0', async () => {
    for (const argv of [
      ['--help'],
      ['demo', '--help'],
      ['doctor', '--help'],
      ['migrate', '--help'],
      ['inspect', '--help'],
      ['keys', '--help'],
    ]) {
      const { code, out } = await run(argv);
      expect(code).toBe(0);
      expect(out).toMatch(/^Usage: oauth-store/);
    }
  });
});

// Issue 12, item 9: a key file readable by others, or reached through a symbolic link, is reported (as ssh does for
// private keys), once per source, never with key material; `refuse` turns each into a configuration error.
import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { fileKeySource } from '../src/index';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oauth-store-key-hygiene-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function keyFile(name: string, mode: number): Promise<{ path: string; secret: string }> {
  const path = join(dir, name);
  const secret = randomBytes(32).toString('base64');
  await writeFile(path, `${secret}\n`);
  await chmod(path, mode);
  return { path, secret };
}

// Mode bits do not describe access on Windows; the check is skipped there, and so is this test.
const posix = process.platform === 'win32' ? describe.skip : describe;

posix('fileKeySource: key file hygiene', () => {
  it('warns once (not on every refresh) when the file is readable by group or others, naming the mode and the fix', async () => {
    const { path, secret } = await keyFile('world-readable', 0o644);
    const warnings: string[] = [];
    const source = fileKeySource({ path, encoding: 'base64', onWarning: (message) => warnings.push(message) });
    await source.load();
    await source.load();
    expect(warnings).toEqual([
      expect.stringMatching(/can be read or written by its group or by others \(mode 0644\).*chmod 600/),
    ]);
    expect(warnings[0]).not.toContain(secret.slice(0, 8));
  });

  it('does not warn for a file only its owner can read or write', async () => {
    for (const mode of [0o600, 0o400]) {
      const { path } = await keyFile(`private-${mode.toString(8)}`, mode);
      const warnings: string[] = [];
      await fileKeySource({ path, encoding: 'base64', onWarning: (message) => warnings.push(message) }).load();
      expect(warnings).toEqual([]);
    }
  });

  it('permissions: "refuse" fails with a configuration error; "ignore" stays silent', async () => {
    const { path, secret } = await keyFile('group-readable', 0o640);
    await expect(fileKeySource({ path, encoding: 'base64', permissions: 'refuse' }).load()).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/mode 0640.*permissions: "refuse"/),
    });
    const warnings: string[] = [];
    const loaded = await fileKeySource({
      path,
      encoding: 'base64',
      permissions: 'ignore',
      onWarning: (message) => warnings.push(message),
    }).load();
    expect(Buffer.from(loaded.primary.key).toString('base64')).toBe(secret);
    expect(warnings).toEqual([]);
  });

  it('a symbolic link is reported by default, refused with symlinks: "refuse", followed silently with "follow"', async () => {
    const { path: target } = await keyFile('link-target', 0o600);
    const link = join(dir, 'link');
    await symlink(target, link);
    const warnings: string[] = [];
    await fileKeySource({ path: link, encoding: 'base64', onWarning: (message) => warnings.push(message) }).load();
    expect(warnings).toEqual([expect.stringMatching(/is a symbolic link.*symlinks: "follow"/)]);
    await expect(fileKeySource({ path: link, encoding: 'base64', symlinks: 'refuse' }).load()).rejects.toMatchObject({
      code: 'configuration',
      message: expect.stringMatching(/is a symbolic link, and this source refuses links/),
    });
    const quiet: string[] = [];
    await fileKeySource({
      path: link,
      encoding: 'base64',
      symlinks: 'follow',
      onWarning: (message) => quiet.push(message),
    }).load();
    expect(quiet).toEqual([]);
  });

  it('without onWarning the warning is a process warning with a stable code', async () => {
    const { path } = await keyFile('process-warning', 0o604);
    const emitted: unknown[][] = [];
    const original = process.emitWarning;
    process.emitWarning = ((...args: unknown[]) => emitted.push(args)) as typeof process.emitWarning;
    try {
      await fileKeySource({ path, encoding: 'base64' }).load();
    } finally {
      process.emitWarning = original;
    }
    expect(emitted).toEqual([[expect.stringContaining('mode 0604'), { code: 'OAUTH_STORE_KEY_FILE' }]]);
  });

  it('rejects unknown option values', () => {
    expect(() => fileKeySource({ path: 'x', encoding: 'base64', permissions: 'lax' as never })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
    expect(() => fileKeySource({ path: 'x', encoding: 'base64', symlinks: 'maybe' as never })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});

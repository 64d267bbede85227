import { randomBytes } from 'node:crypto';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KEK_BYTES } from '@oauth-store/core';
import { envKeySource, fileKeySource, fingerprintKid } from '../src/index';

const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');

/** Asserts a rejection with `code` whose message matches `pattern` and contains none of `secrets`. */
async function expectConfigError(promise: Promise<unknown>, pattern: RegExp, secrets: string[] = []) {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught).toMatchObject({ code: 'configuration', message: expect.stringMatching(pattern) });
  const { message, cause } = caught as Error & { cause?: unknown };
  for (const secret of secrets) {
    expect(message).not.toContain(secret);
    if (cause instanceof Error) expect(cause.message).not.toContain(secret);
  }
  return caught as Error;
}

describe('envKeySource', () => {
  it('reads one base64 key; the kid defaults to a fingerprint', async () => {
    const key = new Uint8Array(randomBytes(32));
    const source = envKeySource({ variable: 'KEK', encoding: 'base64', env: { KEK: b64(key) } });
    expect(source.description).toBe('environment variable KEK');
    const material = await source.load();
    expect(Buffer.from(material.primary.key)).toEqual(Buffer.from(key));
    expect(material.primary.kid).toBe(fingerprintKid(key));
    expect(material.decryptOnly).toEqual([]);
  });

  it('uses the kid option for a single key', async () => {
    const source = envKeySource({
      variable: 'K',
      encoding: 'hex',
      kid: 'v7',
      env: { K: randomBytes(32).toString('hex') },
    });
    expect((await source.load()).primary.kid).toBe('v7');
  });

  it('reads several keys from the JSON form: primary writes, the rest decrypt', async () => {
    const k1 = new Uint8Array(randomBytes(32));
    const k2 = new Uint8Array(randomBytes(32));
    const secret = JSON.stringify({ primary: '2025-06', keys: { '2025-01': b64(k1), '2025-06': b64(k2) } });
    const material = await envKeySource({ variable: 'KEYS', encoding: 'base64', env: { KEYS: secret } }).load();
    expect(material.primary.kid).toBe('2025-06');
    expect(Buffer.from(material.primary.key)).toEqual(Buffer.from(k2));
    expect(material.decryptOnly.map((version) => version.kid)).toEqual(['2025-01']);
  });

  it('fails with the variable name and the fix when the variable is missing or empty', async () => {
    for (const env of [{}, { KEK: '' }, { KEK: '   ' }]) {
      await expectConfigError(
        envKeySource({ variable: 'KEK', encoding: 'base64', env }).load(),
        /environment variable KEK is not set.*openssl rand -base64 32/,
      );
    }
  });

  it('fails on a key of the wrong size, naming the variable, never showing the secret', async () => {
    const short = b64(randomBytes(16));
    const error = await expectConfigError(
      envKeySource({ variable: 'KEK', encoding: 'base64', env: { KEK: short } }).load(),
      /environment variable KEK decodes to 16 bytes; a key needs at least 32/,
      [short],
    );
    expect(error.message).not.toContain(Buffer.from(short, 'base64').toString('hex'));
  });

  it('fails on a wrong encoding without echoing the value', async () => {
    const secret = `not base64 !!${randomBytes(8).toString('hex')}`;
    await expectConfigError(
      envKeySource({ variable: 'KEK', encoding: 'base64', env: { KEK: secret } }).load(),
      /environment variable KEK is not valid base64/,
      [secret],
    );
  });

  it('fails on broken JSON without the parser message (which would quote the secret)', async () => {
    const inner = b64(randomBytes(32));
    const secret = `{"primary":"a","keys":{"a":"${inner}"`;
    const error = await expectConfigError(
      envKeySource({ variable: 'KEYS', encoding: 'base64', env: { KEYS: secret } }).load(),
      /environment variable KEYS starts with "\{" but is not valid JSON/,
      [inner, secret.slice(0, 20)],
    );
    expect(error.cause).toBeUndefined();
  });

  it('fails when the JSON primary is not among the keys, or a key is too short', async () => {
    const good = b64(randomBytes(32));
    await expectConfigError(
      envKeySource({
        variable: 'KEYS',
        encoding: 'base64',
        env: { KEYS: JSON.stringify({ primary: 'b', keys: { a: good } }) },
      }).load(),
      /"primary" in environment variable KEYS names a kid that is not among its "keys"/,
      [good],
    );
    const short = b64(randomBytes(8));
    await expectConfigError(
      envKeySource({
        variable: 'KEYS',
        encoding: 'base64',
        env: { KEYS: JSON.stringify({ primary: 'a', keys: { a: short } }) },
      }).load(),
      /the key of the 1st entry of "keys" in environment variable KEYS decodes to 8 bytes/,
      [short],
    );
  });

  it('derives longer secrets with HKDF and passphrases with scrypt', async () => {
    const long = await envKeySource({ variable: 'K', encoding: 'base64', env: { K: b64(randomBytes(64)) } }).load();
    expect(long.primary.key.length).toBe(KEK_BYTES);
    const pass = await envKeySource({
      variable: 'K',
      encoding: 'passphrase',
      env: { K: 'a long enough passphrase for scrypt' },
    }).load();
    expect(pass.primary.key.length).toBe(KEK_BYTES);
    await expectConfigError(
      envKeySource({ variable: 'K', encoding: 'passphrase', env: { K: 'short' } }).load(),
      /passphrase of fewer than 16 characters/,
      ['short'],
    );
  });

  it('rejects a bad variable name at construction', () => {
    expect(() => envKeySource({ variable: 'not a name', encoding: 'base64' })).toThrow(
      expect.objectContaining({ code: 'configuration' }),
    );
  });
});

describe('fileKeySource', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'envelope-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a base64 key with the trailing newline openssl writes', async () => {
    const key = new Uint8Array(randomBytes(32));
    const path = join(dir, 'kek.b64');
    await writeFile(path, `${b64(key)}\n`);
    const material = await fileKeySource({ path, encoding: 'base64', kid: 'file-1' }).load();
    expect(material.primary.kid).toBe('file-1');
    expect(Buffer.from(material.primary.key)).toEqual(Buffer.from(key));
  });

  it('reads raw 32-byte files exactly', async () => {
    const key = new Uint8Array(randomBytes(32));
    key[0] = 0x7b; // starts with "{": raw files are never taken for JSON
    const path = join(dir, 'kek.bin');
    await writeFile(path, key);
    const material = await fileKeySource({ path, encoding: 'raw' }).load();
    expect(Buffer.from(material.primary.key)).toEqual(Buffer.from(key));
  });

  it('reads the JSON form from a file, and sees a replaced file on the next load', async () => {
    const path = join(dir, 'keys.json');
    const k1 = b64(randomBytes(32));
    const k2 = b64(randomBytes(32));
    await writeFile(path, JSON.stringify({ primary: 'a', keys: { a: k1 } }));
    const source = fileKeySource({ path, encoding: 'base64' });
    expect((await source.load()).primary.kid).toBe('a');
    await writeFile(path, JSON.stringify({ primary: 'b', keys: { a: k1, b: k2 } }));
    const next = await source.load();
    expect(next.primary.kid).toBe('b');
    expect(next.decryptOnly.map((version) => version.kid)).toEqual(['a']);
  });

  it('names the file and the fix when it is missing, empty, a directory, or unreadable', async () => {
    await expectConfigError(
      fileKeySource({ path: join(dir, 'missing'), encoding: 'base64' }).load(),
      /key file .*missing does not exist.*openssl rand -base64 32/,
    );
    const empty = join(dir, 'empty');
    await writeFile(empty, '');
    await expectConfigError(fileKeySource({ path: empty, encoding: 'base64' }).load(), /key file .*empty is empty/);
    await expectConfigError(fileKeySource({ path: dir, encoding: 'base64' }).load(), /is a directory/);
    if (process.getuid?.() !== 0) {
      const locked = join(dir, 'locked');
      await writeFile(locked, b64(randomBytes(32)));
      await chmod(locked, 0o000);
      await expectConfigError(fileKeySource({ path: locked, encoding: 'base64' }).load(), /permission denied/);
    }
  });

  it('names the file when the key is the wrong size, never the content', async () => {
    const path = join(dir, 'short');
    const short = b64(randomBytes(20));
    await writeFile(path, short);
    await expectConfigError(
      fileKeySource({ path, encoding: 'base64' }).load(),
      /key file .*short decodes to 20 bytes/,
      [short],
    );
  });
});

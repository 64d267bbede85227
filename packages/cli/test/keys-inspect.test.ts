import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import { createKeyring, withEnvelopeEncryption } from '@oauth-store/envelope';
import { openStore } from '../src/connection-string';
import { main } from '../src/main';
import { recordingIo } from './support/io';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'oauth-store-cli-test-'));
}

describe('keys generate', () => {
  it('prints a fresh base64 32-byte key each time', async () => {
    const first = recordingIo();
    const second = recordingIo();
    expect(await main(['keys', 'generate'], first)).toBe(0);
    expect(await main(['keys', 'generate'], second)).toBe(0);
    expect(Buffer.from(first.out.trim(), 'base64')).toHaveLength(32);
    expect(first.out.trim()).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(first.out).not.toBe(second.out);
  });

  it('writes --out with mode 0600 and refuses to replace it without --force', async () => {
    const dir = await tempDir();
    const file = join(dir, 'kek');
    try {
      const io = recordingIo();
      expect(await main(['keys', 'generate', '--out', file], io)).toBe(0);
      expect(io.out).toBe(''); // the key never goes to stdout when written to a file
      expect((await stat(file)).mode & 0o777).toBe(0o600);
      const key = await readFile(file, 'utf8');
      expect(Buffer.from(key.trim(), 'base64')).toHaveLength(32);
      const refused = recordingIo();
      expect(await main(['keys', 'generate', '--out', file], refused)).toBe(1);
      expect(refused.err).toMatch(/already exists/);
      expect(await readFile(file, 'utf8')).toBe(key);
      expect(await main(['keys', 'generate', '--out', file, '--force'], recordingIo())).toBe(0);
      expect(await readFile(file, 'utf8')).not.toBe(key);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('keys rewrap and inspect', () => {
  it("re-wraps every record under the key file's primary key, and inspect shows the kids before and after", async () => {
    const dir = await tempDir();
    const url = `${process.env.REDIS_URL}?prefix=rewrap-${randomBytes(4).toString('hex')}:`;
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const keyFile = join(dir, 'keys.json');
    await writeFile(
      keyFile,
      JSON.stringify({ primary: 'new', keys: { new: newKey.toString('base64'), old: oldKey.toString('base64') } }),
    );
    const raw = await openStore(url);
    try {
      const old = withEnvelopeEncryption(raw, {
        keyring: createKeyring({ primary: { kid: 'old', key: new Uint8Array(oldKey) }, decryptOnly: [] }),
      });
      for (let index = 0; index < 30; index++) {
        await old.set('oauth-clients', `client-${index}`, new TextEncoder().encode(`secret ${index}`));
      }
      await raw.set('plain', 'p', new Uint8Array([1, 2, 3]));
      const expiringAt = Date.now() + 600_000;
      await raw.set('plain', 'q', new Uint8Array([4]), { ttlMs: 600_000 });

      const before = recordingIo();
      expect(await main(['inspect', url, '--collections', 'oauth-clients,plain', '--json'], before)).toBe(0);
      const [clients, plain] = JSON.parse(before.out);
      expect(clients).toMatchObject({
        collection: 'oauth-clients',
        entries: 30,
        encrypted: 30,
        kids: { old: 30 },
        withoutExpiry: 30,
      });
      // Plaintext entries' expiries are known too (contract v2 reports them with each entry).
      expect(plain).toMatchObject({
        collection: 'plain',
        entries: 2,
        bytes: 4,
        encrypted: 0,
        kids: {},
        withoutExpiry: 1,
      });
      expect(plain.nextExpiry).toBeGreaterThanOrEqual(expiringAt);
      expect(plain.nextExpiry).toBeLessThan(expiringAt + 5_000);

      const io = recordingIo();
      const code = await main(
        ['keys', 'rewrap', '--store', url, '--key-file', keyFile, '--collections', 'oauth-clients', '--json'],
        io,
      );
      expect(io.err).not.toContain('oauth-store:');
      expect(code).toBe(0);
      expect(JSON.parse(io.out)).toMatchObject({ scanned: 30, rewrapped: 30, failed: 0, primaryKid: 'new' });

      const after = recordingIo();
      expect(await main(['inspect', url, '--collections', 'oauth-clients'], after)).toBe(0);
      expect(after.out).toMatch(/oauth-clients\s+30\s+.*new \(30\)/);
      // Readable with the new key alone: the old one can be retired.
      const current = withEnvelopeEncryption(raw, {
        keyring: createKeyring({ primary: { kid: 'new', key: new Uint8Array(newKey) }, decryptOnly: [] }),
      });
      expect(new TextDecoder().decode(await current.get('oauth-clients', 'client-7'))).toBe('secret 7');
    } finally {
      await raw.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

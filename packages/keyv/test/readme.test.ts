// The README's example is this fixture, verbatim (checked here), and both halves run against Redis.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import Keyv from 'keyv';
import { createCache, oauthStateOn } from './fixtures/readme-keyv';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'test/fixtures/readme-keyv.ts';

/** The ```ts block right after `<!-- example: <file> -->` in the README. */
function readmeBlock(file: string): string {
  const readme = readFileSync(join(here, '..', 'README.md'), 'utf8');
  const marker = `<!-- example: ${file} -->`;
  const start = readme.indexOf(marker);
  if (start < 0) throw new Error(`README.md has no ${marker}`);
  const match = /```ts\n([\s\S]*?)```/.exec(readme.slice(start));
  if (!match?.[1]) throw new Error(`README.md has no ts block after ${marker}`);
  return match[1];
}

describe('README example', () => {
  it('is the fixture, verbatim', () => {
    expect(readmeBlock(FIXTURE)).toBe(readFileSync(join(here, '..', FIXTURE), 'utf8'));
  });

  it('1: two caches (two connections) on one Redis see each other, and expire entries', async () => {
    const [one, two] = [await createCache(), await createCache()];
    try {
      await one.set('alice', { name: 'Alice' }, 60_000);
      await one.set('brief', 'gone soon', 200);
      expect(await two.get('alice')).toEqual({ name: 'Alice' });
      const deadline = Date.now() + 3_000;
      while ((await two.get('brief')) !== undefined && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      expect(await two.get('brief')).toBeUndefined();
      await two.delete('alice');
      expect(await one.get('alice')).toBeUndefined();
    } finally {
      await Promise.all([one.disconnect(), two.disconnect()]);
    }
  });

  it('2: clients and one-time codes on a Keyv over @keyv/redis', async () => {
    const keyv = new Keyv({ store: new KeyvRedis(process.env.REDIS_URL), namespace: `readme-${Date.now()}` });
    try {
      const { clients, transactions } = oauthStateOn(keyv);
      const client = await clients.registerClient({ redirect_uris: ['https://app.example/callback'] });
      expect((await clients.getClient(client.client_id))?.redirect_uris).toEqual(['https://app.example/callback']);
      const grant = { clientId: client.client_id, redirectUri: 'https://app.example/callback', createdAt: new Date() };
      await transactions.authorizationCodes.issue('code-1', grant);
      expect(await transactions.authorizationCodes.consume('code-1')).toMatchObject({ ok: true });
      expect(await transactions.authorizationCodes.consume('code-1')).toMatchObject({ reason: 'already_used' });
    } finally {
      await keyv.disconnect();
    }
  });
});

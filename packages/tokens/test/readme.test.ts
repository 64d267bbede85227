// The README's example is this fixture, verbatim (checked here), and it runs on two "instances" sharing one store.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { MemoryStore } from '@oauth-store/core';
import { createTokenSecurity, issueTokens, refreshGrant } from './fixtures/readme-tokens';

const here = dirname(fileURLToPath(import.meta.url));
const FIXTURE = 'test/fixtures/readme-tokens.ts';

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

  it('a token issued on one instance refreshes on another; the replayed refresh token kills the family', async () => {
    const store = new MemoryStore();
    const one = createTokenSecurity(store, 'shared hash secret of the fleet');
    const two = createTokenSecurity(store, 'shared hash secret of the fleet');
    const first = await issueTokens(one, { sub: 'alice', clientId: 'https://client.example/cimd', scope: 'mcp' });
    const second = await refreshGrant(two, first.body.refresh_token as string);
    expect(second.status).toBe(200);
    const body = second.body as Record<string, string>;
    const verified = await one.keyring.verify(body.access_token as string, { type: 'at+jwt' });
    expect(verified).toMatchObject({ ok: true, payload: { sub: 'alice', scope: 'mcp' } });
    expect((await refreshGrant(one, first.body.refresh_token as string)).status).toBe(400);
    expect((await refreshGrant(two, body.refresh_token as string)).status).toBe(400);
  });
});

// The README's minimal driver, run as written: extracted from README.md, written next to the package (so it resolves
// @oauth-store/core like any module in it), and exercised through the runtime.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';

const coreRoot = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(coreRoot, 'README.md'), 'utf8');
const example = /<!-- driver-example -->\n```ts\n([\s\S]*?)```/.exec(readme)?.[1];
mkdirSync(join(coreRoot, '.tmp'), { recursive: true });
const dir = mkdtempSync(join(coreRoot, '.tmp', 'readme-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function load(): Promise<ByteStore> {
  if (!example) throw new Error('README.md has no <!-- driver-example --> ts block');
  const file = join(dir, 'map-store.ts');
  writeFileSync(file, example);
  const module = (await import(pathToFileURL(file).href)) as { createMapStore: () => ByteStore };
  return module.createMapStore();
}

describe('README driver example', () => {
  it('builds a store that keeps the contract: create, CAS, take once, TTL, list, close', async () => {
    const store = await load();
    const v = (text: string) => new TextEncoder().encode(text);
    expect(await store.set('c', 'k', v('one'), { onlyIfAbsent: true })).toBe(true);
    expect(await store.set('c', 'k', v('two'), { onlyIfAbsent: true })).toBe(false);
    const entry = await store.getEntry('c', 'k');
    expect(entry?.value).toEqual(v('one'));
    expect(await store.set('c', 'k', v('three'), { ifVersion: entry!.version })).toBe(true);
    expect(await store.set('c', 'k', v('four'), { ifVersion: entry!.version })).toBe(false);
    expect(await store.take('c', 'k')).toEqual(v('three'));
    expect(await store.take('c', 'k')).toBeUndefined();
    for (const key of ['a', 'b', 'c']) await store.set('list', key, v(key));
    const first = await store.list('list', { limit: 2 });
    expect(first.keys).toEqual(['a', 'b']);
    expect(await store.list('list', { cursor: first.cursor!, limit: 2 })).toEqual({ keys: ['c'] });
    await store.set('c', 'short', v('x'), { ttlMs: 1 });
    const deadline = Date.now() + 1;
    while (Date.now() < deadline) await new Promise((resolve) => setImmediate(resolve));
    expect(await store.get('c', 'short')).toBeUndefined();
    await store.close();
    await expect(store.get('c', 'k')).rejects.toMatchObject({ code: 'closed' });
  });
});

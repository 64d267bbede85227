import type { ByteStore } from '@oauth-store/core';
import { utf8Length } from '@oauth-store/core';
import fc from 'fast-check';
import { assertAbsent, assertBytes, assertRejects, assertSameKeys } from '../assertions';
import { utf8 } from '../bytes';
import { defineSuite } from '../context';
import { listAll } from '../list-all';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';

/**
 * Keys that break naive encodings: path and URL syntax (client ids are URLs), percent-escapes next to what they
 * escape, dot segments, case and Unicode-normalisation twins, control characters, astral characters, JavaScript
 * property names, separators that adapters like to join collection and key with.
 */
export const TRICKY_KEYS: readonly string[] = [
  '.',
  '..',
  '/',
  '//',
  'a/b',
  'a%2Fb',
  'a%2fb',
  'a_b',
  'a\\b',
  'a:b',
  'a::b',
  'a|b',
  'a#b',
  'a?b',
  'a*',
  '*',
  '?',
  '%',
  '%%',
  '%25',
  '%00',
  '[a]',
  '{a}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a key that looks like a template placeholder.
  '${a}',
  '"',
  "'",
  '`',
  ' ',
  '  ',
  'a ',
  ' a',
  'a',
  'A',
  'b',
  'ß',
  'SS',
  'ss',
  '\u00e9',
  'e\u0301',
  '\u0130',
  'i\u0307',
  '\u0000',
  'a\u0000b',
  '\n',
  '\r\n',
  '\t',
  '\u007f',
  '\u0085',
  '\u2028',
  '\ufeff',
  '\ud83d\ude00',
  '\ud83d\udc4d\ud83c\udffd',
  '\u{10ffff}',
  '\u{1f600}a',
  '__x__',
  '__proto__',
  'constructor',
  'toString',
  'hasOwnProperty',
  'null',
  'undefined',
  'NaN',
  '0',
  '-1',
  '1e3',
  'true',
  'https://x.example/a/b?c=d',
  'https://x.example/a/b?c=D',
  'https://X.example/a/b?c=d',
  'https:__x.example_a_b?c=d',
  'https://x.example/a/b?c=d#f',
  'https://x.example/a%2Fb?c=d',
  'https://x.example/./a/../b',
  'urn:ietf:params:oauth:x',
];

/** Keys of exactly `max` UTF-8 bytes (and near it) that collide under truncation. */
function maxLengthKeys(max: number): string[] {
  const emoji = '\ud83d\ude00';
  const quarter = Math.floor(max / 4);
  const keys = [
    'x'.repeat(max),
    `${'x'.repeat(max - 1)}y`,
    'x'.repeat(max - 1),
    `${emoji.repeat(quarter)}${'x'.repeat(max % 4)}`,
    `${emoji.repeat(quarter - 1)}\u00e9\u00e9${'x'.repeat(max % 4)}`,
    `${'p'.repeat(300)}a`,
    `${'p'.repeat(300)}b`,
  ];
  return keys.filter((key) => utf8Length(key) <= max);
}

function keyArbitrary(maxBytes: number): fc.Arbitrary<string> {
  return fc
    .oneof(
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 24 }), weight: 5 },
      { arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }), weight: 2 },
      { arbitrary: fc.constantFrom(...TRICKY_KEYS), weight: 3 },
      { arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }), weight: 2 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...TRICKY_KEYS), fc.string({ unit: 'binary', maxLength: 6 }))
          .map(([a, b]) => a + b),
        weight: 2,
      },
      { arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: Math.floor(maxBytes / 4) }), weight: 1 },
      { arbitrary: fc.string({ unit: 'binary-ascii', minLength: maxBytes - 8, maxLength: maxBytes }), weight: 1 },
    )
    .filter((key) => key.length > 0 && utf8Length(key) <= maxBytes);
}

/** Writes each key with its own value, reads each back, and lists the collection. */
async function roundTrip(store: ByteStore, collection: string, keys: readonly string[], what: string): Promise<void> {
  const valueFor = (i: number) => utf8(`value-${i}`);
  for (let i = 0; i < keys.length; i += 16) {
    await Promise.all(keys.slice(i, i + 16).map((key, j) => store.set(collection, key, valueFor(i + j))));
  }
  for (const [i, key] of keys.entries()) {
    assertBytes(
      await store.get(collection, key),
      valueFor(i),
      `${what}: get of key ${JSON.stringify(key.slice(0, 80))}`,
    );
  }
  const listed = await listAll(store, collection, { limit: 50, maxPages: keys.length + 50 }, `${what}: list`);
  assertSameKeys(listed, keys, `${what}: list must return the exact key strings`);
}

const NON_STRINGS: readonly unknown[] = [undefined, null, 42, {}, ['a'], utf8('a'), Symbol('k')];

/**
 * Keys and collection names: arbitrary valid ones (fast-check) round-trip exactly and never collide; invalid ones
 * (empty, lone surrogate, one byte over the maximum, not a string) are rejected with `invalid_key` and store nothing.
 */
export function runKeyTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'keys', 'keys and collection names', (ctx) => {
    const { propertyRuns } = resolved;

    ctx.test('tricky and maximum-length keys round-trip exactly and never collide', () =>
      ctx.withStore(async (store) => {
        const keys = [...TRICKY_KEYS, ...maxLengthKeys(store.capabilities.maxKeyBytes)];
        await roundTrip(store, ctx.collection(), keys, 'tricky keys');
      }),
    );

    ctx.test(`arbitrary keys round-trip and never collide (fast-check, ${propertyRuns} runs)`, () =>
      ctx.withStore(async (store) => {
        const keys = fc.uniqueArray(keyArbitrary(store.capabilities.maxKeyBytes), { minLength: 2, maxLength: 4 });
        await fc.assert(
          fc.asyncProperty(keys, (generated) => roundTrip(store, ctx.collection('prop'), generated, 'generated keys')),
          { numRuns: propertyRuns },
        );
      }),
    );

    ctx.test(`arbitrary collection names hold separate entries (fast-check, ${propertyRuns} runs)`, () =>
      ctx.withStore(async (store) => {
        const max = store.capabilities.maxCollectionBytes;
        await fc.assert(
          fc.asyncProperty(
            fc.uniqueArray(fc.oneof(fc.string({ unit: 'binary', maxLength: 12 }), fc.constantFrom(...TRICKY_KEYS)), {
              minLength: 2,
              maxLength: 3,
            }),
            async (suffixes) => {
              const base = ctx.collection('names');
              const collections = suffixes.map((suffix) => base + suffix).filter((name) => utf8Length(name) <= max);
              for (const [i, collection] of collections.entries()) {
                ctx.track(collection);
                await store.set(collection, 'shared', utf8(`value-${i}`));
                await store.set(collection, `own-${i}`, utf8(`own-${i}`));
              }
              for (const [i, collection] of collections.entries()) {
                const what = `collection ${JSON.stringify(collection)}`;
                assertBytes(await store.get(collection, 'shared'), utf8(`value-${i}`), `${what}: the shared key`);
                const listed = await listAll(store, collection, { limit: 10, maxPages: 20 }, `${what}: list`);
                assertSameKeys(listed, ['shared', `own-${i}`], `${what}: list`);
              }
            },
          ),
          { numRuns: propertyRuns },
        );
      }),
    );

    ctx.test('a collection name of exactly the maximum length works; one byte more is rejected', () =>
      ctx.withStore(async (store) => {
        const max = store.capabilities.maxCollectionBytes;
        const base = ctx.collection('max');
        const longest = ctx.track(base + 'c'.repeat(max - utf8Length(base)));
        await store.set(longest, 'k', utf8('v'));
        assertBytes(await store.get(longest, 'k'), utf8('v'), 'get in a collection with a maximum-length name');
        assertSameKeys((await store.list(longest)).keys, ['k'], 'list of a collection with a maximum-length name');
        const tooLong = `${longest}c`;
        for (const [what, run] of operations(store, tooLong, 'k')) {
          await assertRejects(run, 'invalid_key', `${what} with a collection name one byte over the maximum`);
        }
        await assertRejects(
          () => store.list(tooLong),
          'invalid_key',
          'list with a collection name one byte over the maximum',
        );
      }),
    );

    ctx.test(
      'invalid keys (empty, lone surrogates, one byte over the maximum, not strings) are rejected with invalid_key',
      () =>
        ctx.withStore(async (store) => {
          const max = store.capabilities.maxKeyBytes;
          const collection = ctx.collection();
          const overByAscii = 'x'.repeat(max + 1);
          const overByMultibyte = `${'x'.repeat(max - 1)}\u00e9`;
          const invalid: Array<[string, unknown]> = [
            ['an empty key', ''],
            ['a lone high surrogate', '\ud800'],
            ['a key ending in a high surrogate', 'abc\ud83d'],
            ['a key with a lone low surrogate', 'a\ude00b'],
            [`a key of ${max + 1} ASCII bytes`, overByAscii],
            [`a key of ${max + 1} bytes ending in a 2-byte character`, overByMultibyte],
            ...NON_STRINGS.map((value): [string, unknown] => [
              `a ${value === null ? 'null' : typeof value} key`,
              value,
            ]),
          ];
          for (const [label, key] of invalid) {
            for (const [what, run] of operations(store, collection, key as string)) {
              await assertRejects(run, 'invalid_key', `${what} with ${label}`);
            }
          }
          // Nothing reached the backend under a truncated or repaired form of those keys.
          assertAbsent(await store.get(collection, 'x'.repeat(max)), 'get of the truncated form of a rejected key');
          assertAbsent(await store.get(collection, 'x'.repeat(max - 1)), 'get of a shorter form of a rejected key');
          assertSameKeys(
            await listAll(store, collection, { limit: 10, maxPages: 10 }, 'list'),
            [],
            'list after rejected writes',
          );
        }),
    );

    ctx.test('invalid collection names are rejected with invalid_key by every method', () =>
      ctx.withStore(async (store) => {
        const invalid: Array<[string, unknown]> = [
          ['an empty collection name', ''],
          ['a collection name with a lone surrogate', `${ctx.namespace}\ud800`],
          ...NON_STRINGS.map((value): [string, unknown] => [
            `a ${value === null ? 'null' : typeof value} collection name`,
            value,
          ]),
        ];
        for (const [label, collection] of invalid) {
          for (const [what, run] of operations(store, collection as string, 'k')) {
            await assertRejects(run, 'invalid_key', `${what} with ${label}`);
          }
          await assertRejects(() => store.list(collection as string), 'invalid_key', `list with ${label}`);
        }
      }),
    );
  });
}

/** The key-taking operations, labelled, for one (collection, key). */
function operations(store: ByteStore, collection: string, key: string): Array<[string, () => Promise<unknown>]> {
  return [
    ['get', () => store.get(collection, key)],
    ['set', () => store.set(collection, key, utf8('v'))],
    ['delete', () => store.delete(collection, key)],
    ['take', () => store.take(collection, key)],
  ];
}

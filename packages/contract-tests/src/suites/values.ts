import { assert, assertAbsent, assertBytes, assertRejects } from '../assertions';
import { randomValue } from '../bytes';
import { defineSuite } from '../context';
import { resolveOptions, type StoreContractOptions } from '../options';
import { resolveHarness } from '../runner';

/** Largest buffer allocated just to see it rejected; it never reaches the backend, so only memory is at stake. */
const MAX_OVERSIZE_ALLOCATION = 64 * 1024 * 1024;

const allBytes = () => Uint8Array.from({ length: 256 }, (_, i) => i);

/**
 * Values are opaque bytes: empty, one byte, every byte value, views into larger buffers, and sizes up to the
 * declared maximum round-trip exactly; one byte over is `value_too_large`; anything but a Uint8Array is
 * `invalid_value`.
 */
export function runValueTests(options: StoreContractOptions): void {
  const resolved = resolveOptions(options);
  const harness = resolveHarness(resolved.runner, resolved.testTimeoutMs);
  defineSuite(resolved, harness, 'values', 'values', (ctx) => {
    ctx.test('an empty value round-trips as zero bytes, not as undefined', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        assert.equal(await store.set(collection, 'empty', new Uint8Array(0)), true, 'set of an empty value');
        assertBytes(await store.get(collection, 'empty'), new Uint8Array(0), 'get of an empty value');
        assertBytes(await store.take(collection, 'empty'), new Uint8Array(0), 'take of an empty value');
      }),
    );

    ctx.test('one byte, every byte value, and bytes that are not valid UTF-8 round-trip exactly', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const samples: Array<[string, Uint8Array]> = [
          ['a single zero byte', Uint8Array.of(0)],
          ['a single 0xff byte', Uint8Array.of(255)],
          ['all 256 byte values ascending', allBytes()],
          ['all 256 byte values descending', allBytes().reverse()],
          ['trailing zero bytes', Uint8Array.of(1, 0, 0, 0)],
          ['a UTF-8 byte order mark', Uint8Array.of(0xef, 0xbb, 0xbf, 0x41)],
          [
            'invalid UTF-8 (lone continuation bytes, overlong NUL)',
            Uint8Array.of(0x80, 0xbf, 0xc0, 0x80, 0xed, 0xa0, 0x80),
          ],
          ['text that looks like JSON', new TextEncoder().encode('{"a":1}')],
        ];
        for (const [i, [, value]] of samples.entries()) await store.set(collection, `v${i}`, value);
        for (const [i, [label, value]] of samples.entries()) {
          assertBytes(await store.get(collection, `v${i}`), value, `get of ${label}`);
        }
      }),
    );

    ctx.test('only the bytes of a Uint8Array view are stored, and a Buffer is accepted', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const backing = allBytes();
        const view = backing.subarray(10, 20);
        await store.set(collection, 'view', view);
        assertBytes(
          await store.get(collection, 'view'),
          backing.slice(10, 20),
          'get of a value written from a subarray',
        );
        const buffer = Buffer.from('buffer value');
        await store.set(collection, 'buffer', buffer);
        assertBytes(
          await store.get(collection, 'buffer'),
          new Uint8Array(buffer),
          'get of a value written as a Buffer',
        );
      }),
    );

    ctx.test("stored bytes do not change when the caller's buffers are mutated", () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const value = randomValue(32);
        const copy = value.slice();
        await store.set(collection, 'k', value);
        value.fill(0);
        const first = await store.get(collection, 'k');
        assertBytes(first, copy, 'get after mutating the written buffer');
        (first as Uint8Array).fill(7);
        assertBytes(await store.get(collection, 'k'), copy, 'get after mutating a previously returned value');
      }),
    );

    ctx.test('the largest declared value round-trips; one byte more is rejected with value_too_large', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const max = store.capabilities.maxValueBytes;
        const size = Math.min(max, resolved.maxValueBytesToTest);
        if (size < max) {
          resolved.log(
            `contract-tests: ${resolved.name}: values tested up to ${size} bytes of the declared maximum ${max} (maxValueBytesToTest).`,
          );
        }
        const largest = randomValue(size);
        assert.equal(await store.set(collection, 'largest', largest), true, `set of ${size} bytes`);
        assertBytes(await store.get(collection, 'largest'), largest, `get of ${size} bytes`);
        if (max + 1 > MAX_OVERSIZE_ALLOCATION) {
          resolved.log(
            `contract-tests: ${resolved.name}: oversize rejection not tested (maximum ${max} is over 64 MiB).`,
          );
          return;
        }
        const tooLarge = new Uint8Array(max + 1);
        await assertRejects(
          () => store.set(collection, 'too-large', tooLarge),
          'value_too_large',
          `set of ${max + 1} bytes`,
        );
        await assertRejects(
          () => store.set(collection, 'largest', tooLarge),
          'value_too_large',
          `overwrite with ${max + 1} bytes`,
        );
        assertAbsent(await store.get(collection, 'too-large'), 'get after a rejected oversize set');
        assertBytes(await store.get(collection, 'largest'), largest, 'the entry after a rejected oversize overwrite');
      }),
    );

    ctx.test('values that are not a Uint8Array are rejected with invalid_value and store nothing', () =>
      ctx.withStore(async (store) => {
        const collection = ctx.collection();
        const invalid: Array<[string, unknown]> = [
          ['a string', 'text'],
          ['a number', 42],
          ['null', null],
          ['undefined', undefined],
          ['an array of numbers', [1, 2, 3]],
          ['an array-like object', { length: 1, 0: 1 }],
          ['an ArrayBuffer', new ArrayBuffer(4)],
          ['a DataView', new DataView(new ArrayBuffer(4))],
          ['a Uint16Array', new Uint16Array(2)],
        ];
        for (const [label, value] of invalid) {
          await assertRejects(
            () => store.set(collection, 'k', value as Uint8Array),
            'invalid_value',
            `set of ${label}`,
          );
        }
        assertAbsent(await store.get(collection, 'k'), 'get after rejected sets');
      }),
    );
  });
}

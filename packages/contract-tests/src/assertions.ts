// Assertions built on node:assert/strict so the suite behaves the same under jest, vitest and node:test.
// Messages describe sizes and positions, never whole values: a failing 8 MiB comparison must stay readable.
import assert from 'node:assert/strict';
import { isUint8Array } from 'node:util/types';
import type { ListPage } from '@oauth-store/core';

/** A short description of any thrown value: its class, code and message. */
export function describeError(error: unknown): string {
  if (error && typeof error === 'object') {
    const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
    const label = typeof name === 'string' ? name : 'object';
    const withCode = code === undefined ? label : `${label} (code ${JSON.stringify(code)})`;
    return typeof message === 'string' ? `${withCode}: ${message}` : withCode;
  }
  return `${typeof error} ${String(error)}`;
}

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return (value as object).constructor?.name ?? 'object';
  return typeof value;
}

/** Fails unless `actual` is a Uint8Array (a Buffer is one) with exactly the bytes of `expected`. */
export function assertBytes(actual: unknown, expected: Uint8Array, what: string): void {
  if (actual === undefined) assert.fail(`${what}: expected ${expected.byteLength} bytes, got undefined`);
  if (!isUint8Array(actual)) assert.fail(`${what}: expected a Uint8Array, got ${describeType(actual)}`);
  if (actual.byteLength !== expected.byteLength) {
    assert.fail(`${what}: expected ${expected.byteLength} bytes, got ${actual.byteLength}`);
  }
  for (let i = 0; i < expected.byteLength; i += 1) {
    if (actual[i] !== expected[i]) {
      assert.fail(`${what}: byte ${i} of ${expected.byteLength} differs (expected ${expected[i]}, got ${actual[i]})`);
    }
  }
}

/** Fails unless `actual` is undefined. */
export function assertAbsent(actual: unknown, what: string): void {
  if (actual !== undefined) {
    assert.fail(
      `${what}: expected undefined, got ${isUint8Array(actual) ? `${actual.byteLength} bytes` : describeType(actual)}`,
    );
  }
}

/**
 * Calls `operation` and fails unless it REJECTS with an error whose `code` is `code`. A synchronous throw fails
 * too: the contract promises rejected promises. Checks `code` rather than `instanceof`, so a store built against
 * another copy of @oauth-store/core (ESM next to CJS) is judged by its behaviour.
 */
export async function assertRejects(operation: () => Promise<unknown>, code: string, what: string): Promise<Error> {
  let pending: Promise<unknown>;
  try {
    pending = operation();
  } catch (error) {
    assert.fail(`${what}: threw synchronously (${describeError(error)}) instead of returning a rejected promise`);
  }
  try {
    await pending;
  } catch (error) {
    if (!(error instanceof Error)) assert.fail(`${what}: rejected with a non-Error ${describeError(error)}`);
    const actual = (error as { code?: unknown }).code;
    if (actual !== code) {
      assert.fail(`${what}: expected a rejection with code '${code}', got ${describeError(error)}`);
    }
    return error;
  }
  assert.fail(`${what}: expected a rejection with code '${code}', but it resolved`);
}

/** Fails unless two key lists hold the same strings, each exactly once. */
export function assertSameKeys(actual: readonly string[], expected: readonly string[], what: string): void {
  const seen = new Map<string, number>();
  for (const key of actual) seen.set(key, (seen.get(key) ?? 0) + 1);
  const repeated = [...seen].filter(([, count]) => count > 1).map(([key]) => key);
  const wanted = new Set(expected);
  const missing = expected.filter((key) => !seen.has(key));
  const extra = [...seen.keys()].filter((key) => !wanted.has(key));
  if (repeated.length || missing.length || extra.length) {
    const parts = [
      missing.length ? `${missing.length} missing ${preview(missing)}` : '',
      extra.length ? `${extra.length} unexpected ${preview(extra)}` : '',
      repeated.length ? `${repeated.length} repeated ${preview(repeated)}` : '',
    ].filter(Boolean);
    assert.fail(`${what}: listed keys differ from the expected ${expected.length}: ${parts.join('; ')}`);
  }
}

/** Up to three keys, JSON-escaped so control characters and lone surrogates stay visible. */
export function preview(keys: readonly string[]): string {
  const shown = keys.slice(0, 3).map((key) => JSON.stringify(key.length > 60 ? `${key.slice(0, 60)}…` : key));
  return `[${shown.join(', ')}${keys.length > 3 ? ', …' : ''}]`;
}

/** Fails unless `page` has the shape of a {@link ListPage}. */
export function assertPage(page: unknown, limit: number, what: string): asserts page is ListPage {
  if (!page || typeof page !== 'object') assert.fail(`${what}: list resolved ${describeType(page)}, not a page`);
  const { keys, cursor } = page as { keys?: unknown; cursor?: unknown };
  if (!Array.isArray(keys) || !keys.every((key) => typeof key === 'string')) {
    assert.fail(`${what}: page.keys must be an array of strings`);
  }
  if (keys.length > limit) assert.fail(`${what}: a page with limit ${limit} returned ${keys.length} keys`);
  if (cursor !== undefined && (typeof cursor !== 'string' || cursor.length === 0)) {
    assert.fail(`${what}: page.cursor must be absent or a non-empty string, got ${describeType(cursor)}`);
  }
}

/** node:assert/strict, re-exported so every suite asserts through the same runner-independent module. */
export { assert };

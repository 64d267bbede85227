import { randomFillSync } from 'node:crypto';

const encoder = new TextEncoder();

/** UTF-8 bytes of a string, as a plain Uint8Array. */
export function utf8(text: string): Uint8Array {
  return encoder.encode(text);
}

/** `length` random bytes; random so truncation, padding or re-encoding cannot go unnoticed. */
export function randomValue(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  randomFillSync(bytes);
  return bytes;
}

/** Runs `task` over `items` with at most `limit` in flight, keeping input order in the result. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  });
  await Promise.all(workers);
  return results;
}

import { describe, expect, it } from '@jest/globals';
import {
  ConfigurationError,
  integerOption,
  runAdminWork,
  StoreClosedError,
  StoreUnavailableError,
  sweepInBatches,
} from '../src/index';

describe('integerOption', () => {
  it('returns the fallback for undefined and the value inside the range', () => {
    expect(integerOption('sql', 'batchSize', undefined, 1000)).toBe(1000);
    expect(integerOption('sql', 'batchSize', 7, 1000, { max: 10 })).toBe(7);
    expect(integerOption('sql', 'interval', 0, 60_000, { min: 0 })).toBe(0);
  });

  it.each([0, -1, 1.5, 11, Number.NaN, '5', null])('refuses %p with the name, the range and the source', (value) => {
    let thrown: unknown;
    try {
      integerOption('sql', 'batchSize', value, 1000, { max: 10 });
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).message).toBe(
      `sql: batchSize must be an integer from 1 to 10, got ${String(value)}.`,
    );
    expect((thrown as ConfigurationError).source).toBe('sql');
  });
});

describe('runAdminWork', () => {
  const base = { operation: 'migrate', source: 'sql', backend: 'TestDB', closed: false, boundMs: 1000 };
  const mapError = (error: unknown, operation: string) =>
    new StoreUnavailableError(`${operation} failed (${(error as Error).name})`, { source: 'sql' });

  it('returns what the work returns', async () => {
    await expect(runAdminWork({ ...base, mapError }, async () => 42)).resolves.toBe(42);
  });

  it('refuses work after close without running it', async () => {
    let ran = false;
    const work = runAdminWork({ ...base, closed: true, mapError }, async () => {
      ran = true;
    });
    await expect(work).rejects.toBeInstanceOf(StoreClosedError);
    expect(ran).toBe(false);
  });

  it("types a failure with the adapter's mapping", async () => {
    const work = runAdminWork({ ...base, mapError }, async () => {
      throw new RangeError('secret-key-material');
    });
    await expect(work).rejects.toThrow('migrate failed (RangeError)');
  });

  it('settles within its bound when the backend never answers, and says it can be retried', async () => {
    const never = new Promise<never>(() => {});
    const passThrough = (error: unknown) => error as StoreUnavailableError;
    const work = runAdminWork({ ...base, boundMs: 20, mapError: passThrough }, () => never);
    await expect(work).rejects.toThrow(
      'migrate: no answer within 20 ms. Check that TestDB is reachable; it can be retried.',
    );
  });
});

describe('sweepInBatches', () => {
  const batchesOf = (counts: number[]) => {
    const sizes: number[] = [];
    const deleteBatch = async (size: number) => {
      sizes.push(size);
      return counts.shift() ?? 0;
    };
    return { sizes, deleteBatch };
  };

  it('stops at the first batch that is not full', async () => {
    const { sizes, deleteBatch } = batchesOf([10, 10, 3, 10]);
    await expect(sweepInBatches(deleteBatch, { batchSize: 10, maxBatches: 100 }, () => false)).resolves.toEqual({
      deleted: 23,
      batches: 3,
      more: false,
    });
    expect(sizes).toEqual([10, 10, 10]);
  });

  it('stops after maxBatches and says more may remain', async () => {
    const { deleteBatch } = batchesOf([10, 10, 10, 10]);
    await expect(sweepInBatches(deleteBatch, { batchSize: 10, maxBatches: 2 }, () => false)).resolves.toEqual({
      deleted: 20,
      batches: 2,
      more: true,
    });
  });

  it('stops when the store is closed meanwhile', async () => {
    const { deleteBatch } = batchesOf([10, 10, 10]);
    let closed = false;
    const closingDelete = async (size: number) => {
      const count = await deleteBatch(size);
      closed = true;
      return count;
    };
    await expect(sweepInBatches(closingDelete, { batchSize: 10, maxBatches: 100 }, () => closed)).resolves.toEqual({
      deleted: 10,
      batches: 1,
      more: true,
    });
  });
});

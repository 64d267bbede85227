// Own-write recognition: a conditional write whose answer was lost, or that a resend made fail against its own first
// copy, is recognised by its unique version and resolves true; anything else stays honest (false, or outcomeUnknown).
import { describe, expect, it } from '@jest/globals';
import { type DriverRecord, defineStore, StoreUnavailableError, type WriteCondition } from '@oauth-store/core';
import { scriptedDriver } from './support/scripted-driver';

const value = new Uint8Array([7, 7, 7]);
const lostAnswer = () => Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });

describe('runtime own-write recognition', () => {
  it('a conditional create that landed but lost its answer resolves true', async () => {
    const driver = scriptedDriver();
    const write = driver.write;
    driver.write = async (c, k, record: DriverRecord, condition: WriteCondition, context) => {
      await write(c, k, record, condition, context);
      throw lostAnswer();
    };
    const store = defineStore(driver);
    await expect(store.set('c', 'k', value, { onlyIfAbsent: true })).resolves.toBe(true);
    expect(await store.get('c', 'k')).toEqual(value);
  });

  it('a create that a retry made fail against its own first copy resolves true', async () => {
    const driver = scriptedDriver();
    const write = driver.write;
    // The first copy lands; the (retried) copy the driver reports on finds the key taken and answers false.
    driver.write = async (c, k, record, condition, context) => {
      await write(c, k, record, condition, context);
      return write(c, k, record, condition, context);
    };
    const store = defineStore(driver);
    await expect(store.set('c', 'k', value, { onlyIfAbsent: true })).resolves.toBe(true);
  });

  it('a compare-and-set that a retry made fail against its own first copy resolves true', async () => {
    const driver = scriptedDriver();
    const store = defineStore(driver);
    await store.set('c', 'k', new Uint8Array([1]));
    const { version } = (await store.getEntry('c', 'k'))!;
    const write = driver.write;
    driver.write = async (c, k, record, condition, context) => {
      await write(c, k, record, condition, context);
      return write(c, k, record, condition, context);
    };
    await expect(store.set('c', 'k', value, { ifVersion: version })).resolves.toBe(true);
    expect(await store.get('c', 'k')).toEqual(value);
  });

  it('a create that really lost to another writer resolves false', async () => {
    const store = defineStore(scriptedDriver());
    await store.set('c', 'k', new Uint8Array([1]));
    await expect(store.set('c', 'k', value, { onlyIfAbsent: true })).resolves.toBe(false);
    expect(await store.get('c', 'k')).toEqual(new Uint8Array([1]));
  });

  it('a create whose answer was lost and whose entry someone else replaced rejects with outcomeUnknown', async () => {
    const driver = scriptedDriver();
    const write = driver.write;
    const other = defineStore(driver);
    driver.write = async (c, k, record, condition, context) => {
      await write(c, k, record, condition, context);
      // Before the answer could arrive, another client took the entry and wrote its own.
      driver.backend.clear();
      driver.write = write;
      await other.set(c, k, new Uint8Array([9]));
      throw lostAnswer();
    };
    const store = defineStore(driver);
    const error = await store.set('c', 'k', value, { onlyIfAbsent: true }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreUnavailableError);
    expect((error as StoreUnavailableError).outcomeUnknown).toBe(true);
  });

  it('a create whose answer was lost and that never landed rejects with outcomeUnknown (not false)', async () => {
    const store = defineStore(
      scriptedDriver({
        write: async () => {
          throw lostAnswer();
        },
      }),
    );
    await expect(store.set('c', 'k', value, { onlyIfAbsent: true })).rejects.toMatchObject({
      code: 'unavailable',
      outcomeUnknown: true,
    });
  });

  it('when the check for its own write fails, the set rejects outcomeUnknown and says to read first', async () => {
    const store = defineStore(
      scriptedDriver({
        write: async () => {
          throw lostAnswer();
        },
        read: async () => {
          throw lostAnswer();
        },
      }),
    );
    const error = await store.set('c', 'k', value, { onlyIfAbsent: true }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'unavailable', outcomeUnknown: true });
    expect((error as Error).message).toMatch(/may have been applied .* Read the entry before writing again/);
  });

  it('a failure the driver proves never left rejects with outcomeUnknown false and no check', async () => {
    let reads = 0;
    const store = defineStore(
      scriptedDriver({
        write: async () => {
          throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
        },
        read: async () => {
          reads += 1;
          return undefined;
        },
        notApplied: () => true,
      }),
    );
    await expect(store.set('c', 'k', value, { onlyIfAbsent: true })).rejects.toMatchObject({
      code: 'unavailable',
      outcomeUnknown: false,
    });
    expect(reads).toBe(0);
  });
});

// The suite must catch real bugs: each deliberately broken store fails the suite that covers its bug, and a
// correct store built the same way passes the same suite (so the failure is the bug's, not the harness's).
import { describe, expect, it } from '@jest/globals';
import type { ByteStore } from '@oauth-store/core';
import type { StoreContractOptions } from '../src/index';
import {
  runBasicTests,
  runCloseTests,
  runCompareAndSetTests,
  runConditionalCreateTests,
  runExpiryPrecisionTests,
  runIsolationTests,
  runKeyTests,
  runListTests,
  runTakeTests,
  runTtlTests,
  runValueTests,
} from '../src/index';
import {
  comparesValues,
  dropsLastKeyOfPage,
  expiryOneMsLate,
  type FrameServer,
  ignoresClose,
  ignoresIfVersion,
  immortalEntries,
  joinedCollections,
  lowercasedKeys,
  racyTake,
  sharedMemory,
  slashToUnderscore,
  softDelete,
  textValues,
  truncatedKeys,
} from './broken-stores';
import { collectingRunner, failures } from './helpers/collecting-runner';

type Suite = (options: StoreContractOptions) => void;

async function runSuite(suite: Suite, create: (() => ByteStore) & { server: FrameServer }) {
  const collected = collectingRunner();
  suite({
    name: 'subject',
    create,
    rawReader: async (collection, key) => create.server.raw(collection, key),
    runner: collected.runner,
    ttlMs: 150,
    takeRounds: 20,
    propertyRuns: 10,
    listKeys: 30,
    log: () => undefined,
  });
  return collected.run();
}

const cases: Array<{
  bug: string;
  suite: Suite;
  create: () => (() => ByteStore) & { server: FrameServer };
  failing: RegExp[];
}> = [
  {
    bug: 'take is get, await, delete',
    suite: runTakeTests,
    create: () => sharedMemory(racyTake),
    failing: [/concurrent takes of one key/, /take racing delete/],
  },
  {
    bug: 'TTL never expires',
    suite: runTtlTests,
    create: () => sharedMemory(immortalEntries),
    failing: [/after the deadline no method/, /gives an entry without one an expiry/, /later TTL replaces/],
  },
  {
    bug: 'TTL never expires (conditional create)',
    suite: runConditionalCreateTests,
    create: () => sharedMemory(immortalEntries),
    failing: [/expired entry counts as absent/],
  },
  {
    bug: 'TTL never expires (list)',
    suite: runListTests,
    create: () => sharedMemory(immortalEntries),
    failing: [/expired keys are not listed/],
  },
  {
    bug: 'expiry 1 ms late',
    suite: runExpiryPrecisionTests,
    create: () => sharedMemory(expiryOneMsLate),
    failing: [/no read started at set resolved \+ ttlMs sees the entry/],
  },
  {
    bug: 'TTL never expires (millisecond precision)',
    suite: runExpiryPrecisionTests,
    create: () => sharedMemory(immortalEntries),
    failing: [/no read started at set resolved/, /list started at set resolved/, /ttlMs 1 is gone/],
  },
  {
    bug: 'ifVersion ignored',
    suite: runCompareAndSetTests,
    create: () => sharedMemory(ignoresIfVersion),
    failing: [/refuses a stale one/, /A-B-A/, /refuses a stale version/, /exactly one wins/, /absent key/],
  },
  {
    bug: 'compare-and-set compares values, not versions',
    suite: runCompareAndSetTests,
    create: () => sharedMemory(comparesValues),
    failing: [/A-B-A/],
  },
  {
    bug: 'keys lowercased',
    suite: runKeyTests,
    create: () => sharedMemory(lowercasedKeys),
    failing: [/tricky and maximum-length keys/, /arbitrary keys round-trip/],
  },
  {
    bug: "'/' encoded as '_'",
    suite: runKeyTests,
    create: () => sharedMemory(slashToUnderscore),
    failing: [/tricky and maximum-length keys/],
  },
  {
    bug: 'keys truncated to 200 characters',
    suite: runKeyTests,
    create: () => sharedMemory(truncatedKeys),
    failing: [/tricky and maximum-length keys/],
  },
  {
    bug: 'list drops the last key of each page',
    suite: runListTests,
    create: () => sharedMemory(dropsLastKeyOfPage),
    failing: [/each of 30 keys exactly once/, /writers adding and deleting/, /cursor survives JSON/],
  },
  {
    bug: 'collection and key joined with ":"',
    suite: runIsolationTests,
    create: () => sharedMemory(joinedCollections),
    failing: [/joined by a separator/, /names extend its name/],
  },
  {
    bug: 'values stored as UTF-8 text',
    suite: runValueTests,
    create: () => sharedMemory(textValues),
    failing: [/every byte value/],
  },
  {
    bug: 'delete and take leave the record stored (tombstones)',
    suite: runBasicTests,
    create: () => sharedMemory(softDelete),
    failing: [/raw reader: set reaches the backend; delete and take remove the stored record/],
  },
  {
    bug: 'close does nothing',
    suite: runCloseTests,
    create: ignoresClose,
    failing: [/every method rejects with code 'closed'/],
  },
];

// The correct store's run of each suite, shared by the cases that use the same suite.
const controls = new Map<Suite, ReturnType<typeof runSuite>>();
function controlRun(suite: Suite): ReturnType<typeof runSuite> {
  let control = controls.get(suite);
  if (!control) {
    control = runSuite(suite, sharedMemory());
    controls.set(suite, control);
  }
  return control;
}

describe('broken stores fail the suite that covers their bug', () => {
  for (const { bug, suite, create, failing } of cases) {
    it(`${bug}: ${suite.name} reports it, and passes on a correct store`, async () => {
      const broken = await runSuite(suite, create());
      const failed = broken.filter((outcome) => outcome.error !== undefined).map((outcome) => outcome.title);
      for (const pattern of failing) expect(failed.filter((title) => pattern.test(title))).not.toEqual([]);
      // Every failure is a failed assertion (directly, or inside a fast-check property), not a crash of the suite.
      for (const outcome of broken) {
        if (outcome.error === undefined) continue;
        const error = outcome.error as Error;
        // A typed store error escaping a test is the store's own report of the bug (for example text values grown
        // past the size limit), also a legitimate failure.
        const asserted =
          error.name === 'AssertionError' ||
          /^Property failed/.test(error.message) ||
          typeof (error as { code?: unknown }).code === 'string';
        expect({ title: outcome.title, asserted }).toEqual({ title: outcome.title, asserted: true });
      }
      const control = await controlRun(suite);
      expect(failures(control)).toEqual([]);
      expect(control.length).toBe(broken.length);
    });
  }
});

// @keyv/test-suite is written for vitest: it calls test.it / test.beforeEach / test.afterEach and reads `expect`
// from the test context (`t.expect`). It imports nothing from vitest at run time, so jest runs it through this
// shim: the same functions, and a context carrying jest's expect (which has expect.assertions too).
import { afterEach, beforeEach, expect, it } from '@jest/globals';

type ContextFn = (context: { expect: typeof expect }) => unknown;

/** The `test` argument @keyv/test-suite's functions take. `skip` lists titles not to register (reported). */
export function keyvSuiteRunner(skip: ReadonlySet<string> = new Set()) {
  return {
    it: (title: string, fn: ContextFn) => {
      if (skip.has(title)) return;
      it(title, async () => {
        await fn({ expect });
      });
    },
    beforeEach: (fn: () => unknown) => beforeEach(async () => void (await fn())),
    afterEach: (fn: () => unknown) => afterEach(async () => void (await fn())),
  } as never;
}

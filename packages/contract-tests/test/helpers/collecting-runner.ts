// A fake test runner for testing the suite itself: it records what the suite registers, then runs it and reports
// each test's outcome instead of failing the surrounding jest test. Two calling conventions, so both branches of
// resolveHarness are exercised: 'jest' (it(name, fn, timeout), beforeAll/afterAll) and 'node' (it(name, { timeout },
// fn), before/after).
import type { TestRunner } from '../../src/index';

type Body = () => unknown;

interface Group {
  title: string;
  items: Array<
    { kind: 'test'; title: string; body: Body; timeout: number | undefined } | { kind: 'group'; group: Group }
  >;
  after: Body[];
}

/** Outcome of one registered test. */
export interface TestOutcome {
  /** Titles from the outermost describe down to the test, joined with ' > '. */
  title: string;
  error: unknown;
}

/** A runner to pass as `runner`, and `run()` to execute what was registered. */
export function collectingRunner(style: 'jest' | 'node' = 'jest') {
  const root: Group = { title: '', items: [], after: [] };
  let current = root;
  const timeouts: Array<number | undefined> = [];

  const describe = (title: string, body: () => void) => {
    const group: Group = { title, items: [], after: [] };
    current.items.push({ kind: 'group', group });
    const parent = current;
    current = group;
    try {
      body();
    } finally {
      current = parent;
    }
  };
  const it = (title: string, a: unknown, b: unknown) => {
    const [body, timeout] =
      style === 'jest' ? [a as Body, b as number] : [b as Body, (a as { timeout?: number }).timeout];
    if (typeof body !== 'function') throw new Error(`collecting runner (${style} style): test body is not a function`);
    timeouts.push(timeout);
    current.items.push({ kind: 'test', title, body, timeout });
  };
  const after = (body: Body) => {
    current.after.push(body);
  };
  const runner: TestRunner =
    style === 'jest'
      ? { describe, it, beforeAll: () => undefined, afterAll: after }
      : { describe, it, before: () => undefined, after };

  async function runGroup(group: Group, path: string[], outcomes: TestOutcome[]): Promise<void> {
    for (const item of group.items) {
      if (item.kind === 'group') {
        await runGroup(item.group, [...path, item.group.title], outcomes);
      } else {
        const title = [...path, item.title].join(' > ');
        try {
          await item.body();
          outcomes.push({ title, error: undefined });
        } catch (error) {
          outcomes.push({ title, error });
        }
      }
    }
    for (const body of group.after) await body();
  }

  return {
    runner,
    /** Timeouts the suite passed with each test, in registration order. */
    timeouts,
    /** Titles of every registered test. */
    titles(): string[] {
      const titles: string[] = [];
      const walk = (group: Group, path: string[]) => {
        for (const item of group.items) {
          if (item.kind === 'group') walk(item.group, [...path, item.group.title]);
          else titles.push([...path, item.title].join(' > '));
        }
      };
      walk(root, []);
      return titles;
    },
    /** Runs every registered test in order, then the cleanup hooks, and returns each test's outcome. */
    async run(): Promise<TestOutcome[]> {
      const outcomes: TestOutcome[] = [];
      await runGroup(root, [], outcomes);
      return outcomes;
    },
  };
}

/** The outcomes that failed, as "title: message" lines (for readable jest failure output). */
export function failures(outcomes: TestOutcome[]): string[] {
  return outcomes
    .filter((outcome) => outcome.error !== undefined)
    .map((outcome) => `${outcome.title}: ${(outcome.error as Error)?.message ?? String(outcome.error)}`);
}

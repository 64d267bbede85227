import { describe, expect, it } from '@jest/globals';
import {
  allocationProfileContender,
  describeAllocationDifference,
  type HeapProfileNode,
  summarizeAllocations,
} from '../src/allocation-profile';
import type { Contender } from '../src/contender';

const frame = (functionName: string, url: string, selfSize: number, children: HeapProfileNode[] = []) => ({
  callFrame: { functionName, url, lineNumber: 4 },
  selfSize,
  children,
});

describe('summarizing an allocation profile', () => {
  it('sums bytes per category and function, charging a builtin to the script frame that called it', () => {
    const runtime = 'file:///w/packages/core/src/runtime.ts';
    const client = 'file:///w/node_modules/.pnpm/pg@8/node_modules/pg/lib/client.js';
    const head = frame('(root)', '', 0, [
      frame('get', runtime, 300, [frame('push', '', 100), frame('query', client, 500)]),
      frame('(V8 API)', '', 100),
    ]);
    const summary = summarizeAllocations(head, 10);
    expect(summary.bytesPerOp).toBe(100);
    expect(summary.byCategory).toEqual({ 'core runtime': 40, 'library pg': 50, native: 10 });
    expect(summary.top[0]).toEqual({ fn: 'query client.js:5', bytesPerOp: 50 });
    expect(summary.top[1]).toEqual({ fn: 'get runtime.ts:5', bytesPerOp: 40 });
  });

  it('names the categories that allocate more, largest first', () => {
    const ours = { ops: 1, bytesPerOp: 4096, byCategory: { 'core runtime': 2048, 'library pg': 2048 }, top: [] };
    const raw = { ops: 1, bytesPerOp: 2048, byCategory: { 'library pg': 2048 }, top: [] };
    expect(describeAllocationDifference('ours', 'raw', ours, raw)).toBe(
      'ours 4.0 KiB/op vs raw 2.0 KiB/op sampled; by category: core runtime +2.0 KiB',
    );
    expect(describeAllocationDifference('ours', 'raw', ours, undefined)).toBeUndefined();
  });
});

describe('profiling a contender’s allocations', () => {
  it('finds the bytes an operation allocates in the code that allocates them', async () => {
    let kept: unknown;
    const allocate = (count: number) => {
      const objects = [];
      for (let index = 0; index < count; index++) objects.push({ index, text: `value ${index}` });
      kept = objects;
    };
    const contender: Contender = {
      label: 'allocating',
      role: 'adapter',
      set: async () => allocate(200),
      get: async () => allocate(0),
      close: async () => {},
    };
    const profile = await allocationProfileContender(contender, ['set', 'get'], 300, 'tag', 0);
    expect(kept).toBeDefined();
    const set = profile.set;
    expect(set?.ops).toBe(300);
    // 200 objects, 200 strings and the array per set: several KiB, charged to this file (under packages/bench).
    const ownBytes = (operation: 'set' | 'get') => profile[operation]?.byCategory['bench harness'] ?? 0;
    expect(ownBytes('set')).toBeGreaterThan(4096);
    // Compared on this file's category only: the profiler samples the whole process, and in a jest worker that ran
    // other files first their leftover timers and sockets allocate too (CI saw 6.6 KiB per empty get in all).
    expect(ownBytes('get')).toBeLessThan(ownBytes('set') / 4);
  });
});

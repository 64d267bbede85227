import { GCProfiler, getHeapStatistics } from 'node:v8';

/**
 * Counts the bytes of JavaScript heap allocated while a piece of work runs, garbage collections included: the heap
 * growth plus everything each collection freed (read from V8's GC profiler, which reports the used heap before and
 * after every collection). Off-heap memory (Buffer contents, sockets) is not counted.
 */
export async function heapAllocated(work: () => Promise<void>): Promise<number> {
  const profiler = new GCProfiler();
  profiler.start();
  const before = getHeapStatistics().used_heap_size;
  await work();
  const after = getHeapStatistics().used_heap_size;
  const { statistics } = profiler.stop();
  let freed = 0;
  for (const gc of statistics) {
    freed += gc.beforeGC.heapStatistics.usedHeapSize - gc.afterGC.heapStatistics.usedHeapSize;
  }
  return Math.max(0, after - before + freed);
}

// The contract suite run on the reference implementation, under jest, with the runner found from jest's globals
// (no `runner` option: this is what the README's jest example relies on). A MemoryStore lives in one process and
// each instance has its own memory, hence sharedInstances: false and no processFactory.
import { MemoryStore } from '@oauth-store/core';
import { runStoreContract } from '../src/index';

runStoreContract({
  name: 'memory',
  create: () => new MemoryStore(),
  sharedInstances: false,
  ttlMs: 300,
  log: () => undefined,
});

// The whole ByteStore contract on keyvByteStore over real Keyv instances: Keyv 6 on its in-memory Map store, Keyv 6
// and Keyv 5 on Redis through @keyv/redis, and the lowest Keyv the peer range admits (5.0.0, the keyv5-lowest alias)
// on its Map store (5.0.0 on @keyv/redis runs Keyv's own compliance suite, byte-store and list-vanishing: a whole
// contract run there cost CI about 80 s per Node line). Each run builds its stores on ONE Keyv object (the per-key lock that makes
// take and onlyIfAbsent atomic is per Keyv object); the store declares atomicTake: false, so the suite's take races
// check values only, and no cross-process take test is registered (across processes, take is not atomic).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { runStoreContract } from '@oauth-store/contract-tests';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { keyvByteStore } from '../src/index';
import { keyvRedisUrl } from './support/redis-url';

// keyv 5.0.0's ESM build assigns module.exports, which jest's ESM loader rejects ("module is not defined"): load its
// CommonJS build.
const require = createRequire(import.meta.url);
const Keyv5Lowest = require('keyv5-lowest') as typeof Keyv5;

const memory = new Keyv({ namespace: 'contract' });
const onRedis = new Keyv({ store: new KeyvRedis(keyvRedisUrl()), namespace: 'contract6' });
const onRedis5 = new Keyv5({ store: new KeyvRedis(keyvRedisUrl()) as never, namespace: 'contract5' });
const memoryLowest = new Keyv5Lowest({ namespace: 'contract500' });

afterAll(async () => {
  await Promise.allSettled([onRedis.disconnect(), onRedis5.disconnect()]);
});

describe('the lowest Keyv of the peer range', () => {
  it('keyv5-lowest is keyv 5.0.0', () => {
    // Its exports hide package.json: read the one of the copy the alias resolves to (next to its dist directory).
    const entry = require.resolve('keyv5-lowest');
    const manifest = join(entry.slice(0, entry.lastIndexOf('/dist/')), 'package.json');
    const { name, version } = JSON.parse(readFileSync(manifest, 'utf8')) as { name: string; version: string };
    expect(name).toBe('keyv');
    expect(version).toBe('5.0.0');
  });
});

const common = {
  // Every list page scans the whole Keyv namespace: keep the rounds modest on a shared machine.
  takeRounds: 20,
  propertyRuns: 15,
  log: () => {},
};

runStoreContract({ ...common, name: 'keyv 6 (Map)', create: () => keyvByteStore(memory) });
runStoreContract({ ...common, name: 'keyv 6 (@keyv/redis)', create: () => keyvByteStore(onRedis) });
runStoreContract({ ...common, name: 'keyv 5 (@keyv/redis)', create: () => keyvByteStore(onRedis5 as never) });
runStoreContract({ ...common, name: 'keyv 5.0.0 (Map)', create: () => keyvByteStore(memoryLowest as never) });

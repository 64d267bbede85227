// The whole ByteStore contract on keyvByteStore over real Keyv instances: Keyv 6 on its in-memory Map store, Keyv 6
// and Keyv 5 on Redis through @keyv/redis. Each run builds its stores on ONE Keyv object (the per-key lock that makes
// take and onlyIfAbsent atomic is per Keyv object); the store declares atomicTake: false, so the suite's take races
// check values only, and no cross-process take test is registered (across processes, take is not atomic).
import { afterAll } from '@jest/globals';
import KeyvRedis from '@keyv/redis';
import { runStoreContract } from '@oauth-store/contract-tests';
import Keyv from 'keyv';
import Keyv5 from 'keyv5';
import { keyvByteStore } from '../src/index';
import { keyvRedisUrl } from './support/redis-url';

const memory = new Keyv({ namespace: 'contract' });
const onRedis = new Keyv({ store: new KeyvRedis(keyvRedisUrl()), namespace: 'contract6' });
const onRedis5 = new Keyv5({ store: new KeyvRedis(keyvRedisUrl()) as never, namespace: 'contract5' });

afterAll(async () => {
  await Promise.allSettled([onRedis.disconnect(), onRedis5.disconnect()]);
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

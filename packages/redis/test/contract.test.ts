// The whole ByteStore contract (from @oauth-store/contract-tests) on real servers: the standalone redis-server and
// the local 3-master Redis Cluster that global-setup started, through node-redis and ioredis clients, with the
// cross-process take test racing real child processes that build their own store (test/fixtures/child-store.ts).
import { afterAll, beforeAll, describe, it } from '@jest/globals';
import { runStoreContract, tsxChildOptions } from '@oauth-store/contract-tests';
import { type ClientKind, clusterUrls, freshPrefix, StoreFactory, standaloneUrl } from './support';

const childModule = new URL('./fixtures/child-store.ts', import.meta.url).pathname;
const childTsconfig = new URL('../tsconfig.child.json', import.meta.url).pathname;

// The contract is about results, not latency: a generous bound keeps a loaded CI machine (2 cores shared with other
// suites) from turning slow replies into `unavailable` failures. The bound itself is tested in faults.test.ts.
const COMMAND_TIMEOUT_MS = 15_000;

const variants: Array<{ kind: ClientKind; child: 'node-redis' | 'ioredis'; cluster: boolean }> = [
  { kind: 'node-redis', child: 'node-redis', cluster: false },
  { kind: 'node-redis6', child: 'node-redis', cluster: false },
  { kind: 'ioredis', child: 'ioredis', cluster: false },
  { kind: 'ioredis6', child: 'ioredis', cluster: false },
  { kind: 'node-redis-cluster', child: 'node-redis', cluster: true },
  { kind: 'node-redis6-cluster', child: 'node-redis', cluster: true },
  { kind: 'ioredis-cluster', child: 'ioredis', cluster: true },
  { kind: 'ioredis6-cluster', child: 'ioredis', cluster: true },
];

for (const { kind, child, cluster } of variants) {
  const keyPrefix = freshPrefix(`contract-${kind}`);
  // Four clients per variant: the race tests spread their stores over them, so callers really use several connections.
  const factory = new StoreFactory(kind, { keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS }, 4);
  afterAll(() => factory.closeAll());

  runStoreContract({
    name: `redis via ${kind}`,
    create: () => factory.create(),
    runner: { describe, it, beforeAll, afterAll },
    processFactory: {
      module: childModule,
      // Built lazily: the URLs exist only once global-setup has run, which is before this file is loaded.
      config: cluster
        ? { client: child, clusterUrls: clusterUrls(), keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS }
        : { client: child, url: standaloneUrl(), keyPrefix, commandTimeoutMs: COMMAND_TIMEOUT_MS },
      ...tsxChildOptions({ tsconfig: childTsconfig }),
    },
    // Redis expires to the millisecond, so a short TTL is enough; fewer rounds and runs than the defaults keep the
    // four variants (200 tests) inside the package's time budget on a shared 2-core machine.
    ttlMs: 250,
    takeRounds: 25,
    propertyRuns: 15,
    maxValueBytesToTest: 1024 * 1024,
    log: () => undefined,
  });
}

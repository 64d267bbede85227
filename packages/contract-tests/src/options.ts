import { type ByteStore, ConfigurationError } from '@oauth-store/core';
import type { TestRunner } from './runner';

/**
 * How the cross-process take test builds the store in a child process. The child runs
 * `(await import(module))[exportName ?? 'createStore'](config)` and awaits the result.
 */
export interface ProcessFactory {
  /**
   * The module that exports the factory: an absolute path, a `file:` URL, or a package name resolved from the
   * working directory. A `.ts` module needs a TypeScript loader in the child: spread {@link tsxChildOptions}.
   */
  module: string;
  /** The factory's export name. Default `createStore`. */
  exportName?: string;
  /** The argument passed to the factory; must survive `JSON.stringify` (it crosses a process boundary). */
  config?: unknown;
  /** Node.js flags for the child, for example `['--import', 'tsx']`. Default none (the parent's are not inherited). */
  execArgv?: string[];
  /** Extra environment variables for the child, merged over the parent's environment. */
  env?: Record<string, string>;
}

/**
 * White-box accessor in the spirit of the Auth.js adapter tests: reads what the adapter physically stored under
 * (collection, key), bypassing the store's own expiry and decoding. Resolve `undefined` or `null` when nothing is
 * stored. The suite uses it to check that writes reach the backend and that `delete` and `take` really remove data.
 */
export type RawReader = (collection: string, key: string) => Promise<unknown>;

/** Where a test proxy listens; see {@link LostResponseOptions}. */
export interface ProxyAddress {
  /** Always `127.0.0.1`. */
  host: string;
  /** The proxy's port. */
  port: number;
}

/**
 * Opts a store into the lost-response suite: the suite puts a lossy TCP proxy ({@link startLossyProxy}) between a
 * store and its backend, drops responses, blackholes commands and resets connections, and checks with a direct store
 * (`create`) that nothing is applied twice or after it was reported failed.
 */
export interface LostResponseOptions {
  /** The backend's address, which the proxy forwards to. */
  backend: { host: string; port: number };
  /**
   * Builds a store that connects to the proxy instead of the backend (same data as `create`'s). Give it a short
   * `timeoutMs` (about 1000 ms): the blackhole tests wait for the deadline.
   */
  create: (proxy: ProxyAddress) => ByteStore | Promise<ByteStore>;
}

/** Options of {@link runStoreContract} and of every `run*Tests` suite. Only `name` and `create` are required. */
export interface StoreContractOptions {
  /** Shown in the test titles, for example `redis`. */
  name: string;
  /**
   * Returns a fresh store. Called many times (each test opens its own stores and closes them); the stores may share
   * one server, because every run writes under a fresh random collection-name prefix.
   */
  create: () => ByteStore | Promise<ByteStore>;
  /**
   * The test runner's functions. Default: the `describe`, `it` (or `test`), `beforeAll` and `afterAll` globals of
   * jest, or of vitest with `globals: true`. For vitest without globals pass `{ describe, it, beforeAll, afterAll }`
   * from `vitest`; for node:test pass `{ describe, it, before, after }` from `node:test`.
   */
  runner?: TestRunner;
  /**
   * Builds the store in child processes for the cross-process take test. Without it that test is not registered
   * and a one-line notice is logged: every adapter whose stores share data across processes should pass it.
   */
  processFactory?: ProcessFactory;
  /**
   * Whether stores returned by separate `create()` calls see the same data (connections to one server). Default
   * true. Set false for in-process stores such as `MemoryStore`, where each instance has its own memory; the
   * multi-instance checks then use one instance.
   */
  sharedInstances?: boolean;
  /** The short TTL used by the expiry tests, in ms. Default 400. Raise it when one round trip takes a sizeable part of it. */
  ttlMs?: number;
  /**
   * Extra wait after a TTL deadline before the entry must be gone, in ms, for backends with coarse expiry (for
   * example whole seconds: use `ttlMs: 1000, expiryGraceMs: 1000`). Default 0: no method may return an expired entry.
   */
  expiryGraceMs?: number;
  /** Rounds of the concurrent take and conditional-create races. Default 50. */
  takeRounds?: number;
  /** Concurrent callers per race round. Default 20. */
  takeConcurrency?: number;
  /** Store instances (connections) the race callers are spread over, when `sharedInstances` is true. Default 4. */
  storeInstances?: number;
  /** Keys written by the paging tests. Default 45. */
  listKeys?: number;
  /** fast-check runs per key and collection-name property. Default 30. */
  propertyRuns?: number;
  /**
   * Largest value actually written by the size test, in bytes. Default 8 MiB. The test writes
   * `min(capabilities.maxValueBytes, maxValueBytesToTest)` bytes; one byte over the declared maximum is always
   * checked for rejection (it never reaches the backend) when it fits in 64 MiB.
   */
  maxValueBytesToTest?: number;
  /** Child processes in the cross-process compare-and-set race. Default 4 (at least 2). */
  casRaceWorkers?: number;
  /** Keys (rounds) of the cross-process compare-and-set race. Default 100. */
  casRaceRounds?: number;
  /**
   * Opts into the lost-response suite (exactly-once take and create, nothing applied after a rejection, with lost
   * responses and reset connections). Every adapter that talks to a backend over TCP should pass it.
   */
  lostResponses?: LostResponseOptions;
  /** Child processes in the cross-process take test. Default 2 (at least 2). */
  crossProcessWorkers?: number;
  /** Keys the children race to take. Default 200. */
  crossProcessKeys?: number;
  /**
   * Bound on each phase of a cross-process test, in ms: the children's start (loading the factory, building the
   * store), then the race and their exit. When one passes the children are killed and the test fails. Default 30000.
   */
  crossProcessTimeoutMs?: number;
  /** Timeout passed to the runner for each test and hook, in ms. Default 60000. */
  testTimeoutMs?: number;
  /** See {@link RawReader}. */
  rawReader?: RawReader;
  /** Where notices (tests not registered, sizes not tested) go. Default `console.warn`. */
  log?: (line: string) => void;
}

/** {@link StoreContractOptions} with every default filled in. */
export interface ResolvedOptions
  extends Required<Omit<StoreContractOptions, 'runner' | 'processFactory' | 'rawReader' | 'lostResponses'>> {
  runner: TestRunner | undefined;
  lostResponses: LostResponseOptions | undefined;
  processFactory: ProcessFactory | undefined;
  rawReader: RawReader | undefined;
}

/** Prefix of the suite's own error messages. */
export const source = 'contract-tests';

function positiveInteger(name: string, value: number | undefined, fallback: number, min = 1): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < min) {
    throw new ConfigurationError(`option ${name} must be an integer >= ${min}, got ${String(value)}.`, { source });
  }
  return value;
}

// Options objects this module produced: resolving one again returns it unchanged, so the suites started by one
// runStoreContract call share one object (and with it one namespace).
const alreadyResolved = new WeakSet<object>();

/** Checks the options and fills in the defaults. */
export function resolveOptions(options: StoreContractOptions): ResolvedOptions {
  if (options && alreadyResolved.has(options)) return options as ResolvedOptions;
  if (!options || typeof options !== 'object') {
    throw new ConfigurationError('pass an options object with at least { name, create }.', { source });
  }
  if (typeof options.name !== 'string' || options.name.length === 0) {
    throw new ConfigurationError('option name must be a non-empty string (it is shown in the test titles).', {
      source,
    });
  }
  if (typeof options.create !== 'function') {
    throw new ConfigurationError('option create must be a function returning a fresh ByteStore.', { source });
  }
  const lost = options.lostResponses;
  if (
    lost !== undefined &&
    (typeof lost?.create !== 'function' ||
      typeof lost.backend?.host !== 'string' ||
      !Number.isSafeInteger(lost.backend?.port))
  ) {
    throw new ConfigurationError(
      'lostResponses must be { backend: { host, port }, create: (proxy) => store } (create connects to proxy.host:proxy.port).',
      { source },
    );
  }
  if (options.processFactory !== undefined && typeof options.processFactory?.module !== 'string') {
    throw new ConfigurationError('processFactory.module must be a module path or specifier.', { source });
  }
  const resolved: ResolvedOptions = {
    name: options.name,
    create: options.create,
    runner: options.runner,
    processFactory: options.processFactory,
    sharedInstances: options.sharedInstances ?? true,
    ttlMs: positiveInteger('ttlMs', options.ttlMs, 400, 50),
    expiryGraceMs: positiveInteger('expiryGraceMs', options.expiryGraceMs, 0, 0),
    takeRounds: positiveInteger('takeRounds', options.takeRounds, 50),
    takeConcurrency: positiveInteger('takeConcurrency', options.takeConcurrency, 20, 2),
    storeInstances: positiveInteger('storeInstances', options.storeInstances, 4),
    listKeys: positiveInteger('listKeys', options.listKeys, 45, 10),
    propertyRuns: positiveInteger('propertyRuns', options.propertyRuns, 30),
    maxValueBytesToTest: positiveInteger('maxValueBytesToTest', options.maxValueBytesToTest, 8 * 1024 * 1024),
    casRaceWorkers: positiveInteger('casRaceWorkers', options.casRaceWorkers, 4, 2),
    casRaceRounds: positiveInteger('casRaceRounds', options.casRaceRounds, 100),
    lostResponses: lost,
    crossProcessWorkers: positiveInteger('crossProcessWorkers', options.crossProcessWorkers, 2, 2),
    crossProcessKeys: positiveInteger('crossProcessKeys', options.crossProcessKeys, 200),
    crossProcessTimeoutMs: positiveInteger('crossProcessTimeoutMs', options.crossProcessTimeoutMs, 30_000),
    testTimeoutMs: positiveInteger('testTimeoutMs', options.testTimeoutMs, 60_000),
    rawReader: options.rawReader,
    log: options.log ?? ((line: string) => console.warn(line)),
  };
  alreadyResolved.add(resolved);
  return resolved;
}

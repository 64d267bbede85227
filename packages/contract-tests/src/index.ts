export * from './attack/index';
export * from './encryption/index';
export type { LossyProxy, LossyProxyMode, LossyProxyOptions } from './faults/lossy-proxy';
export { startLossyProxy } from './faults/lossy-proxy';
export type {
  LostResponseOptions,
  ProcessFactory,
  ProxyAddress,
  RawReader,
  StoreContractOptions,
} from './options';
export { tsxChildOptions } from './process/tsx';
export { takeWorkerPath } from './process/worker-path';
export { runStoreContract, storeContractSuites } from './run-store-contract';
export type { TestRunner } from './runner';
export { runBasicTests } from './suites/basic';
export { runCloseTests } from './suites/close';
export { runCompareAndSetTests } from './suites/compare-and-set';
export { runCompareAndSetRaceTests } from './suites/compare-and-set-race';
export { runConditionalCreateTests } from './suites/conditional-create';
export { runExpiryPrecisionTests } from './suites/expiry-precision';
export { runIsolationTests } from './suites/isolation';
export { runKeyTests, TRICKY_KEYS } from './suites/keys';
export { runListTests } from './suites/list';
export { runLostResponseTests } from './suites/lost-responses';
export { runTakeTests } from './suites/take';
export { runTtlTests } from './suites/ttl';
export { runValueTests } from './suites/values';

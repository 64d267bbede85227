export { collectionList, DEFAULT_COLLECTION_TTLS, DEFAULT_COLLECTIONS } from './collections';
export {
  isShareable,
  openStore,
  type ParsedStoreUrl,
  parseStoreUrl,
  redactStoreUrl,
  type StoreBackend,
} from './connection-string';
export { type DemoCluster, type InstanceOptions, startDemoCluster } from './demo/cluster';
export { formatDemoReport } from './demo/report';
export { type DemoOptions, type DemoReport, type RunSummary, runDemo, summarize } from './demo/run-demo';
export { generateKey, writeKeyFile } from './keys';
export { MAIN_HELP, main } from './main';
export { UsageError } from './usage-error';

export { ADAPTERS, adapterForScheme, adapterNamed, type RegisteredAdapter } from './adapter-registry';
export { collectionList, DEFAULT_COLLECTION_TTLS, DEFAULT_COLLECTIONS } from './collections';
export {
  isShareable,
  loadDescriptor,
  openStore,
  type ParsedStoreUrl,
  parseStoreUrl,
  redactStoreUrl,
  type StoreBackend,
} from './connection-string';
export { type DemoCluster, type InstanceOptions, startDemoCluster } from './demo/cluster';
export { formatDemoReport } from './demo/report';
export { type DemoOptions, type DemoReport, type RunSummary, runDemo, summarize } from './demo/run-demo';
export { type Check, DOCTOR_REDIRECT_URI, type DoctorOptions, type DoctorReport, runDoctor } from './doctor/doctor';
export { EXPLANATIONS, type Finding, type FindingId, type Severity } from './doctor/findings';
export { formatDoctorReport } from './doctor/format';
export { type CollectionStats, formatInspect, type InspectOptions, inspectStore } from './inspect';
export { generateKey, writeKeyFile } from './keys';
export { MAIN_HELP, main } from './main';
export {
  type CollectionMigration,
  type MigrateOptions,
  type MigrationProgress,
  type MigrationResult,
  migrate,
  migrationIdentity,
} from './migrate';
export { UsageError } from './usage-error';

// The soak harness as a library, for its tests: run one backend's soak, check logs, render the results.
export { BACKEND_NAMES, type BackendName } from './backends';
export { BROKEN_KINDS, type BrokenKind, breakStore } from './broken';
export * from './checks';
export type { LogRecord, OpRecord } from './log';
export { type BackendRun, DEFAULT_OPTIONS, type SoakOptions, soakBackend } from './run-backend';
export { resultsTable } from './table';

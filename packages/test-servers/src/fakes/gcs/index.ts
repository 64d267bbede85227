// The GCS JSON API FAKE's public surface: start it, and reach its state for white-box test hooks.
export { FakeGcsError } from './errors';
export { type FakeGcsFault, FakeGcsFaults } from './faults';
export { crc32c } from './hashes';
export { type FakeGcs, type FakeGcsOptions, startFakeGcs } from './server';
export { FakeGcsState, type StoredObject } from './state';

export * from './errors';
export * from './hashes';
export * from './server';
export * from './state';

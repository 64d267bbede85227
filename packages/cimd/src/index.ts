export * from './address-policy';
export * from './cache-policy';
export * from './client-id-url';
export * from './errors';
export * from './events';
export type { HostResolver } from './fetch-document';
export * from './resolver';
export * from './validate-document';

export * from './backend';
export * from './ensure';
export { providers } from './registry';

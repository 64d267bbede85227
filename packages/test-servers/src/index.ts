export * from './backend';
export * from './dynamodb';
export * from './ensure';
export * from './firestore';
export * from './gcs';
export * from './postgres';
export * from './redis';
export { providers } from './registry';

export * from './encryption/index';

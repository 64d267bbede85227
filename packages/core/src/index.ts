export * from './contract';
export * from './define-store';
export * from './errors';
export * from './key-source';
export * from './memory-store';
export * from './validation';

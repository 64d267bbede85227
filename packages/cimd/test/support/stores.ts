// The shared bridge-test stores (see scripts/test-support/backend-stores.ts).
export * from '../../../../scripts/test-support/backend-stores';

export { DEFAULT_BETTER_AUTH_COLLECTION, type SecondaryStorageOptions } from './options';
export { createSecondaryStorage } from './secondary-storage';
export type { OAuthStoreSecondaryStorage } from './types';

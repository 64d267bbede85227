export type { VaultKvKeySourceOptions } from './options';
export { vaultKvKeySource } from './vault-kv-key-source';

export { gcpSecretManagerKeySource } from './gcp-secret-manager-key-source';
export type { GcpSecretManagerKeySourceOptions, SecretManagerClientOptions } from './options';

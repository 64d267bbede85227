export { azureKeyVaultKeySource } from './azure-key-vault-key-source';
export type { AzureKeyVaultKeySourceOptions, KeyVaultCredential } from './options';

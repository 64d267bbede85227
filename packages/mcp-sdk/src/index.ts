export {
  advertiseCimd,
  type CimdClientsStore,
  type CimdClientsStoreOptions,
  createCimdClientsStore,
  type DocumentClientResolver,
  type McpSdkLine,
} from './cimd';
export {
  type CredentialScope,
  createOAuthClientPersistence,
  type OAuthClientPersistence,
  type OAuthClientPersistenceOptions,
} from './client-persistence';
export { type ClientsSource, createClientsStore, type McpClientsStore, toClientStore } from './clients-store';
export { type ProxyGetClient, proxyGetClient, withLocalRegistration } from './proxy';
export { sessionKey } from './session-key';

import { ensureBackends } from '@oauth-store/test-servers';

/** Starts DynamoDB Local (or uses DYNAMODB_ENDPOINT) once for every test file. */
export default async function setup() {
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends(['dynamodb']);
}

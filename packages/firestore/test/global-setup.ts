import { ensureBackends } from '@oauth-store/test-servers';

export default async function setup() {
  // The emulator needs no credentials; this stops google-auth-library (under the SDK) from probing the GCE metadata
  // server (169.254.169.254, off this machine) before each client's first call, also when FIRESTORE_EMULATOR_HOST
  // points at an emulator started elsewhere. Jest workers and the contract suite's child processes inherit it.
  process.env.METADATA_SERVER_DETECTION ??= 'none';
  (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop = await ensureBackends(['firestore']);
}

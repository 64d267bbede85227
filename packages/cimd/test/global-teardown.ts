/** Stops what global-setup started. */
export default async function teardown() {
  await (globalThis as { __oauthStoreStop?: () => Promise<void> }).__oauthStoreStop?.();
}

/** Stops what global-setup.ts started. */
export default async function teardown(): Promise<void> {
  // biome-ignore lint/suspicious/noExplicitAny: see global-setup.ts.
  await (globalThis as any).__oauthStoreStop?.();
}

/**
 * Opens "ours" the way an application configured by connection string gets it: through the CLI's adapter registry
 * (`packages/cli/src/adapter-registry.ts`) and the package's `descriptor.open`. The bench names no adapter factory.
 */
import { adapterNamed, loadDescriptor } from '@oauth-store/cli';
import type { ByteStore } from '@oauth-store/core';

/** Opens the registry backend `name` on `connectionString`. */
export async function openRegistered(name: string, connectionString: string): Promise<ByteStore> {
  const adapter = adapterNamed(name);
  if (!adapter) throw new Error(`the adapter registry has no backend named ${name}`);
  const descriptor = await loadDescriptor(adapter);
  return descriptor.open(connectionString);
}

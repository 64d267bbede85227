import { randomBytes } from 'node:crypto';
import { Storage } from '@google-cloud/storage';
import { GcsStore, type GcsStoreOptions } from '../src/index';

/** Where the harness's GCS server is (the wire-level fake unless GCS_FAKE_ENDPOINT points elsewhere). */
export function endpoint(): string {
  const value = process.env.GCS_FAKE_ENDPOINT;
  if (!value) throw new Error('GCS_FAKE_ENDPOINT is not set: the jest global setup (ensureBackends) did not run.');
  return value;
}

/**
 * A real SDK client for the fake. A custom `apiEndpoint` that is not a googleapis.com host already makes the SDK skip
 * google-auth-library; `useAuthWithCustomEndpoint: false` says so explicitly. No credentials exist or are needed.
 */
export function newStorage(apiEndpoint = endpoint()): Storage {
  return new Storage({ apiEndpoint, projectId: 'oauth-store-test', useAuthWithCustomEndpoint: false });
}

/** Creates a bucket with a random name, so each test file has its own. */
export async function freshBucket(storage: Storage = newStorage()): Promise<string> {
  const name = `oauth-store-${randomBytes(6).toString('hex')}`;
  await storage.createBucket(name);
  return name;
}

/** A store on the fake, each with its own SDK client (as separate instances of an app would have). */
export function newStore(bucket: string, options: Partial<GcsStoreOptions> = {}): GcsStore {
  return new GcsStore({ bucket, storage: newStorage(), ...options });
}

/** A random collection name, so tests never share state. */
export function randomCollection(): string {
  return `c-${randomBytes(6).toString('hex')}`;
}

/** UTF-8 bytes of a string. */
export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

import { randomUUID } from 'node:crypto';
import { Firestore } from '@google-cloud/firestore';
import { FirestoreStore, type FirestoreStoreOptions } from '../src/index';

/** Project id the tests use against the emulator (any id works there). */
export const PROJECT_ID = 'oauth-store-test';

/** The emulator the jest global setup started (or FIRESTORE_EMULATOR_HOST pointed at); fails loudly without one. */
export function emulatorHost(): string {
  const host = process.env.FIRESTORE_EMULATOR_HOST;
  if (!host) throw new Error('FIRESTORE_EMULATOR_HOST is not set: the jest global setup did not provide Firestore');
  return host;
}

/** A Firestore client on the test emulator. */
export function newClient(): Firestore {
  emulatorHost();
  return new Firestore({ projectId: PROJECT_ID });
}

/** A fresh root collection name, so tests never share documents. */
export function freshRoot(): string {
  return `t_${randomUUID().replaceAll('-', '')}`;
}

/** A store on the test emulator under a fresh root collection. */
export function newStore(options: FirestoreStoreOptions = {}): FirestoreStore {
  emulatorHost();
  return new FirestoreStore({ settings: { projectId: PROJECT_ID }, rootCollection: freshRoot(), ...options });
}

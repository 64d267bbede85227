/**
 * Firestore emulator contenders (get/set only), each with its own SDK client (the emulator is found through
 * FIRESTORE_EMULATOR_HOST, which the harness sets):
 * - raw: `doc.set({ value, expiresAt })` and `doc.get()` on a flat collection;
 * - adapter: `FirestoreStore` (one document per entry under a per-collection subcollection, expiry checked on read).
 */
import { Firestore } from '@google-cloud/firestore';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { versionsOf } from '../versions';
import { openRegistered } from './registry-store';
import { storeContender } from './shared';

const PROJECT_ID = 'oauth-store-bench';

function rawContender(value: Uint8Array): Contender {
  const db = new Firestore({ projectId: PROJECT_ID });
  const entries = db.collection('bench_raw');
  const bytes = Buffer.from(value);
  return {
    label: '@google-cloud/firestore (raw)',
    role: 'raw',
    set: (key) => entries.doc(key).set({ value: bytes, expiresAt: new Date(Date.now() + TTL_MS) }),
    get: async (key) => (await entries.doc(key).get()).get('value'),
    close: () => db.terminate(),
  };
}

/** The Firestore emulator setup. */
export async function setupFirestore(value: Uint8Array): Promise<BackendSetup> {
  const emulator = process.env.FIRESTORE_EMULATOR_HOST;
  const ours = await openRegistered(
    'firestore',
    `firestore://${PROJECT_ID}?root=bench_store${emulator ? `&emulator=${emulator}` : ''}`,
  );
  const contenders = [rawContender(value), storeContender('FirestoreStore (ours)', 'adapter', ours, 'codes', value)];
  return {
    name: 'firestore',
    title: 'Firestore (patched @firestore-emulator/server)',
    contenders,
    operations: ['set', 'get'],
    throughput: false,
    versions: versionsOf(['@google-cloud/firestore'], ['firestore']),
    notes: [
      'The emulator is a pure-JavaScript gRPC server in a child process on this machine; its timings say nothing about the Firestore service.',
    ],
    close: () => closeAll(contenders.map((contender) => () => contender.close())),
  };
}

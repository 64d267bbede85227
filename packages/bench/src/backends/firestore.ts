/**
 * Firestore emulator contenders (get/set only), each with its own SDK client (the emulator is found through
 * FIRESTORE_EMULATOR_HOST, which the harness sets):
 * - raw: `doc.set({ value, expiresAt })` and `doc.get()` on a flat collection;
 * - adapter: `FirestoreStore` (one document per entry under a per-collection subcollection, expiry checked on read).
 */
import { Firestore } from '@google-cloud/firestore';
import { FirestoreStore } from '@oauth-store/firestore';
import type { BackendSetup, Contender } from '../contender';
import { closeAll, TTL_MS } from '../contender';
import { versionsOf } from '../versions';
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
  const contenders = [
    rawContender(value),
    storeContender(
      'FirestoreStore (ours)',
      'adapter',
      new FirestoreStore({ settings: { projectId: PROJECT_ID }, rootCollection: 'bench_store' }),
      'codes',
      value,
    ),
  ];
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

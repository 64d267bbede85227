// The encryption suite must catch real bugs. A small correct wrapper (AES-256-GCM under the KEK, kid in the clear,
// AAD binding collection and key) passes every test; the same wrapper with one deliberate flaw each — the flaws of
// the designs the brief names (plaintext passed through, no AAD, wrong key as a cache miss, trial decryption, ...) —
// fails exactly the tests that cover that flaw.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import {
  type ByteStore,
  IntegrityError,
  type KeyringMaterial,
  type ListOptions,
  MemoryStore,
  type SetOptions,
  UnknownKeyIdError,
} from '@oauth-store/core';
import { type EncryptionContractOptions, runEncryptionContract } from '../src/index';

interface Flaws {
  /** Returns bytes without the format prefix as they are (py-key-value's wrapper). */
  passThroughPlaintext?: boolean;
  /** Binds no AAD: a record can be moved to another key or collection. */
  noAad?: boolean;
  /** Turns every decryption failure into a cache miss (FastMCP's default). */
  failureIsMiss?: boolean;
  /** Ignores the kid and tries every key (Fernet's MultiFernet). */
  trialDecryption?: boolean;
  /** Reuses one nonce per key (deterministic encryption). */
  fixedNonce?: boolean;
  /** Stores the value in the clear behind the prefix. */
  plaintextPayload?: boolean;
  /** Puts the key in error messages. */
  keyInMessages?: boolean;
  /** Reads only the declared length and ignores trailing bytes. */
  ignoresTrailingBytes?: boolean;
  /** rewrap() does nothing. */
  rewrapNoop?: boolean;
}

const MAGIC = Buffer.from('RWv1');

function lp(text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** A reference wrapper: MAGIC | kid length | kid | nonce | payload length (u32) | ciphertext | tag. */
function referenceWrapper(inner: ByteStore, keys: KeyringMaterial, flaws: Flaws): ByteStore {
  const all = [keys.primary, ...keys.decryptOnly];
  const fail = (message: string, key?: Uint8Array) =>
    new IntegrityError(flaws.keyInMessages && key ? `${message} (key ${Buffer.from(key).toString('hex')})` : message, {
      source: 'reference',
    });
  const aad = (collection: string, key: string, header: Buffer) =>
    flaws.noAad ? header : Buffer.concat([header, lp(collection), lp(key)]);
  const seal = (collection: string, key: string, value: Uint8Array) => {
    const { kid, key: kek } = keys.primary;
    const header = Buffer.concat([MAGIC, Buffer.from([kid.length]), Buffer.from(kid, 'ascii')]);
    const nonce = flaws.fixedNonce ? Buffer.alloc(12) : randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', kek, nonce);
    cipher.setAAD(aad(collection, key, header));
    const body = flaws.plaintextPayload ? Buffer.from(value) : Buffer.concat([cipher.update(value), cipher.final()]);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(body.length);
    return new Uint8Array(
      Buffer.concat([header, nonce, length, body, flaws.plaintextPayload ? Buffer.alloc(16) : cipher.getAuthTag()]),
    );
  };
  const open = (collection: string, key: string, stored: Uint8Array): Uint8Array | undefined => {
    const bytes = Buffer.from(stored);
    if (bytes.length < 5 || !bytes.subarray(0, 4).equals(MAGIC)) {
      if (flaws.passThroughPlaintext) return stored;
      throw fail('not an envelope');
    }
    const kidLength = bytes[4]!;
    const header = bytes.subarray(0, 5 + kidLength);
    const kid = header.subarray(5).toString('latin1');
    const nonce = bytes.subarray(5 + kidLength, 17 + kidLength);
    if (bytes.length < 21 + kidLength) throw fail('truncated');
    const length = bytes.readUInt32BE(17 + kidLength);
    const bodyStart = 21 + kidLength;
    const expectedEnd = bodyStart + length + 16;
    if (bytes.length < expectedEnd || (!flaws.ignoresTrailingBytes && bytes.length !== expectedEnd))
      throw fail('bad length');
    const body = bytes.subarray(bodyStart, bodyStart + length);
    const tag = bytes.subarray(bodyStart + length, expectedEnd);
    if (flaws.plaintextPayload) return new Uint8Array(body);
    const candidates = flaws.trialDecryption ? all : all.filter((version) => version.kid === kid);
    if (candidates.length === 0) throw new UnknownKeyIdError(`unknown key id ${kid}`, { source: 'reference' });
    for (const version of candidates) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', version.key, nonce);
        decipher.setAAD(aad(collection, key, header));
        decipher.setAuthTag(tag);
        return new Uint8Array(Buffer.concat([decipher.update(body), decipher.final()]));
      } catch {
        // try the next candidate (only with trial decryption)
      }
    }
    if (flaws.failureIsMiss) return undefined;
    throw fail('authentication failed', candidates[0]?.key);
  };
  return {
    capabilities: { ...inner.capabilities, name: 'reference', maxValueBytes: inner.capabilities.maxValueBytes - 512 },
    async get(collection, key) {
      const stored = await inner.get(collection, key);
      return stored === undefined ? undefined : open(collection, key, stored);
    },
    async getEntry(collection, key) {
      const entry = await inner.getEntry(collection, key);
      const value = entry === undefined ? undefined : open(collection, key, entry.value);
      return entry === undefined || value === undefined ? undefined : { ...entry, value };
    },
    set: (collection, key, value, options?: SetOptions) =>
      inner.set(collection, key, seal(collection, key, value), options),
    delete: (collection, key) => inner.delete(collection, key),
    async take(collection, key) {
      const stored = await inner.take(collection, key);
      return stored === undefined ? undefined : open(collection, key, stored);
    },
    list: (collection, options?: ListOptions) => inner.list(collection, options),
    close: () => inner.close(),
  };
}

async function referenceRewrap(inner: ByteStore, keys: KeyringMaterial, collections: string[], flaws: Flaws) {
  if (flaws.rewrapNoop) return;
  for (const collection of collections) {
    const { keys: names } = await inner.list(collection, { limit: 1000 });
    const store = referenceWrapper(inner, keys, flaws);
    for (const name of names) {
      const value = await store.get(collection, name);
      if (value !== undefined) await store.set(collection, name, value);
    }
  }
}

function readKid(raw: Uint8Array): string {
  const bytes = Buffer.from(raw);
  return bytes.subarray(5, 5 + bytes[4]!).toString('latin1');
}

interface Outcome {
  title: string;
  error: unknown;
}

/** Runs the suite through a collecting runner and reports every test's outcome. */
async function runSuite(flaws: Flaws): Promise<Outcome[]> {
  const tests: Array<{ title: string; body: () => Promise<void> }> = [];
  const path: string[] = [];
  const options: EncryptionContractOptions = {
    name: 'reference',
    createInner: () => new MemoryStore(),
    wrap: (inner, keys) => referenceWrapper(inner, keys, flaws),
    rewrap: (inner, keys, collections) => referenceRewrap(inner, keys, collections, flaws),
    readKid,
    log: () => undefined,
    runner: {
      describe: (title: string, body: () => void) => {
        path.push(title);
        body();
        path.pop();
      },
      it: (title: string, body: () => Promise<void>) => {
        tests.push({ title: [...path, title].join(' > '), body });
      },
    },
  };
  runEncryptionContract(options);
  const outcomes: Outcome[] = [];
  for (const test of tests) {
    outcomes.push({
      title: test.title,
      error: await test.body().then(
        () => undefined,
        (error: unknown) => error ?? 'failed',
      ),
    });
  }
  return outcomes;
}

const failed = (outcomes: Outcome[]) => outcomes.filter((outcome) => outcome.error !== undefined).map((o) => o.title);

describe('runEncryptionContract catches broken wrappers', () => {
  it('a correct reference wrapper passes every test', async () => {
    const outcomes = await runSuite({});
    expect(outcomes.length).toBeGreaterThanOrEqual(20);
    expect(failed(outcomes)).toEqual([]);
  });

  const cases: Array<{ flaw: keyof Flaws; failing: RegExp[] }> = [
    {
      flaw: 'passThroughPlaintext',
      failing: [/JSON plaintext planted/, /random bytes planted/, /an empty value planted/],
    },
    {
      flaw: 'noAad',
      failing: [/copied to another key/, /copied to another collection/, /length-delimited/, /swapped/],
    },
    { flaw: 'failureIsMiss', failing: [/different key under the same kid/, /bit flip/] },
    {
      flaw: 'trialDecryption',
      failing: [/kid the keyring does not hold/, /stale instance|new writes use the new primary/],
    },
    { flaw: 'fixedNonce', failing: [/same value twice to different bytes/] },
    { flaw: 'plaintextPayload', failing: [/holds none of them in the clear/] },
    { flaw: 'keyInMessages', failing: [/different key under the same kid/] },
    { flaw: 'ignoresTrailingBytes', failing: [/appended bytes fail/] },
    { flaw: 'rewrapNoop', failing: [/rewrap moves every record/] },
  ];
  for (const { flaw, failing } of cases) {
    it(`catches: ${flaw}`, async () => {
      const titles = failed(await runSuite({ [flaw]: true }));
      expect(titles).toEqual(expect.arrayContaining(failing.map((pattern) => expect.stringMatching(pattern))));
    });
  }
});

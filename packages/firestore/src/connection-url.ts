import type { Settings } from '@google-cloud/firestore';
import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './layout';

/** The connection-string grammar, as `oauth-store` CLI commands and {@link descriptor} take it. */
export const FIRESTORE_URL_FORM = 'firestore://project?database=&root=&emulator=host:port&timeout=';

/** What a `firestore://` connection string says. */
export interface ParsedFirestoreUrl {
  /** `projectId` (the URL's host), `databaseId` (`database=`), and for `emulator=` the emulator's host without TLS. */
  settings: Settings;
  /** `root=`: the root collection path, if given. */
  rootCollection?: string;
  /** `timeout=`: the store's per-operation bound in ms, if given. */
  timeoutMs?: number;
}

function bad(message: string): ConfigurationError {
  // Never echo the string: it is configuration a user may have pasted secrets into.
  return new ConfigurationError(`${message} The form is ${FIRESTORE_URL_FORM}.`, { source: SOURCE });
}

/**
 * Parses `firestore://project?database=&root=&emulator=host:port&timeout=`. `emulator=` points this store's client at
 * an emulator (`host` + `ssl: false`, which the SDK treats as emulator mode: no Google credentials) without touching
 * `FIRESTORE_EMULATOR_HOST`; when that variable is set, the SDK lets it win over any setting.
 */
export function parseFirestoreUrl(text: string): ParsedFirestoreUrl {
  if (typeof text !== 'string' || !/^firestore:/i.test(text)) throw bad('the url must start with firestore://.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('the url is not a valid URL.');
  }
  if (!url.hostname) throw bad('the url needs the project id, as in firestore://my-project.');
  const params = url.searchParams;
  const database = params.get('database');
  const root = params.get('root');
  const emulator = params.get('emulator');
  if (emulator !== null && !/^[^\s/:]+:\d+$/.test(emulator)) throw bad('emulator= must be host:port.');
  const timeoutText = params.get('timeout');
  const timeoutMs = timeoutText === null ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    throw bad('timeout= must be a positive integer (milliseconds).');
  }
  return {
    settings: {
      projectId: url.hostname,
      ...(database ? { databaseId: database } : {}),
      ...(emulator ? { host: emulator, ssl: false } : {}),
    },
    ...(root ? { rootCollection: root } : {}),
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

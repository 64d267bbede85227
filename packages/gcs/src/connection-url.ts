import type { StorageOptions } from '@google-cloud/storage';
import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './errors';

/** The connection-string grammar, as `oauth-store` CLI commands and {@link descriptor} take it. */
export const GCS_URL_FORM = 'gcs://bucket[/prefix/]?endpoint=&project=&timeout=';

/** What a `gcs://` connection string says. */
export interface ParsedGcsUrl {
  /** The bucket (the URL's host). */
  bucket: string;
  /** The object-name prefix (the URL's path, ending with "/"), if given. */
  prefix?: string;
  /** `project=` as `projectId`, and `endpoint=` as `apiEndpoint` (then without Google auth: an emulator or fake). */
  storageOptions: StorageOptions;
  /** `timeout=`: the store's per-operation bound in ms, if given. */
  timeoutMs?: number;
}

function bad(message: string): ConfigurationError {
  // Never echo the string: it is configuration a user may have pasted secrets into.
  return new ConfigurationError(`${message} The form is ${GCS_URL_FORM}.`, { source: SOURCE });
}

/**
 * Parses `gcs://bucket[/prefix/]?endpoint=&project=&timeout=`: the bucket is the host, the path (if any) the prefix
 * (a missing final "/" is added). `endpoint=` points the client at another server speaking the JSON API (an emulator
 * or a fake), without Google credentials; without it the client finds credentials the usual way (ADC).
 */
export function parseGcsUrl(text: string): ParsedGcsUrl {
  if (typeof text !== 'string' || !/^gcs:/i.test(text)) throw bad('the url must start with gcs://.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('the url is not a valid URL.');
  }
  if (!url.hostname) throw bad('the url needs the bucket, as in gcs://my-bucket/oauth-store/.');
  let path: string;
  try {
    path = decodeURIComponent(url.pathname.replace(/^\//, ''));
  } catch {
    throw bad('the prefix in the url is not valid percent-encoding.');
  }
  const params = url.searchParams;
  const endpoint = params.get('endpoint');
  const project = params.get('project');
  const timeoutText = params.get('timeout');
  const timeoutMs = timeoutText === null ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    throw bad('timeout= must be a positive integer (milliseconds).');
  }
  return {
    bucket: url.hostname,
    ...(path ? { prefix: path.endsWith('/') ? path : `${path}/` } : {}),
    storageOptions: {
      ...(project ? { projectId: project } : {}),
      ...(endpoint ? { apiEndpoint: endpoint, useAuthWithCustomEndpoint: false } : {}),
    },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

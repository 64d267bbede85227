import type { DynamoDBClientConfig } from '@aws-sdk/client-dynamodb';
import { ConfigurationError } from '@oauth-store/core';
import { SOURCE } from './errors';

/** The connection-string grammar, as `oauth-store` CLI commands and {@link descriptor} take it. */
export const DYNAMODB_URL_FORM =
  'dynamodb://[endpoint-host:port]?table=NAME&region=&tls=&timeout= (no host: AWS itself)';

/** What a `dynamodb://` connection string says. */
export interface ParsedDynamoDbUrl {
  /** `table=`: the table the store uses. */
  tableName: string;
  /** Client settings: `endpoint` from the host (none: AWS), `region`, and dummy credentials for a loopback endpoint. */
  clientConfig: DynamoDBClientConfig;
  /** `timeout=`: the store's per-operation bound in ms, if given. */
  timeoutMs?: number;
}

function bad(message: string): ConfigurationError {
  // Never echo the string: it is configuration a user may have pasted secrets into.
  return new ConfigurationError(`${message} The form is ${DYNAMODB_URL_FORM}.`, { source: SOURCE });
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * Parses `dynamodb://[endpoint-host:port]?table=&region=&tls=&timeout=`. No host (or the host `aws`) means AWS itself,
 * with the SDK's usual region and credential chain. A host means that endpoint, over HTTPS unless it is loopback or
 * `tls=false`; a loopback endpoint (DynamoDB Local) gets region `us-east-1` and dummy credentials unless the region or
 * `AWS_ACCESS_KEY_ID` is set, because DynamoDB Local accepts any.
 */
export function parseDynamoDbUrl(text: string): ParsedDynamoDbUrl {
  if (typeof text !== 'string' || !/^dynamodb:/i.test(text)) throw bad('the url must start with dynamodb://.');
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad('the url is not a valid URL.');
  }
  const params = url.searchParams;
  const tableName = params.get('table');
  if (!tableName) throw bad('the url needs ?table=NAME (the table the store uses).');
  const tls = params.get('tls');
  if (tls !== null && tls !== 'true' && tls !== 'false') throw bad('tls= must be true or false.');
  const loopback = LOOPBACK.has(url.hostname);
  const protocol = tls === 'true' || (tls === null && !loopback) ? 'https' : 'http';
  const endpoint = url.host && url.hostname !== 'aws' ? `${protocol}://${url.host}` : undefined;
  const local = endpoint !== undefined && loopback && protocol === 'http';
  const region = params.get('region') || process.env.AWS_REGION || (local ? 'us-east-1' : undefined);
  const timeoutText = params.get('timeout');
  const timeoutMs = timeoutText === null ? undefined : Number(timeoutText);
  if (timeoutMs !== undefined && !(Number.isSafeInteger(timeoutMs) && timeoutMs > 0)) {
    throw bad('timeout= must be a positive integer (milliseconds).');
  }
  return {
    tableName,
    clientConfig: {
      ...(region ? { region } : {}),
      ...(endpoint ? { endpoint } : {}),
      ...(local && !process.env.AWS_ACCESS_KEY_ID
        ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } }
        : {}),
    },
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
  };
}

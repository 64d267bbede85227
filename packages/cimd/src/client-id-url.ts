import { CimdResolutionError } from './errors';

/**
 * Checks a client_id against the rules of draft-ietf-oauth-client-id-metadata-document-00 §3: an `https` URL with a
 * path, no fragment, no user name or password, no `.` or `..` path segments. Returns the parsed URL. The draft also
 * says it SHOULD NOT have a query; a query is accepted (the byte-for-byte comparison still applies).
 */
export function parseClientIdUrl(clientId: string, allowHttp: boolean): URL {
  const fail = (why: string): never => {
    throw new CimdResolutionError(
      'invalid_client_id',
      `the client_id is not a valid client metadata document URL: ${why}.`,
    );
  };
  if (!URL.canParse(clientId)) fail('it does not parse as a URL');
  const url = new URL(clientId);
  if (url.protocol !== 'https:' && !(allowHttp && url.protocol === 'http:')) fail('it must use https');
  if (url.username || url.password) fail('it must not contain a user name or password');
  if (clientId.includes('#')) fail('it must not contain a fragment');
  if (url.pathname === '/' || url.pathname === '') fail('it must contain a path');
  // The URL parser resolves dot segments away, so look at the raw text (also percent-encoded forms).
  const rawPath = clientId.slice(clientId.indexOf('//') + 2).replace(/[?#].*$/, '');
  const segments = rawPath.split('/').slice(1);
  if (segments.some((segment) => /^(\.|%2e){1,2}$/i.test(segment))) fail('it must not contain . or .. path segments');
  return url;
}

/** True when the id looks like a URL a metadata document would live at (so it is not a registered DCR id). */
export function looksLikeDocumentUrl(clientId: string, allowHttp: boolean): boolean {
  return clientId.startsWith('https://') || (allowHttp && clientId.startsWith('http://'));
}

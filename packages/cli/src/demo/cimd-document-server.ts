import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CLIENT_REDIRECT_URI } from './client-provider';

/** Path of the demo client's metadata document on the document server. */
const DOCUMENT_PATH = '/oauth/client-metadata.json';

/**
 * How long the document may be cached (`Cache-Control: max-age`, in seconds): longer than the demo, so every fetch
 * after the first one of a cache is a miss the shared store would have avoided.
 */
const MAX_AGE_S = 3600;

/** The MCP client's own web server, serving its Client ID Metadata Document on loopback. */
export interface CimdDocumentServer {
  /** The document's URL, which is also the client's `client_id`. */
  readonly clientId: string;
  /** Requests for the document so far (each is one fetch by some instance). */
  fetches(): number;
  close(): Promise<void>;
}

/**
 * Starts the demo MCP client's metadata document host on `127.0.0.1` (plain HTTP: the resolver only accepts it with
 * the local-development opt-ins `allowHttp` and `allowPrivateAddresses`, which the demo's instances set explicitly).
 * It counts the requests it answers: the table's "document fetches".
 */
export async function startCimdDocumentServer(): Promise<CimdDocumentServer> {
  let fetches = 0;
  let clientId = '';
  const server = createServer((req, res) => {
    if (req.method !== 'GET' || req.url !== DOCUMENT_PATH) {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not_found"}');
      return;
    }
    fetches += 1;
    const document = {
      client_id: clientId,
      client_name: 'oauth-store demo client (CIMD)',
      redirect_uris: [CLIENT_REDIRECT_URI],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      // A document anyone can read cannot carry a shared secret: a public client, PKCE only.
      token_endpoint_auth_method: 'none',
    };
    res
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': `public, max-age=${MAX_AGE_S}` })
      .end(JSON.stringify(document));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  clientId = `http://127.0.0.1:${(server.address() as AddressInfo).port}${DOCUMENT_PATH}`;
  return {
    clientId,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

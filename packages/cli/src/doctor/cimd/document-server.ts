// The doctor's own client, as a Client ID Metadata Document: served on loopback for one end-to-end authorization,
// counting how often the authorization server fetches it (one fetch per document per fleet is the goal).
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A client metadata document served on a loopback port. */
export interface ServedDocument {
  /** The document's URL, which is also its `client_id`. */
  clientId: string;
  /** The document itself (what every fetch receives). */
  document: Record<string, unknown>;
  /** How many times the document was requested so far. */
  fetches(): number;
  close(): Promise<void>;
}

/**
 * Serves a metadata document for a public client (`token_endpoint_auth_method: none`, the only method a document
 * anyone can read may use) whose only redirect URI is `redirectUri`, at a fresh random path on 127.0.0.1, so no
 * cached copy of an earlier run can answer in its place. Anything else on that port answers 404.
 */
export async function serveClientDocument(redirectUri: string): Promise<ServedDocument> {
  const path = `/oauth-store-doctor/${randomBytes(8).toString('hex')}/client.json`;
  let fetches = 0;
  let document: Record<string, unknown> = {};
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || new URL(request.url ?? '/', 'http://127.0.0.1').pathname !== path) {
      response.writeHead(404).end();
      return;
    }
    fetches += 1;
    response
      .writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=300' })
      .end(JSON.stringify(document));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const clientId = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  document = {
    client_id: clientId,
    client_name: 'oauth-store doctor',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
  return {
    clientId,
    document,
    fetches: () => fetches,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

// Client ID Metadata Documents (CIMD) as a client meets them: does the server advertise them, is DCR (deprecated by
// the MCP spec of 2026-07-28) its only registration path, and, for a server on loopback, does a CIMD client get
// through /authorize with exactly one fetch of its document.
import { createHash, randomBytes } from 'node:crypto';
import { classifyAuthorize } from '../authorize-outcome';
import type { FindingId } from '../findings';
import { type Json, oauthErrorOf, request } from '../http';
import type { Check } from '../report';
import { serveClientDocument } from './document-server';
import { isLoopbackHost } from './loopback';
import { productionRefusals } from './production-policy';

/** What the CIMD probe needs of the server. */
export interface CimdProbeInput {
  /** RFC 8414 metadata. */
  metadata: Json;
  authorizationEndpoint: string | undefined;
  registrationEndpoint: string | undefined;
  /** The redirect URI the doctor's document lists (its loopback callback, never opened). */
  redirectUri: string;
  /** `resource` and `scope` sent with the authorization request, as with the registered client. */
  resource: string;
  scope: string | undefined;
  timeoutMs: number;
}

/** What the CIMD probe found. */
export interface CimdProbeResult {
  /** True when the metadata says `client_id_metadata_document_supported: true`. */
  advertised: boolean;
  checks: Check[];
  findings: [FindingId, string][];
}

/** True when the server advertises CIMD (RFC 8414 metadata, draft-ietf-oauth-client-id-metadata-document). */
export function advertisesCimd(metadata: Json): boolean {
  return metadata.client_id_metadata_document_supported === true;
}

/** The CIMD checks of the doctor (see the file comment). Never throws for anything the server answers. */
export async function probeCimd(input: CimdProbeInput): Promise<CimdProbeResult> {
  const { metadata, authorizationEndpoint, registrationEndpoint } = input;
  const advertised = advertisesCimd(metadata);
  const checks: Check[] = [];
  const findings: [FindingId, string][] = [];
  const flag = JSON.stringify(metadata.client_id_metadata_document_supported ?? null);
  checks.push({
    name: 'client ID metadata documents (CIMD) advertised',
    ok: advertised,
    detail: `client_id_metadata_document_supported is ${flag}`,
  });
  if (!advertised) {
    if (registrationEndpoint) {
      findings.push([
        'registration-dcr-only',
        `Dynamic client registration is the only registration path: the metadata has a registration_endpoint but client_id_metadata_document_supported is ${flag}.`,
      ]);
    }
    return { advertised, checks, findings };
  }
  if (!authorizationEndpoint) return { advertised, checks, findings };
  const host = new URL(authorizationEndpoint).hostname;
  if (!(await isLoopbackHost(host))) {
    checks.push({
      name: 'CIMD client end to end',
      ok: true,
      detail: `not run: ${host} is not on loopback, so it cannot fetch a document the doctor serves on this machine`,
    });
    return { advertised, checks, findings };
  }
  await authorizeWithDocument(input, authorizationEndpoint, checks, findings);
  return { advertised, checks, findings };
}

/** Serves the doctor's document, sends one authorization request with it and judges the answer and the fetches. */
async function authorizeWithDocument(
  input: CimdProbeInput,
  authorizationEndpoint: string,
  checks: Check[],
  findings: [FindingId, string][],
): Promise<void> {
  const served = await serveClientDocument(input.redirectUri);
  try {
    const verifier = randomBytes(32).toString('base64url');
    const url = new URL(authorizationEndpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: served.clientId,
      redirect_uri: input.redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: randomBytes(8).toString('hex'),
      resource: input.resource,
      ...(input.scope ? { scope: input.scope } : {}),
    }).toString();
    const answer = await request(url.href, { method: 'GET' }, input.timeoutMs);
    // The server fetches the document before it answers, so the count is final once the answer is here.
    const fetches = served.fetches();
    const { outcome, detail } = classifyAuthorize(answer, input.redirectUri);
    const fetched = `${fetches} document request${fetches === 1 ? '' : 's'}`;
    if (outcome === 'accepted' || outcome === 'scope-rejected') {
      checks.push({
        name: 'CIMD client end to end',
        ok: fetches === 1,
        detail: `/authorize answered ${answer?.status} (${detail}), ${fetched}`,
      });
      if (fetches === 0) {
        findings.push([
          'cimd-document-not-fetched',
          `/authorize accepted the client_id ${served.clientId} (${detail}) without requesting its metadata document.`,
        ]);
      } else if (fetches > 1) {
        findings.push([
          'cimd-document-fetched-repeatedly',
          `One authorization request with a CIMD client made the server request its metadata document ${fetches} times (expected 1).`,
        ]);
      }
      return;
    }
    checks.push({ name: 'CIMD client end to end', ok: false, detail: `/authorize answered ${detail}, ${fetched}` });
    // Only an explicit invalid_client is a refused client: other errors whose words mention "client" are failures.
    if (outcome === 'client-rejected' && oauthErrorOf(answer) === 'invalid_client') {
      const description = typeof answer?.json?.error_description === 'string' ? answer.json.error_description : detail;
      const reasons = await productionRefusals(served.clientId, served.document);
      const status = answer ? `HTTP ${answer.status} ` : '';
      findings.push([
        'cimd-loopback-document-refused',
        `/authorize refused the doctor's CIMD client ${served.clientId} with ${status}${oauthErrorOf(answer) ?? 'an error'} after ${fetched}; error_description: "${description.slice(0, 200)}". ` +
          `Production servers refuse such a document on purpose (SSRF protection), unless run with the local-development opt-ins: ${reasons.join('; ')}.`,
      ]);
      return;
    }
    findings.push([
      'cimd-authorize-failed',
      `/authorize with the doctor's CIMD client (${served.clientId}, a listed redirect_uri, S256 PKCE) answered ${detail}, after ${fetched}.`,
    ]);
  } finally {
    await served.close();
  }
}

import { FRAMEWORK_NAMES, type Framework } from './framework';
import { CIMD_ON_SHARED_STORE, type FrameworkFixes, SHARED_SIGNING_KEY, SHARED_STORE_AND_KEY } from './framework-fixes';

/** How bad a finding is. `error` and `warn` make `oauth-store doctor` exit non-zero; `info` does not. */
export type Severity = 'error' | 'warn' | 'info';

/** A fix for one framework. */
export interface FrameworkFix {
  /** Framework id. */
  framework: Framework;
  /** Its human name. */
  name: string;
  fix: string;
}

/** One problem the doctor found: what it saw, the likely cause, how to confirm it, and how to fix it. */
export interface Finding {
  /** Stable id, for scripts and for the troubleshooting guide's headings. */
  id: FindingId;
  severity: Severity;
  /** What was observed. */
  summary: string;
  /** The likely cause (every cause that looks the same from outside). */
  cause: string;
  /** How to confirm the cause (logs, settings or a command to look at). */
  confirm: string;
  /** What to do, whatever the framework. */
  fix: string;
  /** The same fix in each framework's own settings; the detected framework first. */
  frameworkFixes: FrameworkFix[];
  /** The framework the server looks built on, when the doctor could tell. */
  framework?: Framework;
}

/** Every finding the doctor can report. docs/troubleshooting-client-not-registered.md has a section for each. */
export type FindingId =
  | 'server-unreachable'
  | 'protected-resource-metadata-missing'
  | 'authorization-server-metadata-missing'
  | 'endpoint-not-advertised'
  | 'endpoint-unreachable'
  | 'registration-not-advertised'
  | 'registration-dcr-only'
  | 'cimd-loopback-document-refused'
  | 'cimd-document-not-fetched'
  | 'cimd-document-fetched-repeatedly'
  | 'cimd-authorize-failed'
  | 'pkce-s256-not-advertised'
  | 'registration-rejected'
  | 'client-not-registered-intermittent'
  | 'client-not-registered-consistent'
  | 'attempts-too-few'
  | 'redirect-uri-rejected'
  | 'advertised-scope-rejected'
  | 'authorize-failed'
  | 'token-auth-method-mismatch'
  | 'token-client-rejected'
  | 'token-client-not-authenticated'
  | 'token-unknown-code-server-error'
  | 'login-failed'
  | 'login-intermittent'
  | 'login-token-rejected'
  | 'login-token-rejected-intermittent'
  | 'login-refresh-failed'
  | 'login-no-refresh-token';

type Explanation = Pick<Finding, 'severity' | 'cause' | 'confirm' | 'fix'> & { fixes?: FrameworkFixes };

const RUN_LOGIN = 'Run `oauth-store doctor <url> --login` (or `--login-auto` against a test upstream)';

/** Causes, confirmations and fixes, one per finding id. */
export const EXPLANATIONS: Record<FindingId, Explanation> = {
  'server-unreachable': {
    severity: 'error',
    cause:
      'No HTTP answer came from that URL: refused (wrong host or port, server down) or none within the timeout (a hung server, a firewall, or a port that is not HTTP).',
    confirm: 'Open the URL with `curl -i -X POST <url>`: a connection error or timeout confirms it.',
    fix: 'Check the URL is the MCP endpoint itself (for example https://host/mcp) and that the server is running.',
  },
  'protected-resource-metadata-missing': {
    severity: 'error',
    cause:
      'The server does not serve RFC 9728 protected resource metadata, so MCP clients following the current spec cannot find its authorization server.',
    confirm: '`curl -i https://host/.well-known/oauth-protected-resource/mcp` (and without `/mcp`) answers 404.',
    fix: 'Serve /.well-known/oauth-protected-resource (plus the /<path> variant) listing authorization_servers, and return 401 with WWW-Authenticate: Bearer resource_metadata="..." from the MCP endpoint.',
    fixes: {
      'mcp-sdk':
        'Mount `mcpAuthRouter` (or `mcpAuthMetadataRouter`) with `resourceServerUrl`, and `requireBearerAuth({ resourceMetadataUrl })` on the MCP route.',
      fastmcp:
        'Give `new FastMCP({ oauth: { enabled: true, protectedResource: { resource, authorizationServers } } })` and an `authenticate` that throws a 401.',
    },
  },
  'authorization-server-metadata-missing': {
    severity: 'error',
    cause: 'No RFC 8414 (or OpenID) metadata at the authorization server, so clients cannot find its endpoints.',
    confirm: '`curl -i <issuer>/.well-known/oauth-authorization-server` answers 404 or no JSON.',
    fix: 'Serve /.well-known/oauth-authorization-server at the issuer with authorization_endpoint, token_endpoint and registration_endpoint.',
  },
  'endpoint-not-advertised': {
    severity: 'error',
    cause: 'The authorization server metadata lacks an endpoint every MCP login needs.',
    confirm: 'Read the metadata document: authorization_endpoint or token_endpoint is missing.',
    fix: 'Add authorization_endpoint and token_endpoint to the metadata.',
  },
  'endpoint-unreachable': {
    severity: 'error',
    cause:
      'An advertised endpoint does not answer (404 or no connection): the metadata points at the wrong host, path or port (often the internal address behind a proxy).',
    confirm: 'Compare the advertised URLs with the public address; `curl -i` each one.',
    fix: 'Make the metadata advertise the public URL of each endpoint (set the issuer/base URL to what clients see).',
    fixes: {
      'mcp-sdk': 'Set `issuerUrl` (and `baseUrl`) of `mcpAuthRouter` to the public URL.',
      fastmcp: 'Set `baseUrl` of `new OAuthProxy(...)` to the public URL.',
      'oidc-provider':
        'Construct the Provider with the public issuer and set `proxy = true` behind a TLS-terminating proxy.',
    },
  },
  'registration-not-advertised': {
    severity: 'warn',
    cause:
      'No registration_endpoint and no client_id_metadata_document_supported: MCP clients can neither register themselves (RFC 7591) nor use a client ID metadata document, so only pre-registered clients can log in.',
    confirm: 'The metadata document has no registration_endpoint and no `client_id_metadata_document_supported: true`.',
    fix: 'Accept client ID metadata documents (the registration the MCP spec recommends since 2025-11-25) and advertise them; keep or add dynamic client registration for older clients (an OAuth proxy in front of an IdP without DCR, such as GitHub, can offer it).',
    fixes: { ...CIMD_ON_SHARED_STORE, 'oidc-provider': 'Enable `features.registration`.' },
  },
  'registration-dcr-only': {
    severity: 'warn',
    cause:
      'The server offers dynamic client registration (RFC 7591) but not client ID metadata documents (CIMD). The MCP authorization spec of 2026-07-28 deprecates DCR in favour of CIMD (DCR stays for backward compatibility): clients that only use CIMD, sending an https URL as client_id, cannot log in, and every DCR client leaves a registration behind in the store.',
    confirm:
      '`curl <issuer>/.well-known/oauth-authorization-server` has a registration_endpoint and no `"client_id_metadata_document_supported": true`; /authorize with an https URL as client_id answers invalid_client.',
    fix: 'Resolve CIMD client ids (fetch, validate and cache the document, with SSRF protection, once per fleet in the shared store) and advertise `client_id_metadata_document_supported: true`; keep DCR for older clients.',
    fixes: CIMD_ON_SHARED_STORE,
  },
  'cimd-loopback-document-refused': {
    severity: 'info',
    cause:
      "The server advertises CIMD and refused the doctor's client, whose metadata document is served over http on 127.0.0.1. Production servers refuse that on purpose: documents must be https (allowHttp opt-in), and the SSRF protection refuses loopback, private, link-local and metadata addresses after DNS resolution (allowPrivateAddresses opt-in). If the server does run with both opt-ins, it advertises CIMD without resolving URL client ids, or (a server in a container published on a loopback port) it cannot reach this machine's 127.0.0.1: the error_description then says the host is unreachable.",
    confirm:
      'The summary quotes the error_description. A server that ignores URL client ids answers as for an unknown client (the MCP SDK: "Invalid client_id") and never requests the document; check whether the resolver is configured with the local-development opt-ins.',
    fix: 'Nothing to fix in production. To test CIMD on loopback, run a development instance with the opt-ins (`new CimdClientResolver({ store, allowHttp: true, allowPrivateAddresses: true })`, never in production), and make sure the clients store resolves URL client ids.',
    fixes: {
      'mcp-sdk':
        'Development only: `new CimdClientResolver({ store, clients, allowHttp: true, allowPrivateAddresses: true })` passed to `createCimdClientsStore({ resolver, clients })`.',
      fastmcp:
        'Development only: `createTokenStorage(store, { cimd: new CimdClientResolver({ store, allowHttp: true, allowPrivateAddresses: true }) })`, with `enableCimd: false` on OAuthProxy.',
    },
  },
  'cimd-document-not-fetched': {
    severity: 'error',
    cause:
      '/authorize accepted an https/http URL as client_id without requesting the metadata document at that URL: the server does not check that the document names the client_id and lists the redirect_uri, so anyone can impersonate any CIMD client (or it treats unknown client ids as valid).',
    confirm: 'The doctor served the document on a fresh URL and counted 0 requests to it before /authorize answered.',
    fix: 'Fetch and validate the document before accepting a URL client_id (client_id equal to the URL byte for byte, redirect_uri listed in redirect_uris, no shared-secret auth).',
    fixes: CIMD_ON_SHARED_STORE,
  },
  'cimd-document-fetched-repeatedly': {
    severity: 'warn',
    cause:
      'One authorization request made the server request the metadata document more than once: documents are fetched per step or per instance instead of once and cached (honouring Cache-Control) in a store every instance shares. Every login then depends on the client host being up, on every instance.',
    confirm:
      "Watch the client host's access log during one login, or run `oauth-store demo` (it counts document fetches per fleet).",
    fix: 'Cache documents in the shared store, with one fetch per document per fleet (a short lock in the store), as @oauth-store/cimd does.',
    fixes: CIMD_ON_SHARED_STORE,
  },
  'cimd-authorize-failed': {
    severity: 'error',
    cause:
      'The server advertises CIMD, but /authorize with a valid CIMD client (its document served on loopback, a redirect_uri the document lists, S256 PKCE) failed for a reason that is not the client: a refused redirect URI, a server error, or a provider that cannot handle URL client ids.',
    confirm: 'The summary shows what /authorize answered; the server log has the reason.',
    fix: "Accept the redirect URIs the document lists (loopback URIs on any port, RFC 8252) and make the provider's authorize() work with clients that come from documents.",
    fixes: CIMD_ON_SHARED_STORE,
  },
  'pkce-s256-not-advertised': {
    severity: 'warn',
    cause:
      'code_challenge_methods_supported does not list S256; MCP clients refuse servers that do not advertise PKCE.',
    confirm: 'The metadata document lacks "S256" in code_challenge_methods_supported.',
    fix: 'Support PKCE with S256 and list it in code_challenge_methods_supported.',
  },
  'registration-rejected': {
    severity: 'error',
    cause:
      'The registration endpoint refused an ordinary MCP client registration (loopback redirect URI, authorization_code). An answer of invalid_redirect_uri means a redirect URI allowlist that leaves out loopback URIs.',
    confirm: 'The summary shows what the endpoint answered; the server log has the reason.',
    fix: 'Accept RFC 7591 registrations with loopback redirect URIs (RFC 8252: any port) and the advertised auth methods.',
    fixes: {
      fastmcp:
        'If you set `allowedRedirectUriPatterns` on OAuthProxy, include `http://127.0.0.1:*` and `http://localhost:*`.',
    },
  },
  'client-not-registered-intermittent': {
    severity: 'error',
    cause:
      'The instances behind the load balancer do not see the same clients. Two causes look the same from outside: (1) per-instance storage: each instance keeps registered clients (and transactions, codes, tokens) in its own memory; (2) a shared store whose values each instance encrypts with its own key (a key generated at start-up), so what one instance wrote cannot be read by the others. A request that reaches the instance that registered the client works; the others answer "invalid client" / "Client Not Registered".',
    confirm:
      'Look at the storage settings: an in-memory default means cause 1. If the instances do share a store, look for decryption errors in the logs of the instance that refused (fastmcp logs "Failed to decrypt value") and check whether the encryption key comes from configuration or is generated: that is cause 2. `oauth-store demo` shows both behaviours.',
    fix: 'Both halves: give every instance ONE shared store (Redis, PostgreSQL, DynamoDB, Firestore, Cloud Storage; see @oauth-store/*) AND ONE stable encryption key (and signing key) that every instance loads from configuration. Sticky sessions do not fix it: callbacks, token and MCP requests still reach other instances.',
    fixes: SHARED_STORE_AND_KEY,
  },
  'client-not-registered-consistent': {
    severity: 'error',
    cause:
      'Registration succeeds but /authorize never knows the client: registrations are not stored where /authorize reads them (a store that drops writes, a different store or key prefix per endpoint), or /authorize only accepts pre-registered clients. With fewer authorization requests than instances, per-instance storage can look like this too (see attempts-too-few).',
    confirm:
      'Register a client and look it up in the store (`oauth-store inspect` for @oauth-store stores); rerun the doctor with `--attempts 30` to rule out a load balancer.',
    fix: 'Make registerClient and getClient use the same persistent store (the same collection and prefix), and let /authorize accept dynamically registered clients.',
    fixes: SHARED_STORE_AND_KEY,
  },
  'attempts-too-few': {
    severity: 'warn',
    cause:
      'Too few authorization requests to tell per-instance storage from a healthy or a consistently broken server: behind a load balancer every request may reach another instance, and a fleet of more instances than requests can hide either way.',
    confirm:
      'Rerun with the default (30 requests, which recognises a 2 to 6 instance fleet even behind a random balancer).',
    fix: 'Run the doctor with `--attempts 30` or more (at least 5 times the number of instances).',
  },
  'redirect-uri-rejected': {
    severity: 'error',
    cause:
      'The server checks redirect_uri against a fixed allowlist instead of the redirect URIs the client registered (the refusal names the redirect URI or an allowlist), so every dynamically registered client, with its loopback redirect, is refused.',
    confirm: "The summary quotes the refusal; the allowlist is in the server's authorize() or its configuration.",
    fix: "Validate redirect_uri against the registered client's redirect_uris (loopback URIs on any port, RFC 8252), not against a static list.",
    fixes: {
      'mcp-sdk':
        'mcpAuthRouter already checks the registered redirect_uris before calling your provider: remove the extra allowlist from `authorize()`, or add loopback URIs to it.',
      fastmcp: 'Add `http://127.0.0.1:*` and `http://localhost:*` to `allowedRedirectUriPatterns`.',
    },
  },
  'advertised-scope-rejected': {
    severity: 'warn',
    cause: 'The server advertises scopes (scopes_supported) that /authorize then rejects as invalid_scope.',
    confirm: 'Compare scopes_supported in both metadata documents with what /authorize accepts.',
    fix: 'Advertise only scopes the authorization endpoint accepts, or accept those it advertises.',
  },
  'authorize-failed': {
    severity: 'error',
    cause:
      'The authorization endpoint answered with an error that is not about the client, its redirect URI or its scopes.',
    confirm: 'Check the server logs for the request; the summary shows what it answered.',
    fix: 'Fix what the server log names; a 429 means a rate limit (the MCP SDK limits /authorize to 100 requests per 15 minutes by default).',
  },
  'token-auth-method-mismatch': {
    severity: 'error',
    cause:
      'The token endpoint does not accept the client authentication method the metadata advertises (and the client registered with), so every code exchange fails with invalid_client.',
    confirm: "The summary names the method that works; the server's client authentication code reads the other.",
    fix: 'Make token_endpoint_auth_methods_supported list exactly what the token endpoint accepts, or accept what it lists (client_secret_post sends the secret in the body, client_secret_basic in an Authorization: Basic header).',
  },
  'token-client-rejected': {
    severity: 'error',
    cause:
      'The token endpoint answers invalid_client to the client the server itself just registered, with every authentication method tried: it does not read clients from the store registration writes to.',
    confirm: 'Look the client id up in the store the token endpoint reads.',
    fix: 'Make the token endpoint authenticate clients against the same client store registration writes to.',
    fixes: SHARED_STORE_AND_KEY,
  },
  'token-client-not-authenticated': {
    severity: 'error',
    cause:
      'The token endpoint does not authenticate confidential clients: with a wrong client secret it answers exactly as with the right one (invalid_grant for an unknown code), so anyone holding a code or refresh token can redeem it without the secret the server issued. (A server that checks the code before the client answers the same way; `--login` tells them apart.)',
    confirm:
      'POST grant_type=refresh_token with a valid refresh token and a wrong client_secret: a 200 confirms it (doctor --login does this).',
    fix: 'Authenticate the client (RFC 6749 section 3.2.1) before looking at the grant: check client_secret for every client registered with client_secret_post or client_secret_basic.',
    fixes: {
      fastmcp:
        'fastmcp 4.x OAuthProxy reads client_id at /oauth/token but never client_secret. Until it does, rely on PKCE, keep refresh tokens short-lived (`refreshTokenTtl`), or authenticate clients in front of /oauth/token (a middleware that checks client_secret against the registered client).',
      'mcp-sdk':
        "Keep the SDK's `authenticateClient` middleware (tokenHandler uses it) and store client_secret with each client.",
    },
  },
  'token-unknown-code-server-error': {
    severity: 'info',
    cause:
      'The token endpoint answers a server error (HTTP 5xx / server_error) to an unknown authorization code, where RFC 6749 says invalid_grant. The client itself was authenticated (a wrong secret gets invalid_client), so logins work; clients just see a server error for expired or replayed codes.',
    confirm: 'The server log shows an exception thrown for an unknown code.',
    fix: 'Answer invalid_grant for an unknown, expired or used code.',
    fixes: {
      'mcp-sdk':
        "In `challengeForAuthorizationCode` and `exchangeAuthorizationCode`, throw `InvalidGrantError` (from @modelcontextprotocol/sdk/server/auth/errors.js), not a plain `Error` (the SDK example's DemoInMemoryAuthProvider throws `Error('Invalid authorization code')`).",
    },
  },
  'login-failed': {
    severity: 'error',
    cause:
      'A real authorization-code + PKCE login through the server did not complete; the summary names the step (authorize, consent, upstream login, callback, token) and what the server answered there.',
    confirm: 'Check the server log at that step; rerun with `--login` and watch the browser.',
    fix: 'Fix the step the summary names; see the troubleshooting guide section of the finding that step usually comes with.',
  },
  'login-intermittent': {
    severity: 'error',
    cause:
      'Some logins completed and others failed at a step (consent, upstream callback, token): the steps of one login reached different instances, and one of them did not know the transaction, the consent or the code. Per-instance storage, or a shared store with a per-instance encryption or consent-signing key.',
    confirm: "The failing step's instance logs an unknown or expired transaction/state, or a decryption failure.",
    fix: 'One shared store AND the same encryption and signing keys on every instance.',
    fixes: SHARED_STORE_AND_KEY,
  },
  'login-token-rejected': {
    severity: 'error',
    cause:
      'The login completed but the MCP endpoint rejected the access token it issued on every call: the resource server does not verify tokens from its own authorization server (wrong issuer, audience/resource or key).',
    confirm: "The MCP endpoint's WWW-Authenticate error_description usually names the reason.",
    fix: 'Make the MCP endpoint verify tokens the way the authorization server issues them (same issuer, audience, signing key or token store).',
    fixes: SHARED_SIGNING_KEY,
  },
  'login-token-rejected-intermittent': {
    severity: 'error',
    cause:
      'A token issued by one instance is rejected (401) by another: each instance signs tokens with its own key (a signing key generated at start-up), or keeps issued tokens in its own memory. Every login "works" until the next request reaches another instance.',
    confirm:
      'Call the MCP endpoint of each instance directly with the same token: one accepts it, the others answer 401. Check whether the signing key (fastmcp `jwtSigningKey`, FastMCP Python `jwt_signing_key`, oidc-provider `jwks`) comes from configuration.',
    fix: 'Give every instance the same signing key from configuration, and keep issued tokens in one shared store.',
    fixes: SHARED_SIGNING_KEY,
  },
  'login-refresh-failed': {
    severity: 'error',
    cause:
      'The refresh token the server issued was refused: the refresh reached an instance that cannot verify or find it (per-instance signing key or token storage), or refresh is broken.',
    confirm: `The summary shows the answer; ${RUN_LOGIN} again: a refresh failing only sometimes means instances.`,
    fix: 'Share the signing key and the token store across instances; make refresh tokens redeemable exactly once anywhere.',
    fixes: SHARED_SIGNING_KEY,
  },
  'login-no-refresh-token': {
    severity: 'info',
    cause: 'The token endpoint issued no refresh token, so the refresh step was skipped.',
    confirm:
      'The token response has no refresh_token (the client registered grant_types authorization_code and refresh_token).',
    fix: 'Issue refresh tokens (offline_access upstream, refresh_token grant) if clients should stay logged in.',
  },
};

/** Builds a finding from its id and what was observed; `framework` puts that framework's fix first. */
export function finding(id: FindingId, summary: string, framework?: Framework): Finding {
  const { fixes = {}, ...explanation } = EXPLANATIONS[id];
  const frameworkFixes = (Object.entries(fixes) as [Framework, string][])
    .map(([key, fix]) => ({ framework: key, name: FRAMEWORK_NAMES[key], fix }))
    .sort((a, b) => Number(b.framework === framework) - Number(a.framework === framework));
  return { id, summary, ...explanation, frameworkFixes, ...(framework ? { framework } : {}) };
}

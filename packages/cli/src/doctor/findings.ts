/** How bad a finding is. `error` and `warn` make `oauth-store doctor` exit non-zero. */
export type Severity = 'error' | 'warn' | 'info';

/** One problem the doctor found, with what probably causes it and how to fix it, in plain words. */
export interface Finding {
  /** Stable id, for scripts and for the troubleshooting guide's headings. */
  id: FindingId;
  severity: Severity;
  /** What was observed. */
  summary: string;
  /** The likely cause. */
  cause: string;
  /** What to do. */
  fix: string;
}

/** Every finding the doctor can report. docs/troubleshooting-client-not-registered.md has a section for each. */
export type FindingId =
  | 'server-unreachable'
  | 'protected-resource-metadata-missing'
  | 'authorization-server-metadata-missing'
  | 'endpoint-not-advertised'
  | 'endpoint-unreachable'
  | 'registration-not-advertised'
  | 'pkce-s256-not-advertised'
  | 'registration-rejected'
  | 'client-not-registered-intermittent'
  | 'client-not-registered-consistent'
  | 'redirect-uri-rejected'
  | 'advertised-scope-rejected'
  | 'authorize-failed'
  | 'token-auth-method-mismatch'
  | 'token-client-rejected';

type Explanation = Pick<Finding, 'severity' | 'cause' | 'fix'>;

/** Causes and fixes, one per finding id. */
export const EXPLANATIONS: Record<FindingId, Explanation> = {
  'server-unreachable': {
    severity: 'error',
    cause: 'Nothing answered at that URL (wrong host or port, server down, or a firewall).',
    fix: 'Check the URL is the MCP endpoint itself (for example https://host/mcp) and that the server is running.',
  },
  'protected-resource-metadata-missing': {
    severity: 'error',
    cause:
      'The server does not serve RFC 9728 protected resource metadata, so MCP clients following the current spec cannot find its authorization server.',
    fix: 'Serve /.well-known/oauth-protected-resource (plus the /<path> variant) listing authorization_servers; the MCP SDK\'s mcpAuthRouter or mcpAuthMetadataRouter does it, and return 401 with WWW-Authenticate: Bearer resource_metadata="..." from the MCP endpoint.',
  },
  'authorization-server-metadata-missing': {
    severity: 'error',
    cause: 'No RFC 8414 (or OpenID) metadata at the authorization server, so clients cannot find its endpoints.',
    fix: 'Serve /.well-known/oauth-authorization-server at the issuer with authorization_endpoint, token_endpoint and registration_endpoint.',
  },
  'endpoint-not-advertised': {
    severity: 'error',
    cause: 'The authorization server metadata lacks an endpoint every MCP login needs.',
    fix: 'Add authorization_endpoint and token_endpoint to the metadata.',
  },
  'endpoint-unreachable': {
    severity: 'error',
    cause:
      'An advertised endpoint does not answer (404 or no connection): the metadata points at the wrong host, path or port (often the internal address behind a proxy).',
    fix: 'Make the metadata advertise the public URL of each endpoint (set the issuer/base URL to what clients see).',
  },
  'registration-not-advertised': {
    severity: 'warn',
    cause:
      'No registration_endpoint: MCP clients cannot register themselves (RFC 7591), so only pre-registered clients or client ID metadata documents can log in.',
    fix: 'Enable dynamic client registration (an OAuth proxy in front of an IdP without DCR, such as GitHub, can offer it), or document how clients get credentials.',
  },
  'pkce-s256-not-advertised': {
    severity: 'warn',
    cause:
      'code_challenge_methods_supported does not list S256; MCP clients refuse servers that do not advertise PKCE.',
    fix: 'Support PKCE with S256 and list it in code_challenge_methods_supported.',
  },
  'registration-rejected': {
    severity: 'error',
    cause:
      'The registration endpoint refused an ordinary MCP client registration (loopback redirect URI, authorization_code).',
    fix: 'Accept RFC 7591 registrations with loopback redirect URIs (RFC 8252: any port) and the advertised auth methods.',
  },
  'client-not-registered-intermittent': {
    severity: 'error',
    cause:
      'Per-instance storage. Several instances run behind a load balancer and each keeps registered clients (and transactions, codes, tokens) in its own memory: a request that reaches the instance that registered the client works, the others answer "invalid client" / "Client Not Registered".',
    fix: 'Give every instance one shared store (Redis, PostgreSQL, DynamoDB, Firestore, Cloud Storage; see @oauth-store/*). Sticky sessions do not fix it: callbacks, token and MCP requests still reach other instances. Run `oauth-store demo` to see both behaviours.',
  },
  'client-not-registered-consistent': {
    severity: 'error',
    cause:
      'Registration succeeds but /authorize never knows the client: registrations are not stored where /authorize reads them (a store that drops writes, a different store or key prefix per endpoint), or /authorize only accepts pre-registered clients.',
    fix: 'Make registerClient and getClient use the same persistent store (the same collection and prefix), and let /authorize accept dynamically registered clients.',
  },
  'redirect-uri-rejected': {
    severity: 'error',
    cause:
      'The server checks redirect_uri against a fixed allowlist instead of the redirect URIs the client registered, so every dynamically registered client is refused.',
    fix: "Validate redirect_uri against the registered client's redirect_uris (loopback URIs on any port, RFC 8252), not against a static list.",
  },
  'advertised-scope-rejected': {
    severity: 'warn',
    cause: 'The server advertises scopes (scopes_supported) that /authorize then rejects as invalid_scope.',
    fix: 'Advertise only scopes the authorization endpoint accepts, or accept those it advertises.',
  },
  'authorize-failed': {
    severity: 'error',
    cause: 'The authorization endpoint answered with an error that is not about the client or its redirect URI.',
    fix: 'Check the server logs for the request; the summary shows what it answered.',
  },
  'token-auth-method-mismatch': {
    severity: 'error',
    cause:
      'The token endpoint does not accept the client authentication method the metadata advertises (and the client registered with), so every code exchange fails with invalid_client.',
    fix: 'Make token_endpoint_auth_methods_supported list exactly what the token endpoint accepts, or accept what it lists (client_secret_post sends the secret in the body, client_secret_basic in an Authorization: Basic header).',
  },
  'token-client-rejected': {
    severity: 'error',
    cause:
      'The token endpoint rejects the client the server itself just registered, with every authentication method tried.',
    fix: 'Make the token endpoint authenticate clients against the same client store registration writes to.',
  },
};

/** Builds a finding from its id and what was observed. */
export function finding(id: FindingId, summary: string): Finding {
  return { id, summary, ...EXPLANATIONS[id] };
}

import type { Json } from './http';

/** Server frameworks whose settings the doctor can name in a fix. */
export type Framework = 'mcp-sdk' | 'fastmcp' | 'fastmcp-python' | 'oidc-provider' | 'better-auth';

/** How each framework is called in a report. */
export const FRAMEWORK_NAMES: Record<Framework, string> = {
  'mcp-sdk': 'MCP TypeScript SDK (mcpAuthRouter)',
  fastmcp: 'fastmcp (TypeScript, OAuthProxy)',
  'fastmcp-python': 'FastMCP Python / MCP Python SDK',
  'oidc-provider': 'oidc-provider',
  'better-auth': 'better-auth (mcp plugin)',
};

/** What the doctor has seen of a server, to tell its framework. */
export interface Fingerprint {
  /** RFC 8414 metadata. */
  metadata: Json;
  /** `error_description` answered to a client id the server does not know, when one was seen. */
  unknownClientDescription?: string;
}

const pathOf = (value: unknown): string => {
  try {
    return typeof value === 'string' ? new URL(value).pathname : '';
  } catch {
    return '';
  }
};

/**
 * The framework a server is most likely built on, from the paths its metadata advertises and the words it uses for
 * an unknown client; `undefined` when nothing is distinctive. A guess that only picks which fix to show first: every
 * finding still carries the fixes for all frameworks.
 */
export function detectFramework({ metadata, unknownClientDescription = '' }: Fingerprint): Framework | undefined {
  const authorize = pathOf(metadata.authorization_endpoint);
  const register = pathOf(metadata.registration_endpoint);
  if (/\/mcp\/authorize$/.test(authorize) && /\/api\/auth\//.test(authorize)) return 'better-auth';
  if (authorize.endsWith('/oauth/authorize') && register.endsWith('/oauth/register')) return 'fastmcp';
  if (/^Client ID '.*' not found$/.test(unknownClientDescription)) return 'fastmcp-python';
  if (
    unknownClientDescription === 'client is invalid' ||
    (typeof metadata.claims_parameter_supported === 'boolean' && authorize.endsWith('/auth'))
  ) {
    return 'oidc-provider';
  }
  const sdkAuthMethods =
    JSON.stringify(metadata.token_endpoint_auth_methods_supported) === '["client_secret_post","none"]';
  if (authorize.endsWith('/authorize') && (unknownClientDescription === 'Invalid client_id' || sdkAuthMethods)) {
    return 'mcp-sdk';
  }
  return undefined;
}

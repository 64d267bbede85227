import type { AuthMethod, RegisteredClient } from './client-auth-probe';
import { type Answer, request } from './http';

/** A client the doctor registered, with the method the token endpoint expects from it. */
export interface Registration {
  client: RegisteredClient;
  method: string;
}

/**
 * Registers a client the way an MCP client does (RFC 7591): one redirect URI, authorization_code and refresh_token,
 * the chosen auth method and the advertised scopes. Returns the registration, or the answer that refused it.
 */
export async function registerClient(
  registrationEndpoint: string,
  settings: { redirectUri: string; authMethod: AuthMethod | string; scope: string | undefined; timeoutMs: number },
): Promise<{ registration?: Registration; answer: Answer | undefined }> {
  const answer = await request(
    registrationEndpoint,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({
        client_name: 'oauth-store doctor',
        redirect_uris: [settings.redirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: settings.authMethod,
        ...(settings.scope ? { scope: settings.scope } : {}),
      }),
    },
    settings.timeoutMs,
  );
  const body = answer?.json;
  if (!answer || answer.status >= 300 || typeof body?.client_id !== 'string') return { answer };
  return {
    answer,
    registration: {
      client: {
        client_id: body.client_id,
        ...(typeof body.client_secret === 'string' ? { client_secret: body.client_secret } : {}),
      },
      method:
        typeof body.token_endpoint_auth_method === 'string' ? body.token_endpoint_auth_method : settings.authMethod,
    },
  };
}

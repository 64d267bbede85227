import { type Answer, describeAnswer, oauthErrorOf } from './http';

/** How one authorization request was answered. */
export type AuthorizeOutcome = 'accepted' | 'client-rejected' | 'redirect-rejected' | 'scope-rejected' | 'other';

/** Words of a refusal about the redirect URI: "redirect_uri not in allowlist", "Unregistered redirect_uri", ... */
const ABOUT_REDIRECT = /redirect|callback|allow ?list|whitelist/i;
/** Words of a refusal about the client: "Unknown client_id", "Client Not Registered", "client is invalid", ... */
const ABOUT_CLIENT = /client/i;

function classifyError(error: string, description: string): AuthorizeOutcome {
  if (error === 'invalid_scope') return 'scope-rejected';
  if (error === 'invalid_redirect_uri' || ABOUT_REDIRECT.test(description)) return 'redirect-rejected';
  if (error === 'invalid_client' || error === 'unauthorized_client' || ABOUT_CLIENT.test(description)) {
    return 'client-rejected';
  }
  return 'other';
}

/**
 * Reads one answer of the authorization endpoint. A refusal counts whether it is answered directly (400 with a JSON
 * error) or as a redirect back to the client with `error` and `error_description` in the query (what a provider's
 * `authorize()` throwing after the SDK's own checks produces): both the code and the description are read, since
 * servers use `invalid_request` for a refused redirect URI and an unknown client alike.
 */
export function classifyAuthorize(
  answer: Answer | undefined,
  redirectUri: string,
): { outcome: AuthorizeOutcome; detail: string } {
  if (!answer) return { outcome: 'other', detail: 'no answer' };
  const location = answer.headers.get('location');
  if (answer.status >= 300 && answer.status < 400 && location) {
    if (!location.startsWith(redirectUri)) return { outcome: 'accepted', detail: `redirect ${answer.status}` };
    const params = new URL(location).searchParams;
    const error = params.get('error');
    if (!error) return { outcome: 'accepted', detail: 'redirect to the client' };
    const description = params.get('error_description') ?? '';
    return {
      outcome: classifyError(error, description),
      detail: `redirected with error=${error}${description ? ` (${description.slice(0, 150)})` : ''}`,
    };
  }
  if (answer.status === 200) return { outcome: 'accepted', detail: 'login or consent page' };
  const description = typeof answer.json?.error_description === 'string' ? answer.json.error_description : '';
  return { outcome: classifyError(oauthErrorOf(answer) ?? '', description), detail: describeAnswer(answer) };
}

import {
  type AuthMethod,
  type ProbeTally,
  probeTokenEndpoint,
  type RegisteredClient,
  withWrongSecret,
} from './client-auth-probe';
import type { FindingId } from './findings';
import type { Check } from './report';

/** What {@link judgeClientAuthentication} needs to know. */
export interface ClientAuthenticationInput {
  tokenEndpoint: string;
  /** The client the doctor registered, and the method it registered with. */
  client: RegisteredClient;
  method: string;
  /** token_endpoint_auth_methods_supported, for the mismatch summary. */
  advertisedMethods: string[];
  redirectUri: string;
  /** Requests per probe. */
  probes: number;
  timeoutMs: number;
  /** Whether /authorize refused the client at least once (then /token refusing it says nothing new). */
  clientRejectedAtAuthorize: boolean;
}

/** Checks and findings (id and summary) about client authentication at /token. */
export interface ClientAuthenticationVerdict {
  checks: Check[];
  findings: [FindingId, string][];
}

const CHECK = 'token endpoint authenticates the client';

/**
 * Tells how the token endpoint authenticates clients, with token requests for random (never redeemable) codes:
 * with the right secret they must get past client authentication (any error but invalid_client: a 5xx for an
 * unknown code, as the MCP SDK example answers, says nothing about the client), and with a wrong secret or none they
 * must get invalid_client. A right secret refused with the registered method but accepted with the other is an
 * auth-method mismatch.
 */
export async function judgeClientAuthentication(
  input: ClientAuthenticationInput,
): Promise<ClientAuthenticationVerdict> {
  const { tokenEndpoint, client, method, redirectUri, probes, timeoutMs } = input;
  const verdict: ClientAuthenticationVerdict = { checks: [], findings: [] };
  const probe = (as: string, credentials: RegisteredClient, count: number) =>
    probeTokenEndpoint(tokenEndpoint, as, credentials, redirectUri, count, timeoutMs);
  const right = await probe(method, client, probes);
  const confidential = Boolean(client.client_secret) && method !== 'none';
  const wrong = confidential ? await probe(method, withWrongSecret(client), probes) : undefined;
  const none = confidential ? await probe('none', client, 2) : undefined;

  if (right.counts['client-rejected'] === probes && !input.clientRejectedAtAuthorize) {
    verdict.findings.push(await rejectedWithEveryMethod(input, right, probe));
    return verdict;
  }
  if (right.counts['past-client-auth'] + right.counts['server-error'] === 0) {
    if (!input.clientRejectedAtAuthorize) {
      verdict.checks.push({
        name: CHECK,
        ok: false,
        detail: `could not tell: /token answered ${right.examples.inconclusive ?? right.examples['client-rejected']}`,
      });
    }
    return verdict;
  }
  const notChecked = (wrong?.counts['past-client-auth'] ?? 0) + (none?.counts['past-client-auth'] ?? 0);
  const refused = (wrong?.counts['client-rejected'] ?? 0) + (none?.counts['client-rejected'] ?? 0);
  const example = (tally: ProbeTally | undefined) =>
    tally?.examples['past-client-auth'] ?? tally?.examples['client-rejected'] ?? tally?.examples['server-error'];
  if (notChecked > 0) {
    verdict.findings.push([
      'token-client-not-authenticated',
      `With the right client secret /token answered ${right.examples['past-client-auth'] ?? right.examples['server-error']}; with a wrong secret it answered ${example(wrong)}, and with none ${example(none)}: it did not reject the client.`,
    ]);
  } else if (wrong && refused === 0) {
    verdict.checks.push({
      name: CHECK,
      ok: false,
      detail: `could not tell: a wrong secret got ${wrong.examples['server-error'] ?? wrong.examples.inconclusive}`,
    });
  } else {
    verdict.checks.push({
      name: CHECK,
      ok: true,
      detail: wrong
        ? `${method}: the right secret got past client authentication, a wrong one or none got invalid_client`
        : `${method}: a public client (no secret)`,
    });
  }
  if (right.counts['server-error'] > 0 && right.counts['past-client-auth'] === 0) {
    verdict.findings.push([
      'token-unknown-code-server-error',
      `An unknown authorization code with the right client secret got ${right.examples['server-error']}, where RFC 6749 expects invalid_grant.`,
    ]);
  }
  return verdict;
}

/** The right secret was refused every time: find out whether the other secret method would have been accepted. */
async function rejectedWithEveryMethod(
  input: ClientAuthenticationInput,
  right: ProbeTally,
  probe: (as: string, credentials: RegisteredClient, count: number) => Promise<ProbeTally>,
): Promise<[FindingId, string]> {
  const alternatives = (['client_secret_post', 'client_secret_basic'] as const).filter(
    (other) => other !== input.method && input.client.client_secret,
  );
  let accepting: AuthMethod | undefined;
  for (const other of alternatives) {
    const tried = await probe(other, input.client, 2);
    if (tried.counts['client-rejected'] === 0 && tried.counts.inconclusive < 2) accepting = other;
  }
  return accepting
    ? [
        'token-auth-method-mismatch',
        `The server advertises ${JSON.stringify(input.advertisedMethods)} and registered the client with ${input.method}, but /token answers ${right.examples['client-rejected']} to it and accepts ${accepting} instead.`,
      ]
    : [
        'token-client-rejected',
        `/token answered ${right.examples['client-rejected']} to the client it registered (${input.method}).`,
      ];
}

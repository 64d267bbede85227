// Why a production authorization server refuses the doctor's document, in the words of @oauth-store/cimd's own
// policy (the rules the bridges apply), when that package is installed.

/** The part of @oauth-store/cimd the doctor uses. */
interface CimdPolicy {
  parseClientIdUrl(clientId: string, allowHttp: boolean): URL;
  isRefusedAddress(address: string): boolean;
  validateDocument(document: unknown, clientId: string): unknown;
}

async function loadPolicy(): Promise<CimdPolicy | undefined> {
  try {
    return (await import('@oauth-store/cimd')) as CimdPolicy;
  } catch {
    return undefined; // an optional peer dependency: the explanation then says it without quoting the policy
  }
}

/** Why a server with the production defaults refuses `clientId` (an http:// URL on 127.0.0.1), one reason a line. */
export async function productionRefusals(clientId: string, document: unknown): Promise<string[]> {
  const policy = await loadPolicy();
  const host = new URL(clientId).hostname;
  if (!policy) {
    return [
      'the client_id uses http, and documents must be https without the allowHttp opt-in',
      `${host} is a loopback address, which the SSRF protection refuses without the allowPrivateAddresses opt-in`,
    ];
  }
  // The doctor's own document must pass the rules it reports on; a failure here is a bug in the doctor.
  policy.validateDocument(document, clientId);
  const reasons: string[] = [];
  try {
    policy.parseClientIdUrl(clientId, false);
  } catch (error) {
    // `description` is the policy's own short reason (the message adds advice for the client's author).
    const { description, message } = error as { description?: unknown; message?: unknown };
    const reason = typeof description === 'string' ? description : String(message);
    reasons.push(`${reason.replace(/\.$/, '')} (opt-in: allowHttp)`);
  }
  if (policy.isRefusedAddress(host)) {
    reasons.push(
      `${host} is an address the SSRF protection refuses (loopback, private, link-local, metadata) (opt-in: allowPrivateAddresses)`,
    );
  }
  return reasons;
}

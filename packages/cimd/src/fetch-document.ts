import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isIP } from 'node:net';
import type { SecureContextOptions } from 'node:tls';
import type { AddressPolicy } from './address-policy';
import type { CacheHeaders } from './cache-policy';
import { CimdResolutionError } from './errors';

/** How one document is fetched. */
export interface FetchSettings {
  policy: AddressPolicy;
  timeoutMs: number;
  maxBytes: number;
  maxRedirects: number;
  allowHttp: boolean;
  /** Extra trust for the document host's TLS certificate (a private CA in tests or on an internal network). */
  tls?: Pick<SecureContextOptions, 'ca'>;
  userAgent: string;
  /** Resolves a host name to its addresses; default `dns.lookup(host, { all: true })` (the system resolver). */
  resolveHost?: HostResolver;
}

/** Resolves a host name to every address it has (see `CimdResolverOptions.resolveHost`). */
export type HostResolver = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

/** A fetch outcome: a new document, or "not modified" for a revalidation. */
export type FetchOutcome =
  | { status: 200; body: unknown; etag: string | undefined; headers: CacheHeaders }
  | { status: 304; etag: string | undefined; headers: CacheHeaders };

/** `application/json` or any `+json` media type, parameters ignored. */
function isJsonMediaType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type);
}

function headerText(message: IncomingMessage, name: string): string | undefined {
  const value = message.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * Resolves the host name and checks EVERY address it resolves to against the policy (one refused address refuses
 * the host: a name that answers with both a public and a private address is a rebinding attempt). Returns the address
 * the connection will be pinned to.
 */
async function pinnedAddress(
  url: URL,
  policy: AddressPolicy,
  resolveHost: HostResolver | undefined,
): Promise<{ address: string; family: 4 | 6 }> {
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  let addresses: Array<{ address: string; family: number }>;
  if (isIP(host)) addresses = [{ address: host, family: isIP(host) }];
  else {
    try {
      addresses = resolveHost ? await resolveHost(host) : await dnsLookup(host, { all: true, verbatim: true });
    } catch (error) {
      throw new CimdResolutionError('unreachable', 'the client metadata document host name does not resolve.', {
        cause: { code: (error as { code?: string }).code },
      });
    }
  }
  const first = addresses[0];
  if (!first || addresses.some((entry) => !policy.allows(entry.address))) {
    throw new CimdResolutionError(
      'refused_address',
      'the client metadata document host resolves to a private, loopback, link-local or otherwise non-public address, which this server does not fetch from.',
    );
  }
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/** One HTTP exchange, no redirect following. Resolves with the response head and a bounded body reader. */
async function exchange(
  url: URL,
  settings: FetchSettings,
  etag: string | undefined,
  signal: AbortSignal,
): Promise<{ response: IncomingMessage; body: () => Promise<Buffer> }> {
  const pinned = await pinnedAddress(url, settings.policy, settings.resolveHost);
  // Connect to the checked address only, whatever a second DNS answer would say.
  const lookup: LookupFunction = (_hostname, options, callback) => {
    if ((options as { all?: boolean }).all) {
      (callback as unknown as (e: null, a: Array<{ address: string; family: number }>) => void)(null, [pinned]);
    } else callback(null, pinned.address, pinned.family);
  };
  const requestFn = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = requestFn(
      url,
      {
        method: 'GET',
        lookup,
        agent: false,
        signal,
        headers: {
          accept: 'application/json',
          'user-agent': settings.userAgent,
          ...(etag ? { 'if-none-match': etag } : {}),
        },
        ...(url.protocol === 'https:' && settings.tls?.ca ? { ca: settings.tls.ca } : {}),
      },
      (response) => {
        const body = () =>
          new Promise<Buffer>((resolveBody, rejectBody) => {
            const chunks: Buffer[] = [];
            let total = 0;
            response.on('data', (chunk: Buffer) => {
              total += chunk.byteLength;
              if (total > settings.maxBytes) {
                response.destroy();
                rejectBody(tooLarge(settings.maxBytes));
                return;
              }
              chunks.push(chunk);
            });
            response.once('end', () => resolveBody(Buffer.concat(chunks)));
            response.once('error', (error) => rejectBody(error));
            response.once('close', () => {
              if (!response.complete) rejectBody(new Error('response closed early'));
            });
          });
        resolve({ response, body });
      },
    );
    request.once('error', reject);
    request.end();
  });
}

function tooLarge(maxBytes: number): CimdResolutionError {
  return new CimdResolutionError(
    'too_large',
    `the client metadata document is larger than ${maxBytes} bytes, the most this server accepts.`,
  );
}

/**
 * Fetches a client metadata document: `GET` with `Accept: application/json`, the host's addresses checked and the
 * connection pinned, one deadline for the whole exchange (redirects and body included), the body read up to
 * `maxBytes` and not one byte more, the content type checked. Redirects are refused unless `maxRedirects` > 0; each
 * hop then goes through the same scheme and address checks.
 */
export async function fetchDocument(
  url: URL,
  settings: FetchSettings,
  etag: string | undefined,
): Promise<FetchOutcome> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), settings.timeoutMs);
  try {
    let current = url;
    for (let hop = 0; ; hop++) {
      const { response, body } = await exchange(current, settings, etag, controller.signal);
      const status = response.statusCode ?? 0;
      const headers: CacheHeaders = {
        cacheControl: headerText(response, 'cache-control'),
        expires: headerText(response, 'expires'),
        date: headerText(response, 'date'),
      };
      const responseEtag = headerText(response, 'etag');
      if (status >= 300 && status < 400 && status !== 304) {
        response.resume();
        const location = headerText(response, 'location');
        if (hop >= settings.maxRedirects || !location || !URL.canParse(location, current.href)) {
          throw new CimdResolutionError(
            'redirect',
            settings.maxRedirects === 0
              ? 'the client metadata document URL redirects; it must serve the document itself.'
              : `the client metadata document URL redirects more than ${settings.maxRedirects} times.`,
          );
        }
        const next = new URL(location, current);
        if (next.protocol !== 'https:' && !(settings.allowHttp && next.protocol === 'http:')) {
          throw new CimdResolutionError('redirect', 'the client metadata document URL redirects to a non-https URL.');
        }
        current = next;
        continue;
      }
      if (status === 304 && etag) {
        response.resume();
        return { status: 304, etag: responseEtag ?? etag, headers };
      }
      if (status !== 200) {
        response.resume();
        throw new CimdResolutionError(
          'http_status',
          `the client metadata document host answered HTTP ${status} instead of 200.`,
          { status },
        );
      }
      if (!isJsonMediaType(headerText(response, 'content-type'))) {
        response.resume();
        throw new CimdResolutionError(
          'content_type',
          'the client metadata document is not served as application/json.',
        );
      }
      const declared = Number(headerText(response, 'content-length'));
      if (Number.isFinite(declared) && declared > settings.maxBytes) {
        response.destroy();
        throw tooLarge(settings.maxBytes);
      }
      const bytes = await body();
      let text: string;
      let parsed: unknown;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
        parsed = JSON.parse(text);
      } catch {
        throw new CimdResolutionError('invalid_json', 'the client metadata document is not valid UTF-8 JSON.');
      }
      return { status: 200, body: parsed, etag: responseEtag, headers };
    }
  } catch (error) {
    if (error instanceof CimdResolutionError) throw error;
    if (controller.signal.aborted) {
      throw new CimdResolutionError(
        'timeout',
        `the client metadata document did not arrive within ${settings.timeoutMs} ms.`,
      );
    }
    // Connection refused or reset, TLS failure: keep only the error code (a message may echo addresses).
    throw new CimdResolutionError('unreachable', 'the client metadata document host could not be reached.', {
      cause: { code: (error as { code?: string }).code },
    });
  } finally {
    clearTimeout(timer);
  }
}

import { DEFAULT_OIDC_PREFIX } from './options';

/**
 * Models whose record ids are bearer secrets (the opaque token value is its id; a Session id is the session cookie;
 * an Interaction uid is in the browser's URL) or belong to one (a device flow's user code).
 */
const SECRET_ID_MODELS = [
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'ClientCredentials',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
  'PushedAuthorizationRequest',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Session',
  'Interaction',
];

/**
 * The `hashKeysIn` predicate for `withEnvelopeEncryption` (`@oauth-store/envelope`): true for the collections whose
 * key names are secrets, so the backend sees only an HMAC of each token id, session id and user code. The adapter
 * never lists these collections. Client, Grant and ReplayDetection records, consume claims (keyed by a random
 * revision) and the grant indexes (keyed by a hash, listed on revocation) are left alone.
 *
 * @example
 * withEnvelopeEncryption(store, { keySource, hashKeysIn: oidcSecretKeyCollections(), hashKey })
 */
export function oidcSecretKeyCollections(options: { prefix?: string } = {}): (collection: string) => boolean {
  const prefix = options.prefix ?? DEFAULT_OIDC_PREFIX;
  const names = new Set<string>();
  for (const model of SECRET_ID_MODELS) {
    names.add(`${prefix}${model}`);
    names.add(`${prefix}${model}:uid`);
    names.add(`${prefix}${model}:user-code`);
  }
  return (collection) => names.has(collection);
}

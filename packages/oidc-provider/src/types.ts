/**
 * The oidc-provider adapter interface, declared here so this package needs no type package at run time. It matches
 * `Adapter` and `AdapterFactory` of `@types/oidc-provider` 9.x (checked by this package's type tests).
 */

/**
 * What oidc-provider stores for one model instance: plain JSON. The fields below are the ones this adapter reads;
 * oidc-provider writes many more (the list is not exhaustive), and all of them are stored and returned unchanged.
 */
export interface OidcAdapterPayload {
  /** Session uid, the key of `findByUid` (Session only). */
  uid?: string;
  /** Device-flow user code, the key of `findByUserCode` (DeviceCode). */
  userCode?: string;
  /** The grant a token belongs to, the key of `revokeByGrantId`. */
  grantId?: string;
  /** When the token was consumed (epoch seconds); set by `consume`, read by oidc-provider to detect reuse. */
  consumed?: unknown;
  // oidc-provider's payloads are open-ended JSON: any other field is kept as written.
  // biome-ignore lint/suspicious/noExplicitAny: mirrors @types/oidc-provider's AdapterPayload, whose fields are typed loosely
  [field: string]: any;
}

/** One model's storage, as oidc-provider calls it (see the oidc-provider documentation of `adapter`). */
export interface OidcAdapter {
  /** Creates or replaces the record; `expiresIn` is in seconds and may be absent (no expiry). */
  upsert(id: string, payload: OidcAdapterPayload, expiresIn?: number): Promise<void>;
  /** The record, or undefined when absent, expired or destroyed. A consumed record carries `consumed`. */
  find(id: string): Promise<OidcAdapterPayload | undefined>;
  /** The DeviceCode record whose `userCode` this is. */
  findByUserCode(userCode: string): Promise<OidcAdapterPayload | undefined>;
  /** The Session record whose `uid` this is. */
  findByUid(uid: string): Promise<OidcAdapterPayload | undefined>;
  /** Marks the record consumed (it stays findable, with `consumed` set to the time in epoch seconds). */
  consume(id: string): Promise<void>;
  /** Deletes the record. */
  destroy(id: string): Promise<void>;
  /** Deletes every token that carries this grant id, whatever its model. */
  revokeByGrantId(grantId: string): Promise<void>;
}

/** The value of oidc-provider's `adapter` configuration option: one adapter per model name. */
export type OidcAdapterFactory = (modelName: string) => OidcAdapter;

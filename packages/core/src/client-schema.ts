import {
  anyRule,
  arrayRule,
  numberRule,
  type ObjectSchema,
  objectSchema,
  optional,
  type Rule,
  required,
  type Schema,
  schema,
  stringRule,
} from './schema-rules';

/**
 * The MCP TypeScript SDK's client schemas (`@modelcontextprotocol/sdk/shared/auth.js`, 1.32, on zod 4):
 * `OAuthClientMetadataSchema.merge(OAuthClientInformationSchema)`, written out by hand. Not imported, so core does not
 * pull the SDK (Express, Hono, ajv...) into every install; not built on zod either, which alone was 8.2 MB of every
 * adapter install for this one record shape. The rules accept, reject and output exactly what the SDK's schemas do
 * (URLs trimmed, `''` optional URLs read as absent, non-string `issuer` dropped, unknown fields stripped); a test in
 * `@oauth-store/mcp-sdk` runs both on the same inputs and compares verdicts and outputs strictly.
 */

export type {
  FieldRule,
  ObjectSchema,
  Rule,
  SafeParseResult,
  Schema,
  SchemaError,
  SchemaIssue,
  SchemaPath,
  Shape,
} from './schema-rules';
export { describeIssues } from './schema-rules';

/** Schemes a client URL may never use (script execution in the browser). */
const UNSAFE_PROTOCOLS = new Set(['javascript:', 'data:', 'vbscript:']);

/**
 * A URL that parses and is not javascript:, data: or vbscript: (the SDK's `SafeUrlSchema`: zod's `z.url()`, which
 * trims the input and deletes tabs and newlines from its output, then the scheme check on that output).
 */
const safeUrlRule: Rule<string> = (value, path, issues) => {
  if (typeof value !== 'string') return stringRule(value, path, issues);
  const trimmed = value.trim();
  if (!URL.canParse(trimmed)) {
    issues.push({ path, message: 'expected an absolute URL' });
    return value;
  }
  const url = trimmed.replace(/[\t\n\r]/g, '');
  if (!URL.canParse(url)) {
    issues.push({ path, message: 'URL must be parseable' });
    return value;
  }
  if (UNSAFE_PROTOCOLS.has(new URL(url).protocol)) {
    issues.push({ path, message: 'URL cannot use javascript:, data:, or vbscript: scheme' });
  }
  return url;
};

/** A safe URL where `''` means "none" (the SDK's `SafeUrlSchema.optional().or(z.literal('')...)`). */
const optionalSafeUrlRule: Rule<string | undefined> = (value, path, issues) =>
  value === '' ? undefined : safeUrlRule(value, path, issues);

/** The SDK's `issuer`: `z.string().optional().catch(undefined)`, so anything but a string reads as absent. */
const lenientStringRule: Rule<string | undefined> = (value) => (typeof value === 'string' ? value : undefined);

/** A URL that parses and is not javascript:, data: or vbscript: (as the SDK's `SafeUrlSchema`). */
export const SafeUrlSchema: Schema<string> = schema(safeUrlRule);

/** Client metadata as the MCP SDK types it (`OAuthClientMetadata`, RFC 7591 section 2). */
export interface OAuthClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method?: string | undefined;
  grant_types?: string[] | undefined;
  response_types?: string[] | undefined;
  client_name?: string | undefined;
  client_uri?: string | undefined;
  logo_uri?: string | undefined;
  scope?: string | undefined;
  contacts?: string[] | undefined;
  tos_uri?: string | undefined;
  policy_uri?: string | undefined;
  jwks_uri?: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: the SDK types `jwks` as `any` (a JWK Set it does not validate).
  jwks?: any;
  software_id?: string | undefined;
  software_version?: string | undefined;
  software_statement?: string | undefined;
}

/** Client information as the MCP SDK types it (`OAuthClientInformation`, RFC 7591 section 3.2.1). */
export interface OAuthClientInformation {
  client_id: string;
  client_secret?: string | undefined;
  client_id_issued_at?: number | undefined;
  client_secret_expires_at?: number | undefined;
  issuer?: string | undefined;
}

/** A registered client as the MCP SDK types it (`OAuthClientInformationFull`): metadata plus information. */
export interface OAuthClientInformationFull extends OAuthClientMetadata, OAuthClientInformation {}

const metadataFields: ObjectSchema<OAuthClientMetadata>['shape'] = {
  redirect_uris: required(arrayRule(safeUrlRule)),
  token_endpoint_auth_method: optional(stringRule),
  grant_types: optional(arrayRule(stringRule)),
  response_types: optional(arrayRule(stringRule)),
  client_name: optional(stringRule),
  client_uri: optional(safeUrlRule),
  logo_uri: optional(optionalSafeUrlRule),
  scope: optional(stringRule),
  contacts: optional(arrayRule(stringRule)),
  tos_uri: optional(optionalSafeUrlRule),
  policy_uri: optional(stringRule),
  jwks_uri: optional(safeUrlRule),
  jwks: optional(anyRule),
  software_id: optional(stringRule),
  software_version: optional(stringRule),
  software_statement: optional(stringRule),
};

const informationFields: ObjectSchema<OAuthClientInformation>['shape'] = {
  client_id: required(stringRule),
  client_secret: optional(stringRule),
  client_id_issued_at: optional(numberRule),
  client_secret_expires_at: optional(numberRule),
  issuer: optional(lenientStringRule),
};

/** RFC 7591 client metadata, as the SDK validates it. Unknown fields are stripped. */
export const OAuthClientMetadataSchema: ObjectSchema<OAuthClientMetadata> =
  objectSchema<OAuthClientMetadata>(metadataFields);

/** RFC 7591 client information (id and secret), as the SDK validates it. Unknown fields are stripped. */
export const OAuthClientInformationSchema: ObjectSchema<OAuthClientInformation> =
  objectSchema<OAuthClientInformation>(informationFields);

/** Full registered client: metadata plus information. Equal to the SDK's `OAuthClientInformationFullSchema`. */
export const OAuthClientInformationFullSchema: ObjectSchema<OAuthClientInformationFull> =
  objectSchema<OAuthClientInformationFull>({ ...metadataFields, ...informationFields });

import * as z from 'zod';

/**
 * Zod schemas equal to the MCP TypeScript SDK's (`@modelcontextprotocol/sdk/shared/auth.js`, 1.32):
 * `OAuthClientMetadataSchema.merge(OAuthClientInformationSchema)`. Copied rather than imported so `core` does not pull
 * the SDK (and Express, Hono, ajv...) into every install; a test in `@oauth-store/mcp-sdk` checks the two agree.
 */

/** A URL that parses and is not javascript:, data: or vbscript: (as the SDK's `SafeUrlSchema`). */
export const SafeUrlSchema = z
  .url()
  .superRefine((value, ctx) => {
    if (!URL.canParse(value)) {
      ctx.addIssue({ code: 'custom', message: 'URL must be parseable', fatal: true });
      return z.NEVER;
    }
  })
  .refine(
    (value) => {
      const url = new URL(value);
      return url.protocol !== 'javascript:' && url.protocol !== 'data:' && url.protocol !== 'vbscript:';
    },
    { message: 'URL cannot use javascript:, data:, or vbscript: scheme' },
  );

const OptionalSafeUrlSchema = SafeUrlSchema.optional().or(z.literal('').transform(() => undefined));

/** RFC 7591 client metadata, as the SDK validates it. Unknown fields are stripped. */
export const OAuthClientMetadataSchema = z
  .object({
    redirect_uris: z.array(SafeUrlSchema),
    token_endpoint_auth_method: z.string().optional(),
    grant_types: z.array(z.string()).optional(),
    response_types: z.array(z.string()).optional(),
    client_name: z.string().optional(),
    client_uri: SafeUrlSchema.optional(),
    logo_uri: OptionalSafeUrlSchema,
    scope: z.string().optional(),
    contacts: z.array(z.string()).optional(),
    tos_uri: OptionalSafeUrlSchema,
    policy_uri: z.string().optional(),
    jwks_uri: SafeUrlSchema.optional(),
    jwks: z.any().optional(),
    software_id: z.string().optional(),
    software_version: z.string().optional(),
    software_statement: z.string().optional(),
  })
  .strip();

/** RFC 7591 client information (id and secret), as the SDK validates it. */
export const OAuthClientInformationSchema = z
  .object({
    client_id: z.string(),
    client_secret: z.string().optional(),
    client_id_issued_at: z.number().optional(),
    client_secret_expires_at: z.number().optional(),
    issuer: z.string().optional().catch(undefined),
  })
  .strip();

/** Full registered client: metadata plus information. Equal to the SDK's `OAuthClientInformationFullSchema`. */
export const OAuthClientInformationFullSchema = OAuthClientMetadataSchema.merge(OAuthClientInformationSchema);

/** A registered client as the MCP SDK types it (`OAuthClientInformationFull`). */
export type OAuthClientInformationFull = z.infer<typeof OAuthClientInformationFullSchema>;
/** Client metadata as the MCP SDK types it (`OAuthClientMetadata`). */
export type OAuthClientMetadata = z.infer<typeof OAuthClientMetadataSchema>;

/** Field paths and messages of a failed parse, without the offending values (they may hold secrets). */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}

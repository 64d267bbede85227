import { createHash } from 'node:crypto';
import { ConfigurationError } from '@oauth-store/core';

/**
 * The key one client session (a user on one MCP server) is stored under: base64url SHA-256 of the user id and the
 * normalized server URL. Hashed so the backend never sees user ids or server URLs in key names, and so the key has a
 * fixed length (43 characters) whatever their length.
 */
export function sessionKey(userId: string, serverUrl: string | URL): string {
  if (typeof userId !== 'string' || userId.length === 0) {
    throw new ConfigurationError('`userId` must be a non-empty string naming whose login this is.', {
      source: 'mcp-sdk',
    });
  }
  let normalized: string;
  try {
    normalized = new URL(serverUrl).href;
  } catch {
    throw new ConfigurationError(
      '`serverUrl` must be the absolute URL of the MCP server (for example https://host/mcp).',
      {
        source: 'mcp-sdk',
      },
    );
  }
  return createHash('sha256').update(`${userId}\u0000${normalized}`).digest('base64url');
}

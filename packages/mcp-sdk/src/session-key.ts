import { createHash, createHmac } from 'node:crypto';
import { ConfigurationError } from '@oauth-store/core';

/**
 * The key one client session (a user on one MCP server) is stored under: base64url HMAC-SHA256 (with `hashKey`) or
 * SHA-256 (without) of the user id and the normalized server URL, 43 characters whatever their length.
 *
 * User ids and server URLs are guessable, so an unkeyed hash can be reversed by trying candidates: pass `hashKey` (at
 * least 32 random bytes every instance shares, for example the envelope's name-hash key) so the backend's key names
 * reveal nothing. Without it the key only hides the names from casual reading.
 */
export function sessionKey(userId: string, serverUrl: string | URL, hashKey?: Uint8Array): string {
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
  const input = `${userId}\u0000${normalized}`;
  if (hashKey === undefined) return createHash('sha256').update(input).digest('base64url');
  if (!(hashKey instanceof Uint8Array) || hashKey.byteLength < 32) {
    throw new ConfigurationError('`hashKey` must be a Uint8Array of at least 32 random bytes.', { source: 'mcp-sdk' });
  }
  return createHmac('sha256', hashKey).update(input).digest('base64url');
}

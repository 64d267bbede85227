import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { IntegrityError } from '@oauth-store/core';

/**
 * Seals a successor refresh token under a key derived from the token it replaces, for the grace window. Only a
 * caller who presents the old token can open it: the backend holds the old token's hash, never the token, so
 * neither the backend nor its backups can recover a usable successor from a retired record.
 */
const INFO = 'oauth-store/refresh-grace/v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

function keyFor(presentedToken: string): Buffer {
  return createHmac('sha256', presentedToken).update(INFO, 'utf8').digest();
}

/** AES-256-GCM of `successor` under a key derived from `presentedToken`; base64url of iv | ciphertext | tag. */
export function sealSuccessor(presentedToken: string, successor: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keyFor(presentedToken), iv);
  const body = Buffer.concat([cipher.update(successor, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url');
}

/** Opens what {@link sealSuccessor} sealed; {@link IntegrityError} when it was tampered with. */
export function openSuccessor(presentedToken: string, sealed: string): string {
  const bytes = Buffer.from(sealed, 'base64url');
  if (bytes.length <= IV_BYTES + TAG_BYTES) {
    throw new IntegrityError('a retired refresh token record holds a truncated grace seal.', { source: 'tokens' });
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', keyFor(presentedToken), bytes.subarray(0, IV_BYTES));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([
      decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)),
      decipher.final(),
    ]).toString('utf8');
  } catch {
    // No cause: the decipher error says nothing useful and must not carry material.
    throw new IntegrityError('a retired refresh token record holds a grace seal that does not open; it was altered.', {
      source: 'tokens',
    });
  }
}

import { ConfigurationError } from '@oauth-store/core';

/** MySQL and MariaDB identifiers hold at most 64 characters. */
export const MAX_IDENTIFIER_CHARS = 64;

/**
 * Checks a database or table name and returns it backtick-quoted for SQL. Quoting makes the name inert (embedded
 * backticks are doubled, so the name can never end the identifier and inject SQL); what MySQL itself refuses in a
 * quoted identifier (NUL, a trailing space, more than 64 characters) is refused here first, with a clear message.
 */
export function quoteIdentifier(kind: string, name: unknown): string {
  if (typeof name !== 'string' || name.length === 0) {
    throw new ConfigurationError(`the ${kind} name must be a non-empty string.`, { source: 'mysql' });
  }
  if (name.includes('\u0000')) {
    throw new ConfigurationError(`the ${kind} name contains a NUL character, which MySQL cannot hold.`, {
      source: 'mysql',
    });
  }
  if (!name.isWellFormed()) {
    throw new ConfigurationError(`the ${kind} name contains a lone UTF-16 surrogate; use valid Unicode.`, {
      source: 'mysql',
    });
  }
  if (name.endsWith(' ')) {
    throw new ConfigurationError(`the ${kind} name ends with a space, which MySQL does not allow.`, {
      source: 'mysql',
    });
  }
  const chars = [...name].length;
  if (chars > MAX_IDENTIFIER_CHARS) {
    throw new ConfigurationError(
      `the ${kind} name is ${chars} characters; MySQL identifiers hold at most ${MAX_IDENTIFIER_CHARS}. Choose a shorter name.`,
      { source: 'mysql' },
    );
  }
  return `\`${name.replaceAll('`', '``')}\``;
}

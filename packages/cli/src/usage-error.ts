import { InvalidValueError } from '@oauth-store/core';

/**
 * A command was called wrongly (unknown flag, missing argument, malformed value). The CLI prints its one-line message
 * and exits with code 2, as Unix tools do for usage errors.
 */
export class UsageError extends InvalidValueError {
  constructor(message: string) {
    super(message, { source: 'oauth-store' });
    this.name = 'UsageError';
  }
}

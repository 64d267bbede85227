import { ConfigurationError, type KeySource } from '@oauth-store/core';
import { keyringMaterialFromSecret, type SecretKeyOptions } from './secret-format';

/** Options of {@link envKeySource}. */
export interface EnvKeySourceOptions extends SecretKeyOptions {
  /** Name of the environment variable holding the secret (for example `OAUTH_STORE_KEK`). */
  variable: string;
  /** Where to read variables; default `process.env`. */
  env?: Record<string, string | undefined>;
}

/**
 * A {@link KeySource} reading key material from an environment variable: one key, or several in the JSON form (see
 * {@link SecretKeyOptions.format}). The variable is read at each `load()`, which the envelope wrapper calls at
 * start-up and on its refresh interval only.
 */
export function envKeySource(options: EnvKeySourceOptions): KeySource {
  const { variable } = options ?? ({} as EnvKeySourceOptions);
  if (typeof variable !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable)) {
    throw new ConfigurationError(
      'envKeySource needs `variable`: the name of an environment variable, e.g. OAUTH_STORE_KEK.',
      {
        source: 'envelope',
      },
    );
  }
  const description = `environment variable ${variable}`;
  return {
    description,
    async load() {
      const value = (options.env ?? process.env)[variable];
      if (value === undefined || value.trim() === '') {
        throw new ConfigurationError(
          `${description} is not set or empty. Set it to a ${options.encoding}-encoded 32-byte key (for example the output of \`openssl rand -base64 32\` with encoding "base64"), or to the JSON form {"primary":"<kid>","keys":{"<kid>":"<key>"}}.`,
          { source: 'envelope' },
        );
      }
      return keyringMaterialFromSecret(value, options, description);
    },
  };
}

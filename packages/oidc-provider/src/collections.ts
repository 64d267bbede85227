import { createHash } from 'node:crypto';
import { ConfigurationError, utf8Length } from '@oauth-store/core';

/** The collection names one adapter factory uses, derived from the prefix. */
export class OidcCollections {
  readonly #prefix: string;
  readonly #maxCollectionBytes: number;

  constructor(prefix: string, maxCollectionBytes: number) {
    this.#prefix = prefix;
    this.#maxCollectionBytes = maxCollectionBytes;
  }

  /** Records of one model. */
  records(model: string): string {
    return `${this.#prefix}${model}`;
  }
  /** Session uid -> id. */
  byUid(model: string): string {
    return `${this.#prefix}${model}:uid`;
  }
  /** Device-flow user code -> id. */
  byUserCode(model: string): string {
    return `${this.#prefix}${model}:user-code`;
  }
  /** Consume claims, keyed `<id>:<revision>`. */
  consumed(model: string): string {
    return `${this.#prefix}${model}:consumed`;
  }

  /**
   * The tokens of one grant, as entries `<Model>:<id>`. oidc-provider's grant ids are short, so the id is used as
   * is; one too long for the store's collection names is replaced by its SHA-256 (a different marker, so the two
   * forms never meet).
   */
  grant(grantId: string): string {
    const plain = `${this.#prefix}grant:${grantId}`;
    if (utf8Length(plain) <= this.#maxCollectionBytes) return plain;
    return `${this.#prefix}grant#${createHash('sha256').update(grantId, 'utf8').digest('base64url')}`;
  }

  /** Throws {@link ConfigurationError} when a model's collection names do not fit the store. */
  assertFits(model: string): void {
    for (const name of [this.records(model), this.byUid(model), this.byUserCode(model), this.consumed(model)]) {
      if (utf8Length(name) > this.#maxCollectionBytes) {
        throw new ConfigurationError(
          `the collection names of model ${model} are up to ${utf8Length(name)} bytes with this prefix; the store accepts ${this.#maxCollectionBytes}. Use a shorter prefix.`,
          { source: 'oidc-provider' },
        );
      }
    }
    const hashedGrant = `${this.#prefix}grant#${'x'.repeat(43)}`;
    if (utf8Length(hashedGrant) > this.#maxCollectionBytes) {
      throw new ConfigurationError(
        `grant collection names are up to ${utf8Length(hashedGrant)} bytes with this prefix; the store accepts ${this.#maxCollectionBytes}. Use a shorter prefix.`,
        { source: 'oidc-provider' },
      );
    }
  }
}

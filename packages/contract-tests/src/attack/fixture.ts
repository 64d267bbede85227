import { randomBytes } from 'node:crypto';
import type { ByteStore, KeyringMaterial } from '@oauth-store/core';
import type { ResolvedAttackOptions } from './options';

/** A clock the suite moves forward instead of sleeping. */
export interface TestClock {
  now: () => number;
  advance(ms: number): void;
}

function newClock(): TestClock {
  let offset = 0;
  return {
    now: () => Date.now() + offset,
    advance: (ms) => {
      offset += ms;
    },
  };
}

/** One attack's world: inner stores (the attacker's view), wrappers over them, a clock, unique collection names. */
export class AttackFixture {
  readonly clock = newClock();
  readonly #stores: ByteStore[] = [];
  readonly #prefix = `atk${randomBytes(5).toString('hex')}`;
  #counter = 0;

  private constructor(readonly options: ResolvedAttackOptions) {}

  /** Runs `body` with a fresh fixture and closes every store it opened, whatever happens. */
  static async run(options: ResolvedAttackOptions, body: (fixture: AttackFixture) => Promise<void>): Promise<void> {
    const fixture = new AttackFixture(options);
    try {
      await body(fixture);
    } finally {
      // Wrappers first (they may close their inner store), then the inner stores; a second close is harmless.
      await Promise.allSettled([...fixture.#stores].reverse().map((store) => store.close()));
    }
  }

  /** A fresh inner store (a separate prefix, table or tenant). */
  async inner(): Promise<ByteStore> {
    const store = await this.options.createInner();
    this.#stores.push(store);
    return store;
  }

  /** The wrapper over `inner` with these keys and namespace, on this fixture's clock. */
  async wrap(inner: ByteStore, keys: KeyringMaterial, namespace?: string): Promise<ByteStore> {
    const store = await this.options.wrap(inner, { keys, namespace, now: this.clock.now });
    this.#stores.push(store);
    return store;
  }

  /** A collection name unique to this test. */
  collection(tag = 'c'): string {
    this.#counter += 1;
    return `${this.#prefix}-${tag}-${this.#counter}`;
  }
}

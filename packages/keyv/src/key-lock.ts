/**
 * Serializes async work per key within one process: the bodies for one key run one after another, in call order.
 * Used so that get-then-write sequences on a Keyv (which has no conditional write) do not interleave in-process.
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs `body` after every earlier body for `key` has settled. */
  run<T>(key: string, body: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(body, body);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    // Forget the key once nothing more is queued behind this body.
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return result;
  }
}
